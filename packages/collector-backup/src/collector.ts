import type { RecoveryServicesClient } from "@azure/arm-recoveryservices";
import type { RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import type { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential as AzureTokenCredential } from "@azure/core-auth";
import {
  type ArmClientOptions,
  armClientOptions,
  getRaw,
  getResourceById,
  type ListOperationOptions,
  listRaw,
  mergeListings,
  type PagedList,
  readingUnder,
} from "@azure-drift/arm";
import type { Collector, CollectorContext, JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { DriftError, defineCollector, parseResourceId } from "@azure-drift/core";
import { type ArmParent, storageAccountParent, trackParentListing, vaultParent } from "./parents.js";
import {
  BACKUP_TYPES,
  type BackupResourceKind,
  backupResourceTypes,
  STORAGE_CHILD_KINDS,
  VAULT_CHILD_KINDS,
} from "./resource-types.js";
import { backupRules } from "./rules.js";

/** The collector's name, as recorded in snapshots. */
export const NAME = "backup";

/** The collector's version, as recorded in snapshots. */
export const VERSION = "0.1.0";

/** Options of {@link backupCollector}. */
export interface BackupCollectorOptions {
  /** Collect only these types (default: all of them). */
  include?: BackupResourceKind[];
  /** A `Retry-After` longer than this fails the request (coverage incomplete) instead of waiting. */
  maxRetryAfterMs?: number;
  /**
   * How many vaults, and how many storage accounts, are read at once (each request still waits for
   * the check's shared limiter). Default 8.
   */
  parentConcurrency?: number;
}

const ALL_KINDS = Object.keys(BACKUP_TYPES) as BackupResourceKind[];
const STORAGE_ACCOUNTS = "Microsoft.Storage/storageAccounts";
// Account kinds without a file service (blob-only), and without a blob service (premium files).
const NO_FILE_SERVICE = new Set(["blobstorage", "blockblobstorage"]);
const NO_BLOB_SERVICE = new Set(["filestorage"]);

/**
 * The backup collector: Recovery Services vaults (each read once more by GET, since the list omits
 * their security and redundancy settings) with, per vault, its backup policies, protected items,
 * backup storage and encryption config and resource guard proxies; and, per storage account, the
 * data protection of its blob and file services. Records are the raw ARM JSON, read with the real
 * `@azure/arm-recoveryservices`, `@azure/arm-recoveryservicesbackup` and `@azure/arm-storage` clients.
 *
 * Vaults and storage accounts are listed once per subscription; then one call per parent and child
 * collection, a few parents at a time, under the check's shared limiter.
 */
export function backupCollector(options: BackupCollectorOptions = {}): Collector {
  const unknown = (options.include ?? []).filter((kind) => !ALL_KINDS.includes(kind));
  if (unknown.length > 0 || options.include?.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `backupCollector: include names ${unknown.length ? `unknown types (${unknown.join(", ")})` : "no type"}; use some of ${ALL_KINDS.join(", ")}.`,
    );
  }
  const kinds = options.include ? ALL_KINDS.filter((kind) => options.include?.includes(kind)) : ALL_KINDS;
  const concurrency = Math.max(1, options.parentConcurrency ?? 8);
  const extra = options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs };
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "backup",
    types: kinds.map((kind) => backupResourceTypes[kind]),
    rules: backupRules,
    async *collect(context) {
      const clientOptions = armClientOptions(context, NAME, extra);
      // Core's TokenCredential is the structural subset of @azure/core-auth's that the SDK calls.
      const credential = context.credential as AzureTokenCredential;
      const streams: AsyncIterable<JsonObject>[] = [];
      const vaultKinds = kinds.filter((kind) => kind === "vault" || isVaultChild(kind));
      if (vaultKinds.length > 0) {
        const clients = await recoveryServicesClients(context, credential, clientOptions);
        streams.push(vaultsAndChildren(context, clients, vaultKinds, concurrency));
      }
      const storageKinds = kinds.filter(isStorageChild);
      if (storageKinds.length > 0) {
        // The SDK is imported on first use, so loading this package stays cheap.
        const { StorageManagementClient } = await import("@azure/arm-storage");
        const client = new StorageManagementClient(credential, context.subscriptionId, clientOptions);
        streams.push(storageDataProtection(context, client, storageKinds, concurrency));
      }
      yield* mergeListings(streams);
    },
    /**
     * One GET per record; a vault is read by GET with its children, a storage account (read by GET,
     * not emitted) with its blob and file services, as `collect` reads them per parent.
     */
    async *readResources(context, resourceIds) {
      const clientOptions = armClientOptions(context, NAME, extra);
      const credential = context.credential as AzureTokenCredential;
      let recoveryServices: Promise<RecoveryServicesClients> | undefined;
      let storage: Promise<StorageManagementClient> | undefined;
      const clients: ReadClients = {
        recoveryServices: () => {
          recoveryServices ??= recoveryServicesClients(context, credential, clientOptions);
          return recoveryServices;
        },
        storage: () => {
          storage ??= import("@azure/arm-storage").then(
            ({ StorageManagementClient }) =>
              new StorageManagementClient(credential, context.subscriptionId, clientOptions),
          );
          return storage;
        },
      };
      yield* mergeListings(
        resourceIds.map((id) => readOne(context, clients, id, kinds)),
        { concurrency },
      );
    },
  });
}

