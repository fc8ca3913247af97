/**
 * The encryption domain's shapes, after Microsoft's REST examples for the api-versions the pinned
 * SDKs send (@azure/arm-keyvault 4.0.0: 2025-05-01; @azure/arm-compute 23.3.0: 2025-01-02;
 * @azure/arm-sql 10.0.0: 2020-11-01-preview and 2022-08-01-preview; @azure/arm-storage 19.1.0:
 * 2025-06-01): key vault keys (metadata only: ARM never returns key material), managed HSMs, disk
 * encryption sets, managed disks, SQL encryption protectors and transparent data encryption,
 * storage encryption scopes.
 *
 * Children made with a parent that existed before this domain (a vault's keys, a storage account's
 * scopes) draw from a random source seeded by the parent's id, so tenants of the other domains'
 * tests stay what they were.
 */
import type { JsonObject } from "@azure-drift/core";
import { hashString, Random } from "./random.js";
import type { Placement, ShapeFactory } from "./shapes.js";
import { RESOURCE_TYPES, type ResourceKind } from "./types.js";
import type { EncryptionResourceKind } from "./types-encryption.js";

const DAY = 86_400;
/** 2025-01-01T00:00:00Z in seconds: key vault attributes are epoch seconds. */
const EPOCH_2025 = 1_735_689_600;

function childRandom(parent: JsonObject): Random {
  return new Random(hashString(`encryption|${String(parent.id)}`));
}

function props(resource: JsonObject): JsonObject {
  return resource.properties as JsonObject;
}

/** The vault's URI (`https://name.vault.azure.net/`). */
function vaultUri(vault: JsonObject): string {
  return String(props(vault).vaultUri ?? `https://${String(vault.name)}.vault.azure.net/`);
}

/** A key of `vault`, as `keys.list` returns it: attributes and policies, never key material. */
export function vaultKey(rng: Random, vault: JsonObject, name: string): JsonObject {
  const created = EPOCH_2025 + rng.int(0, 300) * DAY;
  const ec = rng.chance(0.2);
  const rotated = rng.chance(0.7);
  const expires = rng.chance(0.8);
  const uri = `${vaultUri(vault)}keys/${name}`;
  return {
    id: `${String(vault.id)}/keys/${name}`,
    name,
    type: RESOURCE_TYPES.keyVaultKey,
    location: vault.location ?? null,
    tags: {},
    properties: {
      attributes: {
        enabled: true,
        ...(expires ? { exp: created + rng.pick([365, 730]) * DAY } : {}),
        created,
        updated: created,
        recoveryLevel: "Recoverable",
        exportable: false,
      },
      kty: ec ? "EC-HSM" : rng.pick(["RSA", "RSA-HSM"]),
      keyOps: ec ? ["sign", "verify"] : ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
      ...(ec ? { curveName: "P-256" } : { keySize: rng.pick([2048, 3072, 4096]) }),
      keyUri: uri,
      keyUriWithVersion: `${uri}/${rng.hex(32)}`,
      ...(rotated
        ? {
            rotationPolicy: {
              attributes: { created, updated: created, expiryTime: rng.pick(["P1Y", "P2Y"]) },
              lifetimeActions: [
                { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "rotate" } },
                { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } },
              ],
            },
          }
        : {}),
    },
  };
}

/** The keys a new vault holds: one to three customer-managed keys. */
export function vaultKeys(vault: JsonObject): JsonObject[] {
  const rng = childRandom(vault);
  const names = rng.sample(["cmk-disks", "cmk-sql", "cmk-storage", "signing"], rng.int(1, 3));
  return names.map((name) => vaultKey(rng, vault, name));
}

/**
 * A parent of `kind` in the subscription, or a new one made by `make` (the parent first, then what
 * comes with it), added to the pools.
 */
function parentFor(
  f: ShapeFactory,
  placement: Placement,
  kind: ResourceKind,
  make: () => JsonObject[],
): { parent: JsonObject; made: JsonObject[] } {
  const existing = f.pools.get(kind, placement.subscriptionId);
  if (existing.length) return { parent: f.rng.pick(existing), made: [] };
  const made = make();
  const parent = made[0] as JsonObject;
  f.pools.add(kind, placement.subscriptionId, parent);
  return { parent, made };
}

/** One more key in a vault of the subscription (making a vault when there is none). */
export function addedVaultKey(f: ShapeFactory, placement: Placement): JsonObject[] {
  const { parent: vault, made } = parentFor(f, placement, "keyVault", () => f.build("keyVault", placement));
  return [...made, vaultKey(f.rng, vault, f.uniqueName("key", `${String(vault.id)}/keys`))];
}

