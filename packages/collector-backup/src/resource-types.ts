import type { ResourceTypeDefinition } from "@azure-drift/core";

/** The ARM types the backup collector emits, as ARM spells them. */
export const BACKUP_TYPES = {
  vault: "Microsoft.RecoveryServices/vaults",
  backupPolicy: "Microsoft.RecoveryServices/vaults/backupPolicies",
  protectedItem: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
  backupStorageConfig: "Microsoft.RecoveryServices/vaults/backupstorageconfig",
  backupEncryptionConfig: "Microsoft.RecoveryServices/vaults/backupEncryptionConfigs",
  resourceGuardProxy: "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies",
  blobService: "Microsoft.Storage/storageAccounts/blobServices",
  fileService: "Microsoft.Storage/storageAccounts/fileServices",
} as const;

/** Short name of a backup resource type, e.g. `vault`. */
export type BackupResourceKind = keyof typeof BACKUP_TYPES;

/** The kinds collected per Recovery Services vault. */
export const VAULT_CHILD_KINDS = [
  "backupPolicy",
  "protectedItem",
  "backupStorageConfig",
  "backupEncryptionConfig",
  "resourceGuardProxy",
] as const satisfies readonly BackupResourceKind[];

/** The kinds collected per storage account. */
export const STORAGE_CHILD_KINDS = [
  "blobService",
  "fileService",
] as const satisfies readonly BackupResourceKind[];

/**
 * Secrets Recovery Services payloads may carry under names core's default secret keys do not match
 * (`sasKey` is not `sasToken`; an integrity key is not an access key): a SAS for the vault's staging
 * storage container, the key that signs a vault's credentials.
 */
const RECOVERY_SERVICES_SECRETS = ["**.storageContainerSasKey", "**.sasKey", "**.integrityKey"];

/**
 * The backup types with their normalization hints. Arrays of objects are matched by `name` (else
 * `id`) by core's defaults and primitive arrays are sets, so hints list only the exceptions.
 */
export const backupResourceTypes: Record<BackupResourceKind, ResourceTypeDefinition> = {
  vault: {
    type: BACKUP_TYPES.vault,
    description:
      "Recovery Services vaults, read by GET: soft delete, immutability, enhanced security, multi-user authorization, storage redundancy, cross-region restore, public network access",
    // Azure's own assessment of the vault and its alert counters, recomputed as backups run.
    volatile: ["properties.bcdrSecurityLevel", "properties.secureScore", "properties.monitoringSummary"],
    secrets: RECOVERY_SERVICES_SECRETS,
  },
  backupPolicy: {
    type: BACKUP_TYPES.backupPolicy,
    description: "Backup policies of each vault: schedules and retention (daily, weekly, monthly, yearly)",
    // How many items use the policy changes whenever an item is protected or stopped; the items are records of their own.
    volatile: ["properties.protectedItemsCount"],
    keyedArrays: { "properties.subProtectionPolicy": ["policyType"] },
    secrets: RECOVERY_SERVICES_SECRETS,
  },
  protectedItem: {
    type: BACKUP_TYPES.protectedItem,
    description:
      "Protected items of each vault: what is backed up, by which policy, and whether protection runs",
    // Health and the last backup's outcome move with every backup job; protectionState is configuration.
    volatile: [
      "properties.lastBackupStatus",
      "properties.lastBackupTime",
      "properties.lastRecoveryPoint",
      "properties.healthStatus",
      "properties.healthDetails",
      "properties.protectionStatus",
      "properties.kpisHealths",
      "properties.extendedInfo",
      "properties.lastBackupErrorDetail",
    ],
    secrets: RECOVERY_SERVICES_SECRETS,
  },
  backupStorageConfig: {
    type: BACKUP_TYPES.backupStorageConfig,
    description: "Backup storage of each vault: storage redundancy and cross-region restore",
    secrets: RECOVERY_SERVICES_SECRETS,
  },
  backupEncryptionConfig: {
    type: BACKUP_TYPES.backupEncryptionConfig,
    description:
      "Backup encryption of each vault: platform or customer-managed key, infrastructure encryption",
    // The outcome of the last key update, not the key.
    volatile: ["properties.lastUpdateStatus"],
    secrets: RECOVERY_SERVICES_SECRETS,
  },
  resourceGuardProxy: {
    type: BACKUP_TYPES.resourceGuardProxy,
    description:
      "Resource guard proxies of each vault: the resource guard that enforces multi-user authorization",
    volatile: ["properties.lastUpdatedTime"],
    keyedArrays: { "properties.resourceGuardOperationDetails": ["vaultCriticalOperation"] },
    secrets: RECOVERY_SERVICES_SECRETS,
  },
  blobService: {
    type: BACKUP_TYPES.blobService,
    description:
      "Blob service data protection of each storage account: blob and container soft delete, versioning, change feed, point-in-time restore",
    // `sku` repeats the storage account's, collected with the account by the security collector; the
    // restore window's start moves forward by itself.
    volatile: ["sku", "properties.restorePolicy.lastEnabledTime", "properties.restorePolicy.minRestoreTime"],
  },
  fileService: {
    type: BACKUP_TYPES.fileService,
    description: "File service data protection of each storage account: file share soft delete",
    volatile: ["sku"],
  },
};
