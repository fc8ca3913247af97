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
