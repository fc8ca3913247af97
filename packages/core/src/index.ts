/**
 * `@azure-drift/core`: the data model, the Collector and Store contracts, normalization, the diff
 * engine, severity rules, the check pipeline, an in-memory store and the report renderers.
 *
 * @packageDocumentation
 */

export * from "./model.js";
export * from "./errors.js";
export * from "./operation.js";
export * from "./collector.js";
export * from "./store.js";
export * from "./clouds.js";
export * from "./credentials.js";
export type * from "./rules/types.js";
export { createRuleEngine, maxSeverity, type Assessment, type RuleEngine } from "./rules/engine.js";
export { defaultRules, isOpenManagementRule } from "./rules/default-rules.js";
export { parseRuleFile } from "./rules/engine-file.js";
export { createMemoryStore } from "./memory-store.js";
export { acceptBaseline, resolveBaseline, type AcceptBaselineOptions } from "./baseline.js";
export {
  describeError,
  runCollector,
  type CollectorOutcome,
  type RunCollectorOptions,
} from "./check/run-collector.js";
export {
  createDriftDetector,
  STARTING_POINT_NOTICE,
  type CheckRequest,
  type CheckResult,
  type CollectRequest,
  type DriftDetector,
  type DriftDetectorOptions,
} from "./check/detector.js";
export { renderReport, REPORT_FORMATS, type ReportFormat } from "./render/report.js";
export { renderJson } from "./render/json.js";
export { renderMarkdown } from "./render/markdown.js";
export { renderTable, type TableOptions } from "./render/table.js";
export {
  createTypeRegistry,
  defaultTypeDefinitions,
  defaultVolatileKeys,
  type TypeRegistry,
  type TypeRegistryOptions,
} from "./normalize/hints.js";
export { arrayKeys, isArmId, normalizeResource, type ArrayKeys, type NormalizeOptions } from "./normalize/normalize.js";
export { defaultSecretKeys, isRedactionMarker, redactSecrets, type RedactionOptions } from "./redact.js";
export { canonicalJson, hashConfig, hashString } from "./hash.js";
export { createRecord, type RecordSource } from "./record.js";
export {
  diffSnapshots,
  diffStoredSnapshots,
  REPORT_FORMAT_VERSION,
  type DiffOptions,
  type SnapshotData,
} from "./diff/engine.js";
export { formatChangePath, parseChangePath, type ChangePathStep } from "./diff/paths.js";
export {
  ARM_IMPORT_COLLECTOR,
  ARM_IMPORT_DOMAIN,
  importArmResources,
  parseSnapshot,
  readSnapshotFile,
  serializeSnapshot,
  SNAPSHOT_FILE_KIND,
  SNAPSHOT_FORMAT_VERSION,
  writeSnapshotFile,
  type ParseSnapshotOptions,
} from "./snapshot-format.js";
