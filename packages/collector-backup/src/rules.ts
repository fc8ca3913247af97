import type { JsonValue, RuleContext, SeverityRule } from "@azure-drift/core";
import { BACKUP_TYPES } from "./resource-types.js";

const SOFT_DELETE = "properties.securitySettings.softDeleteSettings";

/** A string or boolean compared the way ARM means it: enum strings case-insensitively. */
function normalized(value: JsonValue | undefined): JsonValue | undefined {
  return typeof value === "string" ? value.toLowerCase() : value;
}

function isOneOf(value: JsonValue | undefined, values: readonly JsonValue[]): boolean {
  const seen = normalized(value);
  return values.some((candidate) => normalized(candidate) === seen);
}

/** The setting was one of `on` and is no longer (changed to anything else, or removed). */
function turnedOff(...on: JsonValue[]): (context: RuleContext) => boolean {
  return ({ before, after }) => isOneOf(before, on) && !isOneOf(after, on);
}

/** The setting became `value` from something else. */
function became(value: JsonValue): (context: RuleContext) => boolean {
  return ({ before, after }) => isOneOf(after, [value]) && !isOneOf(before, [value]);
}

/** Immutability ranks Disabled < Unlocked < Locked; anything below what it was is weaker. */
function immutabilityWeakened({ before, after }: RuleContext): boolean {
  const rank = (value: JsonValue | undefined) =>
    ["disabled", "unlocked", "locked"].indexOf(String(normalized(value) ?? "disabled"));
  return rank(after) < rank(before);
}

/** A daily retention now shorter than before and shorter than 30 days. */
function dailyRetentionBelow30({ before, after }: RuleContext): boolean {
  if (typeof after !== "number") return false;
  return after < 30 && (typeof before !== "number" || after < before);
}

/**
 * The backup domain's severity rules. They come before core's defaults, so
 * `backup/vault-soft-delete-disabled` (critical) and `backup/vault-immutability-weakened` replace
 * core's `core/backup-soft-delete-off` and `core/backup-immutability-off` on the same paths.
 */
