/**
 * `@azure-drift/collector-governance`: the governance configuration of a subscription (policy
 * assignments, custom policy definitions and initiatives, policy exemptions, management locks,
 * diagnostic settings of the subscription and of its key resources, activity-log alerts), collected
 * through the real `@azure/arm-policy`, `@azure/arm-locks` and `@azure/arm-monitor` clients as raw ARM
 * JSON, with normalization hints and severity rules for the governance domain.
 *
 * @example
 * ```ts
 * import { governanceCollector } from "@azure-drift/collector-governance";
 * const detector = createDriftDetector({ collectors: [governanceCollector()], store, credential });
 * ```
 *
 * @packageDocumentation
 */

export type { GovernanceCollectorOptions } from "./collector.js";
export {
  DIAGNOSTIC_SETTINGS_API_VERSION,
  GOVERNANCE_API_VERSIONS,
  governanceCollector,
  NAME,
  POLICY_EXEMPTIONS_API_VERSION,
  RESOURCES_API_VERSION,
  VERSION,
} from "./collector.js";
export { DEFAULT_DIAGNOSTIC_TARGETS, EXTENDED_DIAGNOSTIC_TARGETS } from "./diagnostic-targets.js";
export type { GovernanceResourceKind } from "./resource-types.js";
export { GOVERNANCE_TYPES, governanceResourceTypes } from "./resource-types.js";
export { governanceRules } from "./rules.js";
