import {
  createRuleEngine,
  defaultRules,
  type FieldChange,
  type JsonObject,
  type JsonValue,
  type ResourceDrift,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { BACKUP_TYPES, backupRules } from "../src/index.js";

const VAULT_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv1";
const engine = createRuleEngine({}, backupRules);

/** Assesses one change of `path` from `before` to `after`; returns [ruleId, severity]. */
function rate(type: string, path: string, before: JsonValue | undefined, after: JsonValue | undefined) {
  const kind: FieldChange["kind"] =
    before === undefined ? "added" : after === undefined ? "removed" : "changed";
  const drift: ResourceDrift = {
    id: VAULT_ID,
    key: VAULT_ID.toLowerCase(),
    type,
    status: "modified",
    severity: "info",
    changes: [{ path, kind, before, after, severity: "info" } as FieldChange],
  };
  const { drift: assessed } = engine.assess(drift, { id: VAULT_ID }, { id: VAULT_ID });
  const change = assessed?.changes[0];
  return [change?.ruleId, change?.severity];
}

/** Assesses a resource removed or added; returns [ruleId, severity]. */
function rateResource(type: string, status: "added" | "removed", config: JsonObject) {
  const drift: ResourceDrift = {
    id: String(config.id),
    key: String(config.id).toLowerCase(),
    type,
    status,
    severity: "info",
    changes: [],
  };
  const { drift: assessed } = engine.assess(
    drift,
    status === "removed" ? config : undefined,
    status === "added" ? config : undefined,
  );
  return [assessed?.changes[0]?.ruleId, assessed?.severity];
}

const DEFAULT = [undefined, "low"];
const V = BACKUP_TYPES.vault;
const SOFT_DELETE = "properties.securitySettings.softDeleteSettings";

describe("vault rules", () => {
  test("soft delete turned off is critical, replacing core's high rule; turning it on is not rated", () => {
    expect(rate(V, `${SOFT_DELETE}.softDeleteState`, "Enabled", "Disabled")).toEqual([
      "backup/vault-soft-delete-disabled",
      "critical",
    ]);
    expect(rate(V, `${SOFT_DELETE}.softDeleteState`, "AlwaysON", "Disabled")).toEqual([
      "backup/vault-soft-delete-disabled",
      "critical",
    ]);
    expect(rate(V, `${SOFT_DELETE}.softDeleteState`, "enabled", undefined)).toEqual([
      "backup/vault-soft-delete-disabled",
      "critical",
    ]);
    expect(rate(V, `${SOFT_DELETE}.softDeleteState`, "Disabled", "Enabled")).toEqual(DEFAULT);
    expect(rate(V, `${SOFT_DELETE}.softDeleteState`, "Enabled", "AlwaysON")).toEqual(DEFAULT);
    expect(defaultRules.some((rule) => rule.id === "core/backup-soft-delete-off")).toBe(true);
  });

  test("immutability weakened is high, in every weakening direction only", () => {
    const path = "properties.securitySettings.immutabilitySettings.state";
    const weakened = ["backup/vault-immutability-weakened", "high"];
    expect(rate(V, path, "Unlocked", "Disabled")).toEqual(weakened);
    expect(rate(V, path, "Locked", "Disabled")).toEqual(weakened);
    expect(rate(V, path, "Locked", "Unlocked")).toEqual(weakened);
    expect(rate(V, path, "Unlocked", undefined)).toEqual(weakened);
    expect(rate(V, path, "Disabled", "Unlocked")).toEqual(DEFAULT);
    expect(rate(V, path, "Unlocked", "Locked")).toEqual(DEFAULT);
  });

  test("enhanced security and multi-user authorization off are high", () => {
    expect(rate(V, `${SOFT_DELETE}.enhancedSecurityState`, "Enabled", "Disabled")).toEqual([
      "backup/vault-enhanced-security-off",
      "high",
    ]);
    expect(rate(V, `${SOFT_DELETE}.enhancedSecurityState`, "Disabled", "Enabled")).toEqual(DEFAULT);
    const mua = "properties.securitySettings.multiUserAuthorization";
    expect(rate(V, mua, "Enabled", "Disabled")).toEqual([
      "backup/vault-multi-user-authorization-off",
      "high",
    ]);
    expect(rate(V, mua, "Disabled", "Enabled")).toEqual(DEFAULT);
  });

  test("public network access enabled, LRS and cross-region restore off are medium", () => {
    expect(rate(V, "properties.publicNetworkAccess", "Disabled", "Enabled")).toEqual([
      "backup/vault-public-network-access-enabled",
      "medium",
    ]);
    expect(rate(V, "properties.publicNetworkAccess", "Enabled", "Disabled")).toEqual(DEFAULT);
    const redundancy = "properties.redundancySettings.standardTierStorageRedundancy";
    expect(rate(V, redundancy, "GeoRedundant", "LocallyRedundant")).toEqual([
      "backup/vault-redundancy-lowered",
      "medium",
    ]);
    expect(rate(V, redundancy, "ZoneRedundant", "LocallyRedundant")).toEqual([
      "backup/vault-redundancy-lowered",
      "medium",
    ]);
    expect(rate(V, redundancy, "LocallyRedundant", "GeoRedundant")).toEqual(DEFAULT);
    const crr = "properties.redundancySettings.crossRegionRestore";
    expect(rate(V, crr, "Enabled", "Disabled")).toEqual(["backup/vault-cross-region-restore-off", "medium"]);
    expect(rate(V, crr, "Disabled", "Enabled")).toEqual(DEFAULT);
  });

  test("a vault deleted is high; a vault added is not rated", () => {
    const vault = { id: VAULT_ID, name: "rsv1", type: V };
    expect(rateResource(V, "removed", vault)).toEqual(["backup/vault-removed", "high"]);
    expect(rateResource(V, "added", vault)).toEqual(DEFAULT);
  });
});

describe("vault storage and encryption rules", () => {
  const storage = BACKUP_TYPES.backupStorageConfig;
  test("storage type to LRS and cross-region restore off are medium", () => {
    for (const path of ["properties.storageType", "properties.storageModelType"]) {
      expect(rate(storage, path, "GeoRedundant", "LocallyRedundant")).toEqual([
        "backup/storage-redundancy-lowered",
        "medium",
      ]);
      expect(rate(storage, path, "LocallyRedundant", "GeoRedundant")).toEqual(DEFAULT);
    }
    expect(rate(storage, "properties.storageTypeState", "Locked", "LocallyRedundant")).toEqual(DEFAULT);
    expect(rate(storage, "properties.crossRegionRestoreFlag", true, false)).toEqual([
      "backup/storage-cross-region-restore-off",
      "medium",
    ]);
    expect(rate(storage, "properties.crossRegionRestoreFlag", false, true)).toEqual(DEFAULT);
  });

  test("the customer-managed key dropped is high", () => {
    const encryption = BACKUP_TYPES.backupEncryptionConfig;
    expect(
      rate(encryption, "properties.encryptionAtRestType", "CustomerManaged", "MicrosoftManaged"),
    ).toEqual(["backup/encryption-customer-key-dropped", "high"]);
    expect(
      rate(encryption, "properties.encryptionAtRestType", "MicrosoftManaged", "CustomerManaged"),
    ).toEqual(DEFAULT);
  });
});

describe("policy, protected item and resource guard rules", () => {
  const policy = BACKUP_TYPES.backupPolicy;
  const item = BACKUP_TYPES.protectedItem;
  const daily = "properties.retentionPolicy.dailySchedule.retentionDuration.count";

  test("daily retention lowered below 30 days is medium; lowered to 30 or more, or raised, is not", () => {
    expect(rate(policy, daily, 30, 7)).toEqual(["backup/policy-daily-retention-lowered", "medium"]);
    expect(rate(policy, daily, 90, 29)).toEqual(["backup/policy-daily-retention-lowered", "medium"]);
    expect(
      rate(
        policy,
        "properties.subProtectionPolicy[policyType=Full].retentionPolicy.dailySchedule.retentionDuration.count",
        35,
        14,
      ),
    ).toEqual(["backup/policy-daily-retention-lowered", "medium"]);
    expect(rate(policy, daily, 90, 30)).toEqual(DEFAULT);
    expect(rate(policy, daily, 7, 14)).toEqual(DEFAULT);
    expect(rate(policy, "properties.retentionPolicy.weeklySchedule.retentionDuration.count", 52, 4)).toEqual(
      DEFAULT,
    );
  });

  test("a policy removed is medium; a protected item removed or its protection stopped is high", () => {
    expect(rateResource(policy, "removed", { id: `${VAULT_ID}/backupPolicies/p`, name: "p" })).toEqual([
      "backup/policy-removed",
      "medium",
    ]);
    expect(
      rateResource(item, "removed", {
        id: `${VAULT_ID}/backupFabrics/Azure/protectionContainers/c/protectedItems/i`,
      }),
    ).toEqual(["backup/protected-item-removed", "high"]);
    expect(
      rateResource(item, "added", {
        id: `${VAULT_ID}/backupFabrics/Azure/protectionContainers/c/protectedItems/i`,
      }),
    ).toEqual(DEFAULT);
    expect(rate(item, "properties.protectionState", "Protected", "ProtectionStopped")).toEqual([
      "backup/protection-stopped",
      "high",
    ]);
    expect(rate(item, "properties.protectionState", "Protected", "ProtectionPaused")).toEqual([
      "backup/protection-stopped",
      "high",
    ]);
    expect(rate(item, "properties.protectionState", "ProtectionStopped", "Protected")).toEqual(DEFAULT);
  });

  test("a resource guard proxy removed is high", () => {
    const proxy = { id: `${VAULT_ID}/backupResourceGuardProxies/VaultProxy`, name: "VaultProxy" };
    expect(rateResource(BACKUP_TYPES.resourceGuardProxy, "removed", proxy)).toEqual([
      "backup/resource-guard-proxy-removed",
      "high",
    ]);
    expect(rateResource(BACKUP_TYPES.resourceGuardProxy, "added", proxy)).toEqual(DEFAULT);
  });
});

describe("storage data protection rules", () => {
  const blob = BACKUP_TYPES.blobService;
  test("blob and container soft delete, versioning and point-in-time restore off are medium", () => {
    for (const [path, id] of [
      ["properties.deleteRetentionPolicy.enabled", "backup/blob-soft-delete-off"],
      ["properties.containerDeleteRetentionPolicy.enabled", "backup/container-soft-delete-off"],
      ["properties.isVersioningEnabled", "backup/blob-versioning-off"],
      ["properties.restorePolicy.enabled", "backup/point-in-time-restore-off"],
    ] as const) {
      expect(rate(blob, path, true, false)).toEqual([id, "medium"]);
      expect(rate(blob, path, false, true)).toEqual(DEFAULT);
    }
  });

  test("file share soft delete off is medium", () => {
    const path = "properties.shareDeleteRetentionPolicy.enabled";
    expect(rate(BACKUP_TYPES.fileService, path, true, false)).toEqual([
      "backup/file-share-soft-delete-off",
      "medium",
    ]);
    expect(rate(BACKUP_TYPES.fileService, path, false, true)).toEqual(DEFAULT);
    // The blob rules do not reach the file service, nor the other way round.
    expect(rate(BACKUP_TYPES.fileService, "properties.deleteRetentionPolicy.enabled", true, false)).toEqual(
      DEFAULT,
    );
    expect(rate(blob, path, true, false)).toEqual(DEFAULT);
  });

  test("every rule has a stable backup/ id, a one-line remediation and a message", () => {
    const ids = backupRules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of backupRules) {
      expect(rule.id).toMatch(/^backup\/[a-z-]+$/);
      expect(rule.remediation).toMatch(/^\S.*\S$/);
      expect(rule.remediation).not.toMatch(/\n/);
    }
  });
});
