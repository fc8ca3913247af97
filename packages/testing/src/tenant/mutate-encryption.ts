/**
 * The encryption domain's changes for the tenant mutator: what people and pipelines do to keys, disks,
 * SQL encryption and encryption scopes (each returns the changed paths in the report's syntax), and
 * the noise Azure itself makes on those types (key rotation, disks attached and detached), which is
 * never drift.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";
import type { Mutation } from "./mutate.js";
import type { Random } from "./random.js";
import { RESOURCE_TYPES } from "./types.js";
import type { EncryptionResourceKind } from "./types-encryption.js";

function props(resource: JsonObject): JsonObject {
  return resource.properties as JsonObject;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The leaf paths at which two plain JSON objects differ, in the report's syntax (no arrays inside). */
function changedPaths(before: JsonValue | undefined, after: JsonValue | undefined, path: string): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => changedPaths(before[key], after[key], `${path}.${key}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

/** Replaces `resource.properties` with `next(current)` and returns what changed (undefined if nothing). */
function rewrite(resource: JsonObject, next: (properties: JsonObject) => JsonObject): string[] | undefined {
  const before = structuredClone(props(resource));
  resource.properties = next(structuredClone(before));
  const paths = changedPaths(before, props(resource), "properties").sort();
  return paths.length ? paths : undefined;
}

const keyMutations: Mutation[] = [
  (key) => {
    if (!props(key).rotationPolicy) return undefined;
    delete props(key).rotationPolicy;
    return "properties.rotationPolicy";
  },
  (key) => {
    const attributes = props(key).attributes as JsonObject;
    if (attributes.exp === undefined) return undefined;
    delete attributes.exp;
    return "properties.attributes.exp";
  },
  (key) => {
    const attributes = props(key).attributes as JsonObject;
    attributes.enabled = attributes.enabled === false;
    return "properties.attributes.enabled";
  },
];

const hsmMutations: Mutation[] = [
  (hsm) => {
    props(hsm).publicNetworkAccess = props(hsm).publicNetworkAccess === "Enabled" ? "Disabled" : "Enabled";
    return "properties.publicNetworkAccess";
  },
  (hsm) => {
    const acls = props(hsm).networkAcls as JsonObject;
    acls.defaultAction = acls.defaultAction === "Allow" ? "Deny" : "Allow";
    return "properties.networkAcls.defaultAction";
  },
];

const diskEncryptionSetMutations: Mutation[] = [
  (set) => {
    props(set).rotationToLatestKeyVersionEnabled = !props(set).rotationToLatestKeyVersionEnabled;
    return "properties.rotationToLatestKeyVersionEnabled";
  },
  (set, m) => {
    const active = props(set).activeKey as JsonObject;
    const url = String(active.keyUrl);
    active.keyUrl = `${url.slice(0, url.indexOf("/keys/"))}/keys/cmk-disks-${m.rng.hex(4)}/${m.rng.hex(32)}`;
    return "properties.activeKey.keyUrl";
  },
];

const diskMutations: Mutation[] = [
  // Customer-managed key → platform key.
  (disk) =>
    rewrite(disk, (properties) => {
      const encryption = properties.encryption as JsonObject;
      properties.encryption =
        encryption.type === "EncryptionAtRestWithPlatformKey"
          ? encryption
          : { type: "EncryptionAtRestWithPlatformKey" };
      return properties;
    }),
  (disk) =>
    rewrite(disk, (properties) => {
      properties.networkAccessPolicy = "AllowAll";
      properties.publicNetworkAccess = "Enabled";
      delete properties.diskAccessId;
      return properties;
    }),
];

const protectorMutations: Mutation[] = [
  // Customer-managed (Key Vault) → service-managed, or back.
  (protector, m) => {
    const toServiceManaged = props(protector).serverKeyType === "AzureKeyVault";
    const location = String(props(protector).subregion);
    const paths = rewrite(protector, (): JsonObject => {
      if (toServiceManaged) {
        return {
          serverKeyName: "ServiceManaged",
          serverKeyType: "ServiceManaged",
          subregion: location,
          autoRotationEnabled: false,
        };
      }
      const version = m.rng.hex(32);
      return {
        serverKeyName: `kv-sql-byok_cmk-sql_${version}`,
        serverKeyType: "AzureKeyVault",
        uri: `https://kv-sql-byok.vault.azure.net/keys/cmk-sql/${version}`,
        thumbprint: m.rng.hex(40).toUpperCase(),
        subregion: location,
        autoRotationEnabled: true,
      };
    });
    protector.kind = toServiceManaged ? "servicemanaged" : "azurekeyvault";
    return [...(paths ?? []), "kind"].sort();
  },
  (protector) => {
    if (props(protector).serverKeyType !== "AzureKeyVault") return undefined;
    props(protector).autoRotationEnabled = !props(protector).autoRotationEnabled;
    return "properties.autoRotationEnabled";
  },
];

