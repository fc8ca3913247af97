/**
 * `@azure-drift/collector-backup`: whether a subscription can still recover its data. Recovery
 * Services vaults (soft delete, immutability, enhanced security, multi-user authorization, storage
 * redundancy, cross-region restore) with their backup policies, protected items, backup storage and
 * encryption config and resource guard proxies; and the data protection of each storage account's
 * blob and file services (soft delete, versioning, change feed, point-in-time restore). Collected
 * through the real `@azure/arm-recoveryservices`, `@azure/arm-recoveryservicesbackup` and
 * `@azure/arm-storage` clients as raw ARM JSON, with normalization hints and severity rules.
 *
 * @example
 * ```ts
 * import { backupCollector } from "@azure-drift/collector-backup";
 * const detector = createDriftDetector({ collectors: [backupCollector()], store, credential });
 * ```
 *
 * @packageDocumentation
 */

export type { BackupCollectorOptions } from "./collector.js";
export { backupCollector, NAME, VERSION } from "./collector.js";
export type { BackupResourceKind } from "./resource-types.js";
export { BACKUP_TYPES, backupResourceTypes } from "./resource-types.js";
export { backupRules } from "./rules.js";
