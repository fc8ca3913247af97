/**
 * How the mutator changes the backup domain: the weakenings people make to Recovery Services vaults,
 * backup policies, protected items and storage data protection (each returns the changed path in the
 * report's syntax), and the noise Azure itself makes there (backup health, last-backup times, counts,
 * scores), which is never drift.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";
import type { Random } from "./random.js";
import { RESOURCE_TYPES, type ResourceKind } from "./types.js";

/** One modification: changes `resource` and returns the changed path, or undefined when it does not apply. */
export type BackupMutation = (resource: JsonObject, m: { rng: Random }) => string | undefined;

/** The object at `path` under `resource`, if every step is an object. */
function objectAt(resource: JsonObject, path: readonly string[]): JsonObject | undefined {
  let target: JsonValue | undefined = resource;
  for (const segment of path) {
    if (!target || typeof target !== "object" || Array.isArray(target)) return undefined;
    target = target[segment];
  }
  return target && typeof target === "object" && !Array.isArray(target) ? target : undefined;
}

/** Sets `path` from a value in `from` to `to`; applies only when the current value is one of `from`. */
const weaken =
  (path: string, from: readonly JsonValue[], to: JsonValue): BackupMutation =>
  (resource) => {
    const segments = path.split(".");
    const parent = objectAt(resource, segments.slice(0, -1));
    const last = segments[segments.length - 1] as string;
    if (!parent || !from.includes(parent[last] as JsonValue)) return undefined;
    parent[last] = to;
    return path;
  };

const addTag: BackupMutation = (resource, m) => {
  const tags = resource.tags as JsonObject | undefined;
  if (!tags || typeof tags !== "object" || Object.keys(tags).length === 0 || "backupOwner" in tags)
    return undefined;
  tags.backupOwner = `team-${m.rng.hex(4)}`;
  return "tags.backupOwner";
};

const DAILY_RETENTION = "properties.retentionPolicy.dailySchedule.retentionDuration.count";

/** The mutations of each backup type, by the generator's kind. */
export const BACKUP_MUTATIONS: Readonly<Record<string, BackupMutation[]>> = {
  recoveryServicesVault: [
    weaken("properties.securitySettings.softDeleteSettings.softDeleteState", ["Enabled"], "Disabled"),
    weaken("properties.securitySettings.immutabilitySettings.state", ["Unlocked"], "Disabled"),
    weaken("properties.securitySettings.softDeleteSettings.enhancedSecurityState", ["Enabled"], "Disabled"),
    weaken("properties.securitySettings.multiUserAuthorization", ["Enabled"], "Disabled"),
    weaken("properties.publicNetworkAccess", ["Disabled"], "Enabled"),
    weaken("properties.redundancySettings.crossRegionRestore", ["Enabled"], "Disabled"),
    // The safe direction, which no rule rates above the default.
    weaken("properties.securitySettings.softDeleteSettings.softDeleteRetentionPeriodInDays", [14], 30),
    addTag,
  ],
  backupPolicy: [
    (policy, m) => {
      const duration = objectAt(policy, DAILY_RETENTION.split(".").slice(0, -1));
      if (!duration || typeof duration.count !== "number" || duration.count <= 7) return undefined;
      duration.count = m.rng.pick([7, 14]);
      return DAILY_RETENTION;
    },
    (policy) => {
      const properties = policy.properties as JsonObject;
      properties.timeZone = properties.timeZone === "UTC" ? "GMT Standard Time" : "UTC";
      return "properties.timeZone";
    },
  ],
  backupProtectedItem: [weaken("properties.protectionState", ["Protected"], "ProtectionStopped")],
  backupStorageConfig: [
    weaken("properties.storageType", ["GeoRedundant", "ZoneRedundant"], "LocallyRedundant"),
    weaken("properties.crossRegionRestoreFlag", [true], false),
  ],
  backupEncryptionConfig: [
    // A customer-managed key moved to another key or version.
    (config, m) => {
      const properties = config.properties as JsonObject;
      if (typeof properties.keyUri !== "string") return undefined;
      properties.keyUri = `${properties.keyUri.slice(0, properties.keyUri.lastIndexOf("/") + 1)}${m.rng.hex(32)}`;
      return "properties.keyUri";
    },
  ],
  backupResourceGuardProxy: [
    (proxy, m) => {
      (proxy.properties as JsonObject).description = `Reviewed by the security team (${m.rng.hex(4)})`;
      return "properties.description";
    },
  ],
  blobService: [
    weaken("properties.deleteRetentionPolicy.enabled", [true], false),
    weaken("properties.containerDeleteRetentionPolicy.enabled", [true], false),
    weaken("properties.isVersioningEnabled", [true], false),
    weaken("properties.restorePolicy.enabled", [true], false),
  ],
  fileService: [
    weaken("properties.shareDeleteRetentionPolicy.enabled", [true], false),
    weaken("properties.shareDeleteRetentionPolicy.days", [7, 14], 30),
  ],
};