export const backupRules: SeverityRule[] = [
  // --- Recovery Services vaults ------------------------------------------------------------------
  {
    id: "backup/vault-soft-delete-disabled",
    type: BACKUP_TYPES.vault,
    path: `${SOFT_DELETE}.softDeleteState`,
    when: turnedOff("Enabled", "AlwaysON"),
    severity: "critical",
    message:
      "Soft delete of Recovery Services vault {name} was turned off ({before} → {after}): deleted backups are now purged at once.",
    remediation:
      "az backup vault backup-properties set --name <vault> --resource-group <group> --soft-delete-feature-state Enable (AlwaysOn makes it irreversible)",
  },
  {
    id: "backup/vault-immutability-weakened",
    type: BACKUP_TYPES.vault,
    path: "properties.securitySettings.immutabilitySettings.state",
    when: immutabilityWeakened,
    severity: "high",
    message:
      "Immutability of Recovery Services vault {name} was weakened ({before} → {after}): recovery points can be deleted before they expire.",
    remediation:
      "az backup vault update --name <vault> --resource-group <group> --immutability-state Unlocked (or Locked)",
  },
  {
    id: "backup/vault-enhanced-security-off",
    type: BACKUP_TYPES.vault,
    path: `${SOFT_DELETE}.enhancedSecurityState`,
    when: turnedOff("Enabled", "AlwaysON"),
    severity: "high",
    message: "Enhanced security of Recovery Services vault {name} was turned off ({before} → {after}).",
    remediation:
      "az backup vault backup-properties set --name <vault> --resource-group <group> --hybrid-backup-security-features Enable",
  },
  {
    id: "backup/vault-multi-user-authorization-off",
    type: BACKUP_TYPES.vault,
    path: "properties.securitySettings.multiUserAuthorization",
    when: turnedOff("Enabled"),
    severity: "high",
    message:
      "Multi-user authorization of Recovery Services vault {name} was turned off: one administrator can again disable its protections.",
    remediation:
      "az backup vault resource-guard-mapping update --name <vault> --resource-group <group> --resource-guard-id <guard-id>",
  },
  {
    id: "backup/vault-public-network-access-enabled",
    type: BACKUP_TYPES.vault,
    path: "properties.publicNetworkAccess",
    when: became("Enabled"),
    severity: "medium",
    message: "Public network access to Recovery Services vault {name} was enabled ({before} → {after}).",
    remediation:
      "az backup vault update --name <vault> --resource-group <group> --public-network-access Disable",
  },
  {
    id: "backup/vault-redundancy-lowered",
    type: BACKUP_TYPES.vault,
    path: "properties.redundancySettings.standardTierStorageRedundancy",
    when: became("LocallyRedundant"),
    severity: "medium",
    message:
      "Backup storage of Recovery Services vault {name} went from {before} to {after}: one datacenter's loss now loses the backups.",
    remediation:
      "az backup vault backup-properties set --name <vault> --resource-group <group> --backup-storage-redundancy GeoRedundant",
  },
  {
    id: "backup/vault-cross-region-restore-off",
    type: BACKUP_TYPES.vault,
    path: "properties.redundancySettings.crossRegionRestore",
    when: turnedOff("Enabled"),
    severity: "medium",
    message: "Cross-region restore of Recovery Services vault {name} was turned off.",
    remediation:
      "az backup vault backup-properties set --name <vault> --resource-group <group> --cross-region-restore-flag True",
  },
  {
    id: "backup/vault-removed",
    type: BACKUP_TYPES.vault,
    when: { kind: "removed" },
    severity: "high",
    message: "Recovery Services vault {name} was deleted, and with it the backups it held.",
    remediation:
      "Check the activity log for who deleted it; soft-deleted items can be undeleted for 14 days after the vault is re-created.",
  },
  // --- The vault's backup storage and encryption ---------------------------------------------------
  {
    id: "backup/storage-redundancy-lowered",
    type: BACKUP_TYPES.backupStorageConfig,
    path: "properties.storage*Type",
    when: became("LocallyRedundant"),
    severity: "medium",
    message: "Backup storage of vault {id} went from {before} to {after}.",
    remediation:
      "az backup vault backup-properties set --name <vault> --resource-group <group> --backup-storage-redundancy GeoRedundant",
  },
  {
    id: "backup/storage-cross-region-restore-off",
    type: BACKUP_TYPES.backupStorageConfig,
    path: "properties.crossRegionRestoreFlag",
    when: turnedOff(true),
    severity: "medium",
    message: "Cross-region restore was turned off in the backup storage of vault {id}.",
    remediation:
      "az backup vault backup-properties set --name <vault> --resource-group <group> --cross-region-restore-flag True",
  },
  {
    id: "backup/encryption-customer-key-dropped",
    type: BACKUP_TYPES.backupEncryptionConfig,
    path: "properties.encryptionAtRestType",
    when: turnedOff("CustomerManaged"),
    severity: "high",
    message:
      "Backups of vault {id} are no longer encrypted with the customer-managed key ({before} → {after}).",
    remediation:
      "az backup vault encryption update --name <vault> --resource-group <group> --encryption-key-id <key-uri> --mi-system-assigned",
  },
  // --- Policies, protected items, resource guards ---------------------------------------------------
  {
    id: "backup/policy-daily-retention-lowered",
    type: BACKUP_TYPES.backupPolicy,
    path: "properties.**.dailySchedule.retentionDuration.count",
    when: dailyRetentionBelow30,
    severity: "medium",
    message: "Daily backups under policy {name} are now kept {after} days (was {before}), under 30.",
    remediation:
      "az backup policy set --vault-name <vault> --resource-group <group> --policy <policy.json with ≥ 30 days>",
  },
  {
    id: "backup/policy-removed",
    type: BACKUP_TYPES.backupPolicy,
    when: { kind: "removed" },
    severity: "medium",
    message: "Backup policy {name} was removed.",
    remediation:
      "Check that every item it protected moved to another policy: az backup item list --vault-name <vault> --resource-group <group>",
  },
  {
    id: "backup/protected-item-removed",
    type: BACKUP_TYPES.protectedItem,
    when: { kind: "removed" },
    severity: "high",
    message: "Protected item {name} is no longer backed up: its protection was removed.",
    remediation:
      "az backup protection enable-for-vm --vault-name <vault> --resource-group <group> --vm <vm-id> --policy-name <policy>",
  },
  {
    id: "backup/protection-stopped",
    type: BACKUP_TYPES.protectedItem,
    path: "properties.protectionState",
    when: ({ after, before }) =>
      isOneOf(after, ["ProtectionStopped", "ProtectionPaused"]) &&
      !isOneOf(before, ["ProtectionStopped", "ProtectionPaused"]),
    severity: "high",
    message: "Backups of {name} stopped ({before} → {after}): no new recovery points are made.",
    remediation:
      "az backup protection resume --vault-name <vault> --resource-group <group> --container-name <container> --item-name <item> --policy-name <policy>",
  },
  {
    id: "backup/resource-guard-proxy-removed",
    type: BACKUP_TYPES.resourceGuardProxy,
    when: { kind: "removed" },
    severity: "high",
    message: "The resource guard of vault {id} was unlinked: multi-user authorization no longer protects it.",
    remediation:
      "az backup vault resource-guard-mapping update --name <vault> --resource-group <group> --resource-guard-id <guard-id>",
  },
  // --- Storage data protection ---------------------------------------------------------------------
  {
    id: "backup/blob-soft-delete-off",
    type: BACKUP_TYPES.blobService,
    path: "properties.deleteRetentionPolicy.enabled",
    when: turnedOff(true),
    severity: "medium",
    message: "Blob soft delete was turned off for {id}: deleted blobs cannot be recovered.",
    remediation:
      "az storage account blob-service-properties update --account-name <account> --resource-group <group> --enable-delete-retention true --delete-retention-days 7",
  },
  {
    id: "backup/container-soft-delete-off",
    type: BACKUP_TYPES.blobService,
    path: "properties.containerDeleteRetentionPolicy.enabled",
    when: turnedOff(true),
    severity: "medium",
    message: "Container soft delete was turned off for {id}: a deleted container is gone at once.",
    remediation:
      "az storage account blob-service-properties update --account-name <account> --resource-group <group> --enable-container-delete-retention true --container-delete-retention-days 7",
  },
  {
    id: "backup/blob-versioning-off",
    type: BACKUP_TYPES.blobService,
    path: "properties.isVersioningEnabled",
    when: turnedOff(true),
    severity: "medium",
    message: "Blob versioning was turned off for {id}: overwritten blobs keep no previous version.",
    remediation:
      "az storage account blob-service-properties update --account-name <account> --resource-group <group> --enable-versioning true",
  },
  {
    id: "backup/point-in-time-restore-off",
    type: BACKUP_TYPES.blobService,
    path: "properties.restorePolicy.enabled",
    when: turnedOff(true),
    severity: "medium",
    message: "Point-in-time restore was turned off for {id}.",
    remediation:
      "az storage account blob-service-properties update --account-name <account> --resource-group <group> --enable-restore-policy true --restore-days 6",
  },
  {
    id: "backup/file-share-soft-delete-off",
    type: BACKUP_TYPES.fileService,
    path: "properties.shareDeleteRetentionPolicy.enabled",
    when: turnedOff(true),
    severity: "medium",
    message: "File share soft delete was turned off for {id}: a deleted share is gone at once.",
    remediation:
      "az storage account file-service-properties update --account-name <account> --resource-group <group> --enable-delete-retention true --delete-retention-days 7",
  },
];
