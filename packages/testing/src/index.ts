/**
 * `@azure-drift/testing`: what plugin authors and azure-drift's own tests need: an ARM replay
 * server, a synthetic-tenant generator and mutator, and conformance suites for stores and collectors.
 *
 * @packageDocumentation
 */

export type { CollectorConformanceOptions, ConformanceTest } from "./collector-conformance/index.js";
export { collectorConformanceSuite } from "./collector-conformance/index.js";
export * from "./replay/index.js";
export * from "./store-conformance/index.js";
export {
  countRoute,
  type DriftScenario,
  type DriftScenarioOptions,
  expectedTargetedGets,
  startDriftScenario,
  type TargetedComparison,
  targetedThenFull,
  unknownAfter403,
} from "./targeted/index.js";
export * from "./tenant/index.js";