const tdeMutations: Mutation[] = [
  (tde) => {
    props(tde).state = props(tde).state === "Enabled" ? "Disabled" : "Enabled";
    return "properties.state";
  },
];

const scopeMutations: Mutation[] = [
  // Key Vault key → Microsoft-managed key (the reverse needs a key: not made here).
  (scope) =>
    props(scope).source === "Microsoft.KeyVault"
      ? rewrite(scope, (properties) => {
          properties.source = "Microsoft.Storage";
          delete properties.keyVaultProperties;
          return properties;
        })
      : undefined,
  (scope) => {
    props(scope).state = props(scope).state === "Enabled" ? "Disabled" : "Enabled";
    return "properties.state";
  },
];

/**
 * The encryption domain's mutations per kind, with the mutator's tag mutation handed in (no import
 * cycle). Protectors and TDE settings are changed only (see `ENCRYPTION_MODIFY_ONLY_KINDS`).
 */
export function encryptionMutations(kit: { addTag: Mutation }): Record<EncryptionResourceKind, Mutation[]> {
  return {
    keyVaultKey: keyMutations,
    managedHsm: [...hsmMutations, kit.addTag],
    diskEncryptionSet: [...diskEncryptionSetMutations, kit.addTag],
    disk: [...diskMutations, kit.addTag],
    sqlDatabase: [kit.addTag],
    sqlEncryptionProtector: protectorMutations,
    sqlTransparentDataEncryption: tdeMutations,
    storageEncryptionScope: scopeMutations,
  };
}

/** What Azure changes by itself on these types, by ARM type (lower-cased): never drift. */
export const ENCRYPTION_NOISE: Readonly<Record<string, (resource: JsonObject, rng: Random) => void>> = {
  // A key rotated to a new version: new version URI, new created/updated stamps.
  [RESOURCE_TYPES.keyVaultKey.toLowerCase()]: (key, rng) => {
    const properties = props(key);
    const attributes = properties.attributes as JsonObject;
    const stamp = Number(attributes.updated ?? 0) + rng.int(1, 90) * 86_400;
    attributes.updated = stamp;
    attributes.created = stamp;
    properties.keyUriWithVersion = `${String(properties.keyUri)}/${rng.hex(32)}`;
    const policy = properties.rotationPolicy as JsonObject | undefined;
    if (policy?.attributes) (policy.attributes as JsonObject).updated = stamp;
  },
  [RESOURCE_TYPES.diskEncryptionSet.toLowerCase()]: (set, rng) => {
    const properties = props(set);
    properties.lastKeyRotationTimestamp = `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T08:00:00+00:00`;
    properties.previousKeys = [structuredClone(properties.activeKey as JsonObject)];
  },
  // Detached from its VM, or attached to another one.
  [RESOURCE_TYPES.disk.toLowerCase()]: (disk, rng) => {
    const properties = props(disk);
    const attached = properties.diskState !== "Attached";
    properties.diskState = attached ? "Attached" : "Unattached";
    properties.LastOwnershipUpdateTime = `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T08:00:00.0000000+00:00`;
    if (attached) {
      const id = String(disk.id);
      disk.managedBy = `${id.slice(0, id.indexOf("/providers/"))}/providers/Microsoft.Compute/virtualMachines/vm-${rng.hex(6)}`;
    } else delete disk.managedBy;
  },
  [RESOURCE_TYPES.storageEncryptionScope.toLowerCase()]: (scope, rng) => {
    const properties = props(scope);
    properties.lastModifiedTime = `2026-0${rng.int(1, 9)}-1${rng.int(0, 9)}T08:00:00.0000000Z`;
    const vault = properties.keyVaultProperties as JsonObject | undefined;
    if (vault) {
      vault.currentVersionedKeyIdentifier = `${String(vault.keyUri)}/${rng.hex(32)}`;
      vault.lastKeyRotationTimestamp = properties.lastModifiedTime;
    }
  },
  [RESOURCE_TYPES.managedHsm.toLowerCase()]: (hsm, rng) => {
    props(hsm).statusMessage = rng.pick(["The Managed HSM is provisioned and ready to use.", "Updating."]);
  },
};