/** A managed HSM pool. */
export function managedHsm(f: ShapeFactory, placement: Placement): JsonObject {
  const prefix = `${f.groupPath(placement)}/providers/Microsoft.KeyVault/managedHSMs`;
  const name = f.uniqueName("hsm", prefix);
  return {
    sku: { family: "B", name: f.rng.pick(["Standard_B1", "Custom_B32"]) },
    id: `${prefix}/${name}`,
    name,
    type: RESOURCE_TYPES.managedHsm,
    location: placement.location,
    tags: f.tags(),
    systemData: f.systemData(),
    properties: {
      tenantId: f.tenantId,
      initialAdminObjectIds: [f.rng.guid()],
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      hsmUri: `https://${name}.managedhsm.azure.net/`,
      provisioningState: "Succeeded",
      statusMessage: "The Managed HSM is provisioned and ready to use.",
      publicNetworkAccess: "Disabled",
      networkAcls: { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
      privateEndpointConnections: [],
      securityDomainProperties: {
        activationStatus: "Active",
        activationStatusMessage: "Your HSM has been activated and can be used for cryptographic operations.",
      },
      regions: [{ name: placement.location, isPrimary: true, provisioningState: "Succeeded" }],
    },
  };
}

/** A customer-managed key reference in a vault of the subscription (or a vault elsewhere). */
function keyReference(
  f: ShapeFactory,
  placement: Placement,
  purpose: string,
): { vaultId: string; keyUrl: string } {
  const vaults = f.pools.get("keyVault", placement.subscriptionId);
  const vault = vaults.length ? f.rng.pick(vaults) : undefined;
  const vaultId =
    vault?.id ??
    `/subscriptions/${placement.subscriptionId}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-keys`;
  const uri = vault ? vaultUri(vault) : "https://kv-keys.vault.azure.net/";
  return { vaultId: String(vaultId), keyUrl: `${uri}keys/${purpose}/${f.rng.hex(32)}` };
}

/** A disk encryption set with a customer-managed key. */
export function diskEncryptionSet(f: ShapeFactory, placement: Placement): JsonObject {
  const prefix = `${f.groupPath(placement)}/providers/Microsoft.Compute/diskEncryptionSets`;
  const name = f.uniqueName("des", prefix);
  const { vaultId, keyUrl } = keyReference(f, placement, "cmk-disks");
  const rotation = f.rng.chance(0.6);
  return {
    identity: { type: "SystemAssigned", principalId: f.rng.guid(), tenantId: f.tenantId },
    properties: {
      activeKey: { sourceVault: { id: vaultId }, keyUrl },
      encryptionType: f.rng.pick([
        "EncryptionAtRestWithCustomerKey",
        "EncryptionAtRestWithPlatformAndCustomerKeys",
      ]),
      previousKeys: [],
      rotationToLatestKeyVersionEnabled: rotation,
      ...(rotation ? { lastKeyRotationTimestamp: `${f.timestamp(2025).slice(0, 19)}+00:00` } : {}),
      provisioningState: "Succeeded",
    },
    type: RESOURCE_TYPES.diskEncryptionSet,
    location: placement.location,
    tags: f.tags(),
    id: `${prefix}/${name}`,
    name,
  };
}

/** A managed disk: platform or customer-managed key, network access policy, attached or not. */
export function disk(f: ShapeFactory, placement: Placement): JsonObject {
  const prefix = `${f.groupPath(placement)}/providers/Microsoft.Compute/disks`;
  const name = f.uniqueName("disk", prefix);
  const sets = f.pools.get("diskEncryptionSet", placement.subscriptionId);
  const customerKey = sets.length > 0 && f.rng.chance(0.5);
  const attached = f.rng.chance(0.7);
  const created = `${f.timestamp(2024).slice(0, 26)}+00:00`;
  const policy = f.rng.pick(["DenyAll", "DenyAll", "AllowPrivate"]);
  const size = f.rng.pick([32, 64, 128, 256, 512]);
  return {
    ...(attached
      ? {
          managedBy: `${f.groupPath(placement)}/providers/Microsoft.Compute/virtualMachines/vm-${f.rng.hex(6)}`,
        }
      : {}),
    sku: { name: f.rng.pick(["Premium_LRS", "StandardSSD_LRS", "Standard_LRS"]), tier: "Premium" },
    properties: {
      ...(f.rng.chance(0.5) ? { osType: f.rng.pick(["Linux", "Windows"]), hyperVGeneration: "V2" } : {}),
      creationData: { createOption: "Empty" },
      diskSizeGB: size,
      diskIOPSReadWrite: 120,
      diskMBpsReadWrite: 25,
      encryption: customerKey
        ? {
            type: "EncryptionAtRestWithCustomerKey",
            diskEncryptionSetId: String(f.rng.pick(sets).id),
          }
        : { type: "EncryptionAtRestWithPlatformKey" },
      networkAccessPolicy: policy,
      ...(policy === "AllowPrivate"
        ? {
            diskAccessId: `${f.groupPath(placement)}/providers/Microsoft.Compute/diskAccesses/da-${f.rng.hex(4)}`,
          }
        : {}),
      publicNetworkAccess: "Disabled",
      diskState: attached ? "Attached" : "Unattached",
      ...(attached ? { LastOwnershipUpdateTime: created } : {}),
      timeCreated: created,
      uniqueId: f.rng.guid(),
      diskSizeBytes: size * 1024 ** 3,
      provisioningState: "Succeeded",
      tier: "P10",
    },
    type: RESOURCE_TYPES.disk,
    location: placement.location,
    tags: f.tags(),
    id: `${prefix}/${name}`,
    name,
  };
}

/** A server's encryption protector: the TDE key of all its databases. */
export function encryptionProtector(server: JsonObject): JsonObject {
  const rng = childRandom(server);
  const customerKey = rng.chance(0.5);
  const vault = `kv-sql-${rng.hex(4)}`;
  const version = rng.hex(32);
  return {
    id: `${String(server.id)}/encryptionProtector/current`,
    name: "current",
    type: RESOURCE_TYPES.sqlEncryptionProtector,
    kind: customerKey ? "azurekeyvault" : "servicemanaged",
    location: String(server.location),
    properties: customerKey
      ? {
          serverKeyName: `${vault}_cmk-sql_${version}`,
          serverKeyType: "AzureKeyVault",
          uri: `https://${vault}.vault.azure.net/keys/cmk-sql/${version}`,
          thumbprint: rng.hex(40).toUpperCase(),
          subregion: String(server.location),
          autoRotationEnabled: rng.chance(0.5),
        }
      : {
          serverKeyName: "ServiceManaged",
          serverKeyType: "ServiceManaged",
          subregion: String(server.location),
          autoRotationEnabled: false,
        },
  };
}

/** A database's transparent data encryption (a singleton named `current`). */
export function transparentDataEncryption(database: JsonObject): JsonObject {
  return {
    id: `${String(database.id)}/transparentDataEncryption/current`,
    name: "current",
    type: RESOURCE_TYPES.sqlTransparentDataEncryption,
    properties: { state: "Enabled" },
  };
}

/** A database of `server` (user database, vCore general purpose). */
export function sqlDatabase(f: ShapeFactory, server: JsonObject, location: string): JsonObject {
  const serverId = String(server.id);
  const name = f.uniqueName(f.rng.pick(["db-orders", "db-ledger", "db-catalog", "db-audit"]), serverId);
  const created = f.timestamp(2024);
  return {
    sku: { name: "GP_Gen5", tier: "GeneralPurpose", family: "Gen5", capacity: 2 },
    kind: "v12.0,user,vcore",
    properties: {
      collation: "SQL_Latin1_General_CP1_CI_AS",
      maxSizeBytes: 34359738368,
      status: "Online",
      databaseId: f.rng.guid(),
      creationDate: created,
      currentServiceObjectiveName: "GP_Gen5_2",
      requestedServiceObjectiveName: "GP_Gen5_2",
      defaultSecondaryLocation: "northeurope",
      catalogCollation: "SQL_Latin1_General_CP1_CI_AS",
      zoneRedundant: false,
      readScale: "Disabled",
      currentSku: { name: "GP_Gen5", tier: "GeneralPurpose", family: "Gen5", capacity: 2 },
      currentBackupStorageRedundancy: "Geo",
      requestedBackupStorageRedundancy: "Geo",
      maintenanceConfigurationId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Maintenance/publicMaintenanceConfigurations/SQL_Default",
      isLedgerOn: false,
      isInfraEncryptionEnabled: false,
      earliestRestoreDate: created,
    },
    location,
    tags: f.tags(2),
    id: `${serverId}/databases/${name}`,
    name,
    type: RESOURCE_TYPES.sqlDatabase,
  };
}

/** A database on a SQL server of the subscription (making a server when there is none). */
function databaseOnSomeServer(f: ShapeFactory, placement: Placement): JsonObject[] {
  const { parent: server, made } = parentFor(f, placement, "sqlServer", () =>
    f.build("sqlServer", placement),
  );
  return [...made, sqlDatabase(f, server, String(server.location))];
}

/** An encryption scope of a storage account. */
function encryptionScope(rng: Random, account: JsonObject, name: string, created: string): JsonObject {
  const keyVault = rng.chance(0.5);
  const vault = `kv-st-${rng.hex(4)}`;
  const version = rng.hex(32);
  return {
    id: `${String(account.id)}/encryptionScopes/${name}`,
    name,
    type: RESOURCE_TYPES.storageEncryptionScope,
    properties: {
      source: keyVault ? "Microsoft.KeyVault" : "Microsoft.Storage",
      state: "Enabled",
      ...(keyVault
        ? {
            keyVaultProperties: {
              keyUri: `https://${vault}.vault.azure.net/keys/cmk-storage`,
              currentVersionedKeyIdentifier: `https://${vault}.vault.azure.net/keys/cmk-storage/${version}`,
              lastKeyRotationTimestamp: created,
            },
          }
        : {}),
      creationTime: created,
      lastModifiedTime: created,
      requireInfrastructureEncryption: rng.chance(0.3),
    },
  };
}

/** The encryption scopes a new storage account holds: none to two. */
export function encryptionScopes(account: JsonObject): JsonObject[] {
  const rng = childRandom(account);
  const created = String(props(account).creationTime ?? "2024-06-01T00:00:00.0000000Z");
  return rng
    .sample(["scope-tenant-a", "scope-tenant-b", "scope-archive"], rng.int(0, 2))
    .map((name) => encryptionScope(rng, account, name, created));
}

/** One more encryption scope on a storage account of the subscription (making one when there is none). */
export function addedEncryptionScope(f: ShapeFactory, placement: Placement): JsonObject[] {
  const { parent: account, made } = parentFor(f, placement, "storageAccount", () =>
    f.build("storageAccount", placement),
  );
  const name = f.uniqueName("scope", `${String(account.id)}/encryptionScopes`);
  return [...made, encryptionScope(f.rng, account, name, f.timestamp(2025))];
}

/** A new resource of one of the encryption domain's kinds (its children come with it: see {@link withEncryptionChildren}). */
export function buildEncryption(
  f: ShapeFactory,
  kind: EncryptionResourceKind,
  placement: Placement,
): JsonObject[] {
  switch (kind) {
    case "keyVaultKey":
      return addedVaultKey(f, placement);
    case "managedHsm":
      return [managedHsm(f, placement)];
    case "diskEncryptionSet":
      return [diskEncryptionSet(f, placement)];
    case "disk":
      return [disk(f, placement)];
    // A protector or a TDE asked for on its own: a new server or database, which comes with one.
    case "sqlEncryptionProtector":
      return f.build("sqlServer", placement);
    case "sqlDatabase":
    case "sqlTransparentDataEncryption":
      return databaseOnSomeServer(f, placement);
    case "storageEncryptionScope":
      return addedEncryptionScope(f, placement);
  }
}

/**
 * `made` with the encryption children of what it holds, each after its parent: a vault's keys, a
 * storage account's scopes, a SQL server's protector, a database's TDE (none twice).
 */
export function withEncryptionChildren(made: JsonObject[]): JsonObject[] {
  const ids = new Set(made.map((resource) => String(resource.id).toLowerCase()));
  const out: JsonObject[] = [];
  for (const resource of made) {
    out.push(resource);
    for (const child of childrenOf(resource)) {
      const key = String(child.id).toLowerCase();
      if (ids.has(key)) continue;
      ids.add(key);
      out.push(child);
    }
  }
  return out;
}

function childrenOf(resource: JsonObject): JsonObject[] {
  switch (String(resource.type).toLowerCase()) {
    case RESOURCE_TYPES.keyVault.toLowerCase():
      return vaultKeys(resource);
    case RESOURCE_TYPES.storageAccount.toLowerCase():
      return encryptionScopes(resource);
    case RESOURCE_TYPES.sqlServer.toLowerCase():
      return [encryptionProtector(resource)];
    case RESOURCE_TYPES.sqlDatabase.toLowerCase():
      return [transparentDataEncryption(resource)];
    default:
      return [];
  }
}
