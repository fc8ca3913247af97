import { createRuleEngine, type FieldChange, type JsonObject, type ResourceDrift } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { ENCRYPTION_TYPES, encryptionRules } from "../src/index.js";

const RG = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sec/providers";
const engine = createRuleEngine({}, encryptionRules);

type Change = Omit<FieldChange, "severity">;

/** Assesses one modified resource; returns [ruleId, severity] per change. */
function assess(type: string, before: JsonObject, after: JsonObject, changes: Change[]) {
  const id = String(after.id ?? before.id);
  const drift: ResourceDrift = {
    id,
    key: id.toLowerCase(),
    type,
    status: "modified",
    severity: "info",
    changes: changes.map((change) => ({ ...change, severity: "info" })),
  };
  return engine.assess(drift, before, after).drift?.changes.map((change) => [change.ruleId, change.severity]);
}

/** Assesses a resource added or removed; returns [ruleId, severity]. */
function assessResource(type: string, status: "added" | "removed", config: JsonObject) {
  const id = String(config.id);
  const drift: ResourceDrift = { id, key: id.toLowerCase(), type, status, severity: "info", changes: [] };
  const { drift: assessed } = engine.assess(
    drift,
    status === "removed" ? config : undefined,
    status === "added" ? config : undefined,
  );
  return [assessed?.changes[0]?.ruleId, assessed?.severity];
}

/** One changed field of a resource whose `properties` are `before` then `after`. */
function field(type: string, path: string, before: JsonObject, after: JsonObject, id = `${RG}/x/y`) {
  const read = (properties: JsonObject) => {
    let value: unknown = { properties };
    for (const part of path.split(".")) value = (value as JsonObject | undefined)?.[part];
    return value as FieldChange["before"];
  };
  const b = read(before);
  const a = read(after);
  const kind = b === undefined ? "added" : a === undefined ? "removed" : "changed";
  return assess(type, { id, properties: before }, { id, properties: after }, [
    { path, kind, ...(b === undefined ? {} : { before: b }), ...(a === undefined ? {} : { after: a }) },
  ]);
}

const vault = (properties: JsonObject): JsonObject => ({
  id: `${RG}/Microsoft.KeyVault/vaults/kv1`,
  name: "kv1",
  type: ENCRYPTION_TYPES.keyVault,
  properties,
});

describe("key vaults and managed HSMs", () => {
  test("a vault (re-)created without soft delete is critical, without purge protection high; with both nothing", () => {
    expect(
      assessResource(
        ENCRYPTION_TYPES.keyVault,
        "added",
        vault({ enableSoftDelete: false, enablePurgeProtection: true }),
      ),
    ).toEqual(["encryption/keyvault-created-without-soft-delete", "critical"]);
    expect(assessResource(ENCRYPTION_TYPES.keyVault, "added", vault({ enableSoftDelete: true }))).toEqual([
      "encryption/keyvault-created-without-purge-protection",
      "high",
    ]);
    expect(
      assessResource(
        ENCRYPTION_TYPES.keyVault,
        "added",
        vault({ enableSoftDelete: true, enablePurgeProtection: true }),
      ),
    ).toEqual([undefined, "low"]);
  });

  test("the same for managed HSMs", () => {
    const hsm = (properties: JsonObject) => ({
      ...vault(properties),
      id: `${RG}/Microsoft.KeyVault/managedHSMs/h1`,
    });
    expect(assessResource(ENCRYPTION_TYPES.managedHsm, "added", hsm({ enableSoftDelete: true }))).toEqual([
      "encryption/managed-hsm-created-without-purge-protection",
      "high",
    ]);
    expect(
      field(
        ENCRYPTION_TYPES.managedHsm,
        "properties.publicNetworkAccess",
        { publicNetworkAccess: "Disabled" },
        {
          publicNetworkAccess: "Enabled",
        },
      ),
    ).toEqual([["encryption/managed-hsm-public-network-access-enabled", "high"]]);
  });

  test("soft delete or purge protection off (a vault re-created in place) override core's rules", () => {
    expect(
      field(
        ENCRYPTION_TYPES.keyVault,
        "properties.enableSoftDelete",
        { enableSoftDelete: true },
        { enableSoftDelete: false },
      ),
    ).toEqual([["encryption/keyvault-soft-delete-off", "critical"]]);
    expect(
      field(
        ENCRYPTION_TYPES.keyVault,
        "properties.enablePurgeProtection",
        { enablePurgeProtection: true },
        {},
      ),
    ).toEqual([["encryption/keyvault-purge-protection-off", "high"]]);
    // The safe direction is not rated by these rules.
    expect(
      field(
        ENCRYPTION_TYPES.keyVault,
        "properties.enablePurgeProtection",
        {},
        { enablePurgeProtection: true },
      ),
    ).toEqual([[undefined, "low"]]);
  });

  test("public network access opened and the firewall's default action to Allow are high; closing them is not", () => {
    expect(
      field(
        ENCRYPTION_TYPES.keyVault,
        "properties.publicNetworkAccess",
        { publicNetworkAccess: "Disabled" },
        {
          publicNetworkAccess: "Enabled",
        },
      ),
    ).toEqual([["encryption/keyvault-public-network-access-enabled", "high"]]);
    expect(
      field(
        ENCRYPTION_TYPES.keyVault,
        "properties.networkAcls.defaultAction",
        { networkAcls: { defaultAction: "Deny" } },
        { networkAcls: { defaultAction: "Allow" } },
      ),
    ).toEqual([["encryption/keyvault-network-default-allow", "high"]]);
    expect(
      field(
        ENCRYPTION_TYPES.keyVault,
        "properties.networkAcls.defaultAction",
        { networkAcls: { defaultAction: "Allow" } },
        { networkAcls: { defaultAction: "Deny" } },
      ),
    ).toEqual([[undefined, "low"]]);
  });

  test("a vault deleted is medium", () => {
    expect(assessResource(ENCRYPTION_TYPES.keyVault, "removed", vault({}))).toEqual([
      "encryption/keyvault-removed",
      "medium",
    ]);
  });
});

