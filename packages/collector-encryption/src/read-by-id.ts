/**
 * The encryption collector's targeted reads (`readResources`): each resource by one GET, and the
 * parents it reaches children through (SQL servers and databases, storage accounts) by one GET each
 * (a parent gone is a 404, not a failed child listing), then their child listings as `collect`
 * makes them.
 */
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { SqlManagementClient } from "@azure/arm-sql";
import type { StorageManagementClient } from "@azure/arm-storage";
import { type ArmClientOptions, getResourceById, mergeListings, readingOne } from "@azure-drift/arm";
import type { CollectorContext, JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { parseResourceId } from "@azure-drift/core";
import { locate } from "./fan-out.js";
import {
  createClient,
  isUserDatabase,
  list,
  listParents,
  transparentDataEncryptionId,
  userDatabases,
} from "./listing.js";
import { NAME } from "./name.js";
import { ENCRYPTION_TYPES, type EncryptionResourceKind } from "./resource-types.js";

/**
 * The api-versions a targeted read GETs each type with: those the listings send
 * (@azure/arm-keyvault, @azure/arm-compute 23.3.0, @azure/arm-sql 10.0.0, @azure/arm-storage 19.1.0),
 * so a resource read by id has the shape it has in a snapshot.
 */
export const ENCRYPTION_API_VERSIONS: Record<EncryptionResourceKind, string> = {
  keyVault: "2025-05-01",
  key: "2025-05-01",
  managedHsm: "2025-05-01",
  diskEncryptionSet: "2025-01-02",
  disk: "2025-01-02",
  sqlEncryptionProtector: "2020-11-01-preview",
  sqlTransparentDataEncryption: "2022-08-01-preview",
  storageEncryptionScope: "2025-06-01",
};

const SQL_SERVERS = "microsoft.sql/servers";
const SQL_DATABASES = "microsoft.sql/servers/databases";
const STORAGE_ACCOUNTS = "microsoft.storage/storageaccounts";

/** The parents read only to reach children, at the api-versions of their listings. */
const PARENT_API_VERSIONS: Readonly<Record<string, string>> = {
  [SQL_SERVERS]: "2022-08-01-preview",
  [SQL_DATABASES]: "2022-08-01-preview",
  [STORAGE_ACCOUNTS]: "2025-06-01",
};

const ALL_KINDS = Object.keys(ENCRYPTION_TYPES) as EncryptionResourceKind[];

/** The SDK clients of one read, each created (and its SDK imported) on first use. */
class Clients {
  private readonly made = new Map<string, Promise<unknown>>();
  constructor(
    private readonly context: CollectorContext,
    private readonly options: ArmClientOptions,
  ) {}

  private once<T>(name: string, load: () => Promise<new (...args: never[]) => T>): Promise<T> {
    let client = this.made.get(name) as Promise<T> | undefined;
    if (!client) {
      client = createClient<T>(this.context, this.options, load as never);
      this.made.set(name, client);
    }
    return client;
  }

  keyVault = () =>
    this.once<KeyVaultManagementClient>(
      "keyvault",
      async () => (await import("@azure/arm-keyvault")).KeyVaultManagementClient,
    );
  compute = () =>
    this.once<ComputeManagementClient>(
      "compute",
      async () => (await import("@azure/arm-compute")).ComputeManagementClient,
    );
  sql = () =>
    this.once<SqlManagementClient>("sql", async () => (await import("@azure/arm-sql")).SqlManagementClient);
  storage = () =>
    this.once<StorageManagementClient>(
      "storage",
      async () => (await import("@azure/arm-storage")).StorageManagementClient,
    );

  /** The client whose pipeline reads `type` (lower-cased). */
  for(
    type: string,
  ): Promise<
    KeyVaultManagementClient | ComputeManagementClient | SqlManagementClient | StorageManagementClient
  > {
    if (type.startsWith("microsoft.keyvault/")) return this.keyVault();
    if (type.startsWith("microsoft.compute/")) return this.compute();
    if (type.startsWith("microsoft.sql/")) return this.sql();
    return this.storage();
  }
}

/** Reads the resources of a targeted check, as `collect` would list them. */
export function readEncryption(
  context: ReadResourcesContext,
  resourceIds: readonly string[],
  kinds: ReadonlySet<EncryptionResourceKind>,
  clientOptions: ArmClientOptions,
  concurrency: number,
): AsyncIterable<JsonObject> {
  const clients = new Clients(context, clientOptions);
  return mergeListings(resourceIds.map((id) => readOne(context, id, kinds, clients, concurrency)));
}

async function* readOne(
  context: ReadResourcesContext,
  id: string,
  kinds: ReadonlySet<EncryptionResourceKind>,
  clients: Clients,
  concurrency: number,
): AsyncIterable<JsonObject> {
  const type = parseResourceId(id).type?.toLowerCase() ?? "";
  const kind = ALL_KINDS.find((candidate) => ENCRYPTION_TYPES[candidate].toLowerCase() === type);
  const apiVersion = kind ? ENCRYPTION_API_VERSIONS[kind] : PARENT_API_VERSIONS[type];
  if (apiVersion === undefined) {
    context.unreadable(id, `collector ${NAME} reads no resource of this type.`);
    return;
  }
  const resource = await getResourceById(context, {
    collector: NAME,
    client: await clients.for(type),
    id,
    apiVersion,
  });
  if (resource === undefined) return;
  if (kind === "sqlTransparentDataEncryption") {
    resource.id = transparentDataEncryptionId(resource, id.split("/").slice(0, -2).join("/"));
  }
  if (kind && kinds.has(kind)) yield resource;
  const location = locate(id);
  if (!location) return;
  const { resourceGroup, names } = location;
  const [first = "", second = ""] = names;
  if (kind === "keyVault" && kinds.has("key")) {
    const keyVault = await clients.keyVault();
    yield* list(readingOne(context, `${id}/keys`), "key", (o) => keyVault.keys.list(resourceGroup, first, o));
  } else if (type === STORAGE_ACCOUNTS && kinds.has("storageEncryptionScope")) {
    const storage = await clients.storage();
    yield* list(readingOne(context, `${id}/encryptionScopes`), "storageEncryptionScope", (o) =>
      storage.encryptionScopes.list(resourceGroup, first, o),
    );
  } else if (type === SQL_SERVERS) {
    const sql = await clients.sql();
    const children: AsyncIterable<JsonObject>[] = [];
    if (kinds.has("sqlEncryptionProtector")) {
      children.push(
        list(readingOne(context, `${id}/encryptionProtector`), "sqlEncryptionProtector", (o) =>
          sql.encryptionProtectors.listByServer(resourceGroup, first, o),
        ),
      );
    }
    if (kinds.has("sqlTransparentDataEncryption"))
      children.push(databasesOf(context, sql, id, first, resourceGroup, concurrency));
    yield* mergeListings(children);
  } else if (
    type === SQL_DATABASES &&
    kinds.has("sqlTransparentDataEncryption") &&
    isUserDatabase(resource)
  ) {
    yield* tdeOf(context, await clients.sql(), id, resourceGroup, first, second);
  }
}

/** A server's user databases, listed, then each one's TDE. */
async function* databasesOf(
  context: ReadResourcesContext,
  sql: SqlManagementClient,
  serverId: string,
  server: string,
  resourceGroup: string,
  concurrency: number,
): AsyncIterable<JsonObject> {
  const databases: string[] = [];
  const listing = userDatabases(
    listParents(readingOne(context, `${serverId}/databases`), "Microsoft.Sql/servers/databases", (o) =>
      sql.databases.listByServer(resourceGroup, server, o),
    ),
  );
  for await (const database of listing) if (typeof database.name === "string") databases.push(database.name);
  yield* mergeListings(
    databases.map((database) =>
      tdeOf(context, sql, `${serverId}/databases/${database}`, resourceGroup, server, database),
    ),
    { concurrency },
  );
}

/** A database's TDE, with the record id `collect` gives it. */
async function* tdeOf(
  context: ReadResourcesContext,
  sql: SqlManagementClient,
  databaseId: string,
  resourceGroup: string,
  server: string,
  database: string,
): AsyncIterable<JsonObject> {
  const items = list(
    readingOne(context, `${databaseId}/transparentDataEncryption`),
    "sqlTransparentDataEncryption",
    (o) => sql.transparentDataEncryptions.listByDatabase(resourceGroup, server, database, o),
  );
  for await (const item of items) {
    item.id = transparentDataEncryptionId(item, databaseId);
    yield item;
  }
}