/** The clients of a targeted read, each created (its SDK imported) on first use. */
interface ReadClients {
  recoveryServices(): Promise<RecoveryServicesClients>;
  storage(): Promise<StorageManagementClient>;
}

/** One record by GET; a vault with its children; a storage account's services. */
async function* readOne(
  context: ReadResourcesContext,
  clients: ReadClients,
  id: string,
  kinds: readonly BackupResourceKind[],
): AsyncIterable<JsonObject> {
  const type = parseResourceId(id).type?.toLowerCase();
  if (type === BACKUP_TYPES.vault.toLowerCase()) {
    const vault = vaultParent(id);
    const recoveryServices = await clients.recoveryServices();
    const resource = vault
      ? await getResourceById(context, {
          collector: NAME,
          client: recoveryServices.vaults,
          id,
          apiVersion: recoveryServices.vaults.apiVersion,
        })
      : undefined;
    if (!vault || !resource) {
      if (!vault) context.unreadable(id, "The vault id has no resource group and name to read it by.");
      return;
    }
    if (kinds.includes("vault")) yield resource;
    yield* vaultRecords(readingUnder(context, id), recoveryServices, vault, kinds.filter(isVaultChild));
    return;
  }
  if (type === STORAGE_ACCOUNTS.toLowerCase()) {
    const account = storageAccountParent(id);
    const client = await clients.storage();
    const resource = account
      ? await getResourceById(context, { collector: NAME, client, id, apiVersion: client.apiVersion })
      : undefined;
    if (!account || !resource) {
      if (!account)
        context.unreadable(id, "The storage account id has no resource group and name to read it by.");
      return;
    }
    const accountKind = String(resource.kind ?? "").toLowerCase();
    yield* storageServices(
      readingUnder(context, id),
      client,
      account,
      accountKind,
      kinds.filter(isStorageChild),
    );
    return;
  }
  const kind = ALL_KINDS.find((candidate) => BACKUP_TYPES[candidate].toLowerCase() === type);
  if (kind === undefined || kind === "vault") {
    context.unreadable(id, `collector ${NAME} reads no resource of this type.`);
    return;
  }
  const client = isStorageChild(kind) ? await clients.storage() : (await clients.recoveryServices()).backup;
  const resource = await getResourceById(context, {
    collector: NAME,
    client,
    id,
    apiVersion: client.apiVersion,
  });
  if (resource) yield resource;
}