describe("keys", () => {
  const rotation = {
    attributes: { expiryTime: "P1Y" },
    lifetimeActions: [
      { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "rotate" } },
      { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } },
    ],
  };
  test("the rotation policy removed, or its rotate action, is medium; a notify action removed is not", () => {
    expect(
      field(ENCRYPTION_TYPES.key, "properties.rotationPolicy", { rotationPolicy: rotation }, {}),
    ).toEqual([["encryption/key-rotation-policy-removed", "medium"]]);
    const notifyOnly = { ...rotation, lifetimeActions: [rotation.lifetimeActions[1] as JsonObject] };
    const rotateOnly = { ...rotation, lifetimeActions: [rotation.lifetimeActions[0] as JsonObject] };
    const path = "properties.rotationPolicy.lifetimeActions";
    const change = (before: JsonObject, after: JsonObject) =>
      assess(
        ENCRYPTION_TYPES.key,
        { id: "k", properties: { rotationPolicy: before } },
        {
          id: "k",
          properties: { rotationPolicy: after },
        },
        [
          {
            path,
            kind: "changed",
            before: before.lifetimeActions as never,
            after: after.lifetimeActions as never,
          },
        ],
      );
    expect(change(rotation, notifyOnly)).toEqual([["encryption/key-rotation-policy-removed", "medium"]]);
    expect(change(rotation, rotateOnly)).toEqual([[undefined, "low"]]);
  });

  test("expiry removed is medium; expiry moved (a new version) is info", () => {
    expect(
      field(
        ENCRYPTION_TYPES.key,
        "properties.attributes.exp",
        { attributes: { exp: 1 } },
        { attributes: {} },
      ),
    ).toEqual([["encryption/key-expiry-removed", "medium"]]);
    expect(
      field(
        ENCRYPTION_TYPES.key,
        "properties.attributes.exp",
        { attributes: { exp: 1 } },
        { attributes: { exp: 2 } },
      ),
    ).toEqual([["encryption/key-expiry-changed", "info"]]);
    expect(
      field(
        ENCRYPTION_TYPES.key,
        "properties.attributes.exp",
        { attributes: {} },
        { attributes: { exp: 2 } },
      ),
    ).toEqual([[undefined, "low"]]);
  });
});