/**
 * Kinds that exist as long as their parent does (a storage account's default blob and file services,
 * a vault's storage and encryption config): the mutator changes them but never adds or removes one
 * on its own, as ARM cannot.
 */
export const BACKUP_MODIFY_ONLY_KINDS: readonly ResourceKind[] = [
  "blobService",
  "fileService",
  "backupStorageConfig",
  "backupEncryptionConfig",
];

/** The volatile fields Azure rewrites on its own, by type (lower-cased): what backup noise changes. */
const VOLATILE_NOISE: Readonly<Record<string, (resource: JsonObject, rng: Random) => void>> = {
  [RESOURCE_TYPES.recoveryServicesVault.toLowerCase()]: (vault, rng) => {
    const properties = vault.properties as JsonObject;
    properties.bcdrSecurityLevel = rng.pick(["Poor", "Fair", "Good", "Excellent"]);
    properties.secureScore = rng.pick(["None", "Minimum", "Adequate", "Maximum"]);
    properties.monitoringSummary = { unHealthyVmCount: rng.int(0, 3), unHealthyProviderCount: 0 };
  },
  [RESOURCE_TYPES.backupPolicy.toLowerCase()]: (policy, rng) => {
    (policy.properties as JsonObject).protectedItemsCount = rng.int(0, 40);
  },
  [RESOURCE_TYPES.backupProtectedItem.toLowerCase()]: (item, rng) => {
    const properties = item.properties as JsonObject;
    const at = `2026-02-${String(rng.int(1, 28)).padStart(2, "0")}T0${rng.int(0, 9)}:00:00.0000000Z`;
    properties.lastBackupTime = at;
    properties.lastRecoveryPoint = at;
    properties.lastBackupStatus = rng.pick(["Completed", "Failed", "InProgress"]);
    properties.healthStatus = rng.pick(["Passed", "ActionRequired", "ActionSuggested"]);
    properties.protectionStatus = rng.pick(["Healthy", "Unhealthy"]);
  },
  [RESOURCE_TYPES.backupEncryptionConfig.toLowerCase()]: (config, rng) => {
    (config.properties as JsonObject).lastUpdateStatus = rng.pick(["Succeeded", "Failed", "Initialized"]);
  },
  [RESOURCE_TYPES.backupResourceGuardProxy.toLowerCase()]: (proxy, rng) => {
    (proxy.properties as JsonObject).lastUpdatedTime =
      `2026-03-${String(rng.int(1, 28)).padStart(2, "0")}T10:00:00Z`;
  },
  [RESOURCE_TYPES.blobService.toLowerCase()]: (service, rng) => {
    const restore = (service.properties as JsonObject).restorePolicy as JsonObject | undefined;
    if (restore?.enabled)
      restore.minRestoreTime = `2026-01-${String(rng.int(1, 28)).padStart(2, "0")}T00:00:00Z`;
  },
};

/** Changes what Azure changes on its own in a backup resource; returns whether `resource` is one. */
export function addBackupNoise(resource: JsonObject, rng: Random): boolean {
  const noise = VOLATILE_NOISE[String(resource.type).toLowerCase()];
  noise?.(resource, rng);
  return noise !== undefined;
}