function isVaultChild(kind: BackupResourceKind): kind is (typeof VAULT_CHILD_KINDS)[number] {
  return (VAULT_CHILD_KINDS as readonly string[]).includes(kind);
}

function isStorageChild(kind: BackupResourceKind): kind is (typeof STORAGE_CHILD_KINDS)[number] {
  return (STORAGE_CHILD_KINDS as readonly string[]).includes(kind);
}

interface RecoveryServicesClients {
  vaults: RecoveryServicesClient;
  backup: RecoveryServicesBackupClient;
}

async function recoveryServicesClients(
  context: CollectorContext,
  credential: AzureTokenCredential,
  options: ArmClientOptions,
): Promise<RecoveryServicesClients> {
  const [{ RecoveryServicesClient }, { RecoveryServicesBackupClient }] = await Promise.all([
    import("@azure/arm-recoveryservices"),
    import("@azure/arm-recoveryservicesbackup"),
  ]);
  return {
    vaults: new RecoveryServicesClient(credential, context.subscriptionId, options),
    backup: new RecoveryServicesBackupClient(credential, context.subscriptionId, options),
  };
}

/** One paged SDK listing of `type`, each item given the type if ARM left it out. */
async function* list(
  context: CollectorContext,
  type: string,
  listing: (operationOptions: ListOperationOptions) => PagedList,
): AsyncIterable<JsonObject> {
  for await (const item of listRaw(context, { collector: NAME, resourceType: type, list: listing })) {
    if (typeof item.type !== "string") item.type = type;
    yield item;
  }
}

/**
 * One GET of `type` at `path` with the api-version the client's SDK sends. A failure makes `type`
 * incomplete (getRaw reports it); a 404 means the resource is not there.
 */
async function* read(
  context: CollectorContext,
  type: string,
  client: { apiVersion: string; sendRequest: RecoveryServicesClient["sendRequest"] },
  path: string,
): AsyncIterable<JsonObject> {
  const body = await getRaw(context, {
    collector: NAME,
    resourceType: type,
    client,
    path,
    apiVersion: client.apiVersion,
  });
  if (body === undefined) return;
  if (typeof body.type !== "string") body.type = type;
  yield body;
}

/**
 * The vaults (listed once, then each read by GET) and the children of each. If the vault listing is
 * incomplete, so is every child type: a vault not listed has children that were not read.
 */
async function* vaultsAndChildren(
  context: CollectorContext,
  clients: RecoveryServicesClients,
  kinds: BackupResourceKind[],
  concurrency: number,
): AsyncIterable<JsonObject> {
  const listing = trackParentListing(context, kinds.includes("vault"));
  const vaults: ArmParent[] = [];
  // The listed vault lacks `securitySettings` and `redundancySettings`: it is only a parent here.
  for await (const item of listRaw(listing.context, {
    collector: NAME,
    resourceType: BACKUP_TYPES.vault,
    list: (o) => clients.vaults.vaults.listBySubscriptionId(o),
  })) {
    const vault = vaultParent(item.id);
    if (vault) vaults.push(vault);
    else {
      for (const kind of kinds) {
        context.coverage.incomplete(
          BACKUP_TYPES[kind],
          `The vault id ${String(item.id)} has no resource group and name to read it by.`,
        );
      }
    }
  }
  const reason = listing.incompleteReason();
  if (reason !== undefined) {
    for (const kind of kinds.filter(isVaultChild)) {
      context.coverage.incomplete(
        BACKUP_TYPES[kind],
        `The Recovery Services vaults could not all be listed, so neither could their children: ${reason}`,
      );
    }
  }
  yield* mergeListings(
    vaults.map((vault) => vaultRecords(context, clients, vault, kinds)),
    { concurrency },
  );
}

