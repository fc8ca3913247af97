/**
 * `@azure-drift/core`: the data model, the Collector and Store contracts, normalization, the diff
 * engine, severity rules, the check pipeline, an in-memory store and the report renderers.
 *
 * @packageDocumentation
 */

export {
  type AttributeReportOptions,
  type AttributionRequest,
  type AttributionSource,
  attributeReport,
} from "./attribution.js";
export { type AcceptBaselineOptions, acceptBaseline, resolveBaseline } from "./baseline.js";
export {
  acceptBaselinePartially,
  BASELINE_MERGE_SOURCE,
  type PartialAcceptOptions,
  type PartialAcceptResult,
} from "./baseline-partial.js";
export {
  type CheckRequest,
  type CheckResult,
  type CollectRequest,
  createDriftDetector,
  type DriftDetector,
  type DriftDetectorOptions,
  STARTING_POINT_NOTICE,
} from "./check/detector.js";
export {
  isResourceOrChildOf,
  type ParsedResourceId,
  parseResourceId,
} from "./check/resource-routing.js";
export {
  type CollectorOutcome,
  describeError,
  type RunCollectorOptions,
  runCollector,
} from "./check/run-collector.js";
export {
  TARGETED_READ_LABEL,
  type TargetedCheckRequest,
  type TargetedCheckResult,
} from "./check/targeted-check.js";
export * from "./clouds.js";
export * from "./collector.js";
export * from "./credentials.js";
export {
  type DiffOptions,
  type DiffSource,
  diffSnapshots,
  diffStoredSnapshots,
  type IndexComparer,
  type IndexComparison,
  REPORT_FORMAT_VERSION,
  type SnapshotData,
} from "./diff/engine.js";
export { type ChangePathStep, formatChangePath, parseChangePath } from "./diff/paths.js";
export * from "./errors.js";
export { canonicalJson, hashConfig, hashString } from "./hash.js";
export {
  type ResourceHistory,
  type ResourceHistoryEntry,
  type ResourceHistoryOptions,
  resourceHistory,
} from "./history.js";
export { MAX_JSON_DEPTH } from "./json-depth.js";
export { createMemoryStore } from "./memory-store.js";
export * from "./model.js";
export {
  createTypeRegistry,
  defaultTypeDefinitions,
  defaultVolatileKeys,
  type TypeRegistry,
  type TypeRegistryOptions,
} from "./normalize/hints.js";
export {
  type ArrayKeys,
  arrayKeys,
  isArmId,
  type NormalizeOptions,
  normalizeResource,
} from "./normalize/normalize.js";
export * from "./operation.js";
export { createRecord, type RecordSource } from "./record.js";
export {
  defaultSecretKeys,
  isRedactionMarker,
  looksLikeSecretValue,
  type RedactionOptions,
  redactSecrets,
} from "./redact.js";
export { renderHtml } from "./render/html.js";
export { renderJson } from "./render/json.js";
export { type JunitOptions, renderJunit } from "./render/junit.js";
export { renderMarkdown } from "./render/markdown.js";
export { REPORT_FORMATS, type RenderOptions, type ReportFormat, renderReport } from "./render/report.js";
export { renderSarif, SARIF_FINGERPRINT, type SarifOptions, sarifFingerprint } from "./render/sarif.js";
export { summarizeValue } from "./render/summarize.js";
export { renderTable, type TableOptions } from "./render/table.js";
export { defaultRules, isOpenManagementRule } from "./rules/default-rules.js";
export { type Assessment, createRuleEngine, maxSeverity, type RuleEngine } from "./rules/engine.js";
export { parseRuleFile } from "./rules/engine-file.js";
export type * from "./rules/types.js";
export {
  ARM_IMPORT_COLLECTOR,
  ARM_IMPORT_DOMAIN,
  importArmResources,
  type ParseSnapshotOptions,
  parseSnapshot,
  readSnapshotFile,
  SNAPSHOT_FILE_KIND,
  SNAPSHOT_FORMAT_VERSION,
  serializeSnapshot,
  writeSnapshotFile,
} from "./snapshot-format.js";
export * from "./store.js";
export {
  assertStorableRecord,
  checkListQuery,
  isInTimeRange,
  newestFirst,
  selectForPrune,
  selectSnapshots,
  storableBatch,
  type TimeRange,
} from "./store-kit.js";