describe("disks and disk encryption sets", () => {
  const cmk = {
    type: "EncryptionAtRestWithCustomerKey",
    diskEncryptionSetId: `${RG}/Microsoft.Compute/diskEncryptionSets/des1`,
  };
  const platform = { type: "EncryptionAtRestWithPlatformKey" };

  test("customer-managed key → platform key is high (type and set id); platform → customer-managed is not", () => {
    const id = `${RG}/Microsoft.Compute/disks/d1`;
    expect(
      assess(
        ENCRYPTION_TYPES.disk,
        { id, properties: { encryption: cmk } },
        { id, properties: { encryption: platform } },
        [
          {
            path: "properties.encryption.diskEncryptionSetId",
            kind: "removed",
            before: cmk.diskEncryptionSetId,
          },
          { path: "properties.encryption.type", kind: "changed", before: cmk.type, after: platform.type },
        ],
      ),
    ).toEqual([
      ["encryption/disk-encryption-set-removed", "high"],
      ["encryption/disk-platform-key", "high"],
    ]);
    expect(
      field(
        ENCRYPTION_TYPES.disk,
        "properties.encryption.type",
        { encryption: platform },
        { encryption: { type: cmk.type } },
      ),
    ).toEqual([[undefined, "low"]]);
  });

  test("network access policy to AllowAll and public network access enabled are high; back to DenyAll is not", () => {
    expect(
      field(
        ENCRYPTION_TYPES.disk,
        "properties.networkAccessPolicy",
        { networkAccessPolicy: "DenyAll" },
        {
          networkAccessPolicy: "AllowAll",
        },
      ),
    ).toEqual([["encryption/disk-network-access-allow-all", "high"]]);
    expect(
      field(
        ENCRYPTION_TYPES.disk,
        "properties.networkAccessPolicy",
        { networkAccessPolicy: "AllowAll" },
        {
          networkAccessPolicy: "DenyAll",
        },
      ),
    ).toEqual([[undefined, "low"]]);
    expect(
      field(
        ENCRYPTION_TYPES.disk,
        "properties.publicNetworkAccess",
        { publicNetworkAccess: "Disabled" },
        {
          publicNetworkAccess: "Enabled",
        },
      ),
    ).toEqual([["encryption/disk-public-network-access-enabled", "high"]]);
  });

  test("a disk moved to another encryption set is medium; Azure Disk Encryption off is medium", () => {
    expect(
      field(
        ENCRYPTION_TYPES.disk,
        "properties.encryption.diskEncryptionSetId",
        { encryption: cmk },
        { encryption: { ...cmk, diskEncryptionSetId: `${RG}/Microsoft.Compute/diskEncryptionSets/des2` } },
      ),
    ).toEqual([["encryption/disk-encryption-set-replaced", "medium"]]);
    expect(
      field(
        ENCRYPTION_TYPES.disk,
        "properties.encryptionSettingsCollection.enabled",
        { encryptionSettingsCollection: { enabled: true } },
        { encryptionSettingsCollection: { enabled: false } },
      ),
    ).toEqual([["encryption/disk-ade-disabled", "medium"]]);
  });

  test("a disk encryption set no longer rotating to the latest key version is medium", () => {
    expect(
      field(
        ENCRYPTION_TYPES.diskEncryptionSet,
        "properties.rotationToLatestKeyVersionEnabled",
        { rotationToLatestKeyVersionEnabled: true },
        { rotationToLatestKeyVersionEnabled: false },
      ),
    ).toEqual([["encryption/disk-encryption-set-rotation-off", "medium"]]);
  });
});

describe("SQL and storage encryption scopes", () => {
  test("protector AzureKeyVault → ServiceManaged is high; the other way is not", () => {
    const path = "properties.serverKeyType";
    expect(
      field(
        ENCRYPTION_TYPES.sqlEncryptionProtector,
        path,
        { serverKeyType: "AzureKeyVault" },
        { serverKeyType: "ServiceManaged" },
      ),
    ).toEqual([["encryption/sql-protector-service-managed", "high"]]);
    expect(
      field(
        ENCRYPTION_TYPES.sqlEncryptionProtector,
        path,
        { serverKeyType: "ServiceManaged" },
        { serverKeyType: "AzureKeyVault" },
      ),
    ).toEqual([[undefined, "low"]]);
    expect(
      field(
        ENCRYPTION_TYPES.sqlEncryptionProtector,
        "properties.autoRotationEnabled",
        { autoRotationEnabled: true },
        { autoRotationEnabled: false },
      ),
    ).toEqual([["encryption/sql-protector-auto-rotation-off", "medium"]]);
  });

  test("TDE disabled is high; enabled is not", () => {
    const tde = ENCRYPTION_TYPES.sqlTransparentDataEncryption;
    expect(field(tde, "properties.state", { state: "Enabled" }, { state: "Disabled" })).toEqual([
      ["encryption/sql-tde-disabled", "high"],
    ]);
    expect(field(tde, "properties.state", { state: "Disabled" }, { state: "Enabled" })).toEqual([
      [undefined, "low"],
    ]);
  });

  test("an encryption scope from Microsoft.KeyVault to Microsoft.Storage is high; the other way is not", () => {
    const scope = ENCRYPTION_TYPES.storageEncryptionScope;
    expect(
      field(scope, "properties.source", { source: "Microsoft.KeyVault" }, { source: "Microsoft.Storage" }),
    ).toEqual([["encryption/scope-microsoft-managed-key", "high"]]);
    expect(
      field(scope, "properties.source", { source: "Microsoft.Storage" }, { source: "Microsoft.KeyVault" }),
    ).toEqual([[undefined, "low"]]);
  });

  test("every rule has an id in the encryption domain and a one-line remediation", () => {
    for (const rule of encryptionRules) {
      expect(rule.id).toMatch(/^encryption\/[a-z-]+$/);
      expect(rule.remediation).toMatch(/^[^\n]{10,}$/);
    }
    expect(new Set(encryptionRules.map((rule) => rule.id)).size).toBe(encryptionRules.length);
  });
});