/** One vault's GET and its children's reads, side by side. */
function vaultRecords(
  context: CollectorContext,
  { vaults, backup }: RecoveryServicesClients,
  vault: ArmParent,
  kinds: BackupResourceKind[],
): AsyncIterable<JsonObject> {
  const { name, resourceGroup } = vault;
  const reads: AsyncIterable<JsonObject>[] = [];
  for (const kind of kinds) {
    const type = BACKUP_TYPES[kind];
    switch (kind) {
      case "vault":
        // A vault whose GET fails is not yielded and its type is incomplete: unknown, never "removed".
        reads.push(read(context, type, vaults, vault.id));
        break;
      case "backupPolicy":
        reads.push(list(context, type, (o) => backup.backupPolicies.list(name, resourceGroup, o)));
        break;
      case "protectedItem":
        reads.push(list(context, type, (o) => backup.backupProtectedItems.list(name, resourceGroup, o)));
        break;
      case "backupStorageConfig":
        reads.push(read(context, type, backup, `${vault.id}/backupstorageconfig/vaultstorageconfig`));
        break;
      case "backupEncryptionConfig":
        reads.push(
          read(context, type, backup, `${vault.id}/backupEncryptionConfigs/backupResourceEncryptionConfig`),
        );
        break;
      case "resourceGuardProxy":
        reads.push(list(context, type, (o) => backup.resourceGuardProxies.list(name, resourceGroup, o)));
        break;
    }
  }
  return mergeListings(reads);
}

/**
 * The blob and file services of every storage account. The accounts are listed only as parents
 * (another collector records them); if their listing is incomplete, so are the services.
 */
async function* storageDataProtection(
  context: CollectorContext,
  client: StorageManagementClient,
  kinds: BackupResourceKind[],
  concurrency: number,
): AsyncIterable<JsonObject> {
  const listing = trackParentListing(context, false);
  const accounts: { account: ArmParent; kind: string }[] = [];
  for await (const item of listRaw(listing.context, {
    collector: NAME,
    resourceType: STORAGE_ACCOUNTS,
    list: (o) => client.storageAccounts.list(o),
  })) {
    const account = storageAccountParent(item.id);
    if (account) accounts.push({ account, kind: String(item.kind ?? "").toLowerCase() });
  }
  const reason = listing.incompleteReason();
  if (reason !== undefined) {
    for (const kind of kinds) {
      context.coverage.incomplete(
        BACKUP_TYPES[kind],
        `The storage accounts could not all be listed, so neither could their services: ${reason}`,
      );
    }
  }
  yield* mergeListings(
    accounts.map(({ account, kind }) => storageServices(context, client, account, kind, kinds)),
    { concurrency },
  );
}

/** One account's blob and file services (those its kind of account has). */
function storageServices(
  context: CollectorContext,
  client: StorageManagementClient,
  account: ArmParent,
  accountKind: string,
  kinds: BackupResourceKind[],
): AsyncIterable<JsonObject> {
  const reads: AsyncIterable<JsonObject>[] = [];
  if (kinds.includes("blobService") && !NO_BLOB_SERVICE.has(accountKind)) {
    reads.push(
      list(context, BACKUP_TYPES.blobService, (o) =>
        client.blobServices.list(account.resourceGroup, account.name, o),
      ),
    );
  }
  if (kinds.includes("fileService") && !NO_FILE_SERVICE.has(accountKind)) {
    reads.push(fileServices(context, client, account));
  }
  return mergeListings(reads);
}

/** The SDK's `fileServices.list` is one request, not a paged list: read it raw and yield its `value`. */
async function* fileServices(
  context: CollectorContext,
  client: StorageManagementClient,
  account: ArmParent,
): AsyncIterable<JsonObject> {
  for await (const body of read(context, BACKUP_TYPES.fileService, client, `${account.id}/fileServices`)) {
    const value = Array.isArray(body.value) ? body.value : [];
    for (const item of value) {
      if (!item || typeof item !== "object" || Array.isArray(item)) continue;
      if (typeof item.type !== "string") item.type = BACKUP_TYPES.fileService;
      yield item;
    }
  }
}
