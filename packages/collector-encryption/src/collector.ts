import type { ComputeManagementClient } from "@azure/arm-compute";
import type { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { SqlManagementClient } from "@azure/arm-sql";
import type { StorageManagementClient } from "@azure/arm-storage";
import { armClientOptions, mergeListings } from "@azure-drift/arm";
import type { Collector, CollectorContext, JsonObject } from "@azure-drift/core";
import { DriftError, defineCollector } from "@azure-drift/core";
import { type ParentLocation, parentsThenChildren } from "./fan-out.js";
import { createClient, list, listParents, transparentDataEncryptionId, userDatabases } from "./listing.js";
import { NAME, VERSION } from "./name.js";
import { readEncryption } from "./read-by-id.js";
import { ENCRYPTION_TYPES, type EncryptionResourceKind, encryptionResourceTypes } from "./resource-types.js";
import { encryptionRules } from "./rules.js";

/** Options of {@link encryptionCollector}. */
export interface EncryptionCollectorOptions {
  /** Collect only these types (default: all of them). */
  include?: EncryptionResourceKind[];
  /** A `Retry-After` longer than this fails the listing (coverage incomplete) instead of waiting. */
  maxRetryAfterMs?: number;
  /**
   * How many parents' child listings (a vault's keys, a server's protector and databases, a
   * database's TDE, an account's scopes) run at once per parent type; every request still waits
   * for the check's shared limiter. Default 8.
   */
  childListConcurrency?: number;
}

const ALL_KINDS = Object.keys(ENCRYPTION_TYPES) as EncryptionResourceKind[];

const SQL_SERVERS = "Microsoft.Sql/servers";
const SQL_DATABASES = "Microsoft.Sql/servers/databases";
const STORAGE_ACCOUNTS = "Microsoft.Storage/storageAccounts";

/**
 * The encryption collector: key vaults and their keys' metadata, managed HSMs, disk encryption sets,
 * managed disks, the TDE protector of each SQL server and the transparent data encryption of each
 * database, and the encryption scopes of storage accounts, through the real `@azure/arm-keyvault`,
 * `@azure/arm-compute`, `@azure/arm-sql` and `@azure/arm-storage` clients.
 *
 * Top-level types are listed once at subscription level; children once per parent (SQL servers,
 * databases and storage accounts are listed to reach their children, never emitted: other
 * collectors own them). Records are the raw ARM JSON.
 */
export function encryptionCollector(options: EncryptionCollectorOptions = {}): Collector {
  const unknown = (options.include ?? []).filter((kind) => !ALL_KINDS.includes(kind));
  if (unknown.length > 0 || options.include?.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `encryptionCollector: include names ${unknown.length ? `unknown types (${unknown.join(", ")})` : "no type"}; use some of ${ALL_KINDS.join(", ")}.`,
    );
  }
  const kinds = options.include ? ALL_KINDS.filter((kind) => options.include?.includes(kind)) : ALL_KINDS;
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "encryption",
    types: kinds.map((kind) => encryptionResourceTypes[kind]),
    rules: encryptionRules,
    collect: (context) => collectEncryption(context, new Set(kinds), options),
    /**
     * One GET per resource at the listing's api-version; a key vault is read with its keys, a SQL
     * server (read by GET, not emitted) with its protector and its databases' TDE, a database with
     * its TDE, a storage account with its encryption scopes, as `collect` lists them.
     */
    readResources: (context, resourceIds) =>
      readEncryption(
        context,
        resourceIds,
        new Set(kinds),
        armClientOptions(
          context,
          NAME,
          options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
        ),
        Math.max(1, options.childListConcurrency ?? 8),
      ),
  });
}

async function* collectEncryption(
  context: CollectorContext,
  kinds: ReadonlySet<EncryptionResourceKind>,
  options: EncryptionCollectorOptions,
): AsyncIterable<JsonObject> {
  const clientOptions = armClientOptions(
    context,
    NAME,
    options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
  );
  const concurrency = Math.max(1, options.childListConcurrency ?? 8);
  const want = (kind: EncryptionResourceKind) => kinds.has(kind);
  const streams: AsyncIterable<JsonObject>[] = [];

  if (want("keyVault") || want("key") || want("managedHsm")) {
    const keyVault = await createClient<KeyVaultManagementClient>(
      context,
      clientOptions,
      async () => (await import("@azure/arm-keyvault")).KeyVaultManagementClient,
    );
    if (want("keyVault") || want("key")) {
      streams.push(
        parentsThenChildren(context, {
          parentType: ENCRYPTION_TYPES.keyVault,
          // `vaults.list` would return generic resources without properties.
          listParents: (tracking) => list(tracking, "keyVault", (o) => keyVault.vaults.listBySubscription(o)),
          yieldParents: want("keyVault"),
          childTypes: want("key") ? [ENCRYPTION_TYPES.key] : [],
          listChildren: ({ resourceGroup, names: [vault = ""] }) =>
            list(context, "key", (o) => keyVault.keys.list(resourceGroup, vault, o)),
          concurrency,
        }),
      );
    }
    if (want("managedHsm")) {
      streams.push(list(context, "managedHsm", (o) => keyVault.managedHsms.listBySubscription(o)));
    }
  }

  if (want("diskEncryptionSet") || want("disk")) {
    const compute = await createClient<ComputeManagementClient>(
      context,
      clientOptions,
      async () => (await import("@azure/arm-compute")).ComputeManagementClient,
    );
    if (want("diskEncryptionSet")) {
      streams.push(list(context, "diskEncryptionSet", (o) => compute.diskEncryptionSets.list(o)));
    }
    if (want("disk")) streams.push(list(context, "disk", (o) => compute.disks.list(o)));
  }

  if (want("sqlEncryptionProtector") || want("sqlTransparentDataEncryption")) {
    const sql = await createClient<SqlManagementClient>(
      context,
      clientOptions,
      async () => (await import("@azure/arm-sql")).SqlManagementClient,
    );
    streams.push(sqlEncryption(context, sql, want, concurrency));
  }

  if (want("storageEncryptionScope")) {
    const storage = await createClient<StorageManagementClient>(
      context,
      clientOptions,
      async () => (await import("@azure/arm-storage")).StorageManagementClient,
    );
    streams.push(
      parentsThenChildren(context, {
        parentType: STORAGE_ACCOUNTS,
        listParents: (tracking) =>
          listParents(tracking, STORAGE_ACCOUNTS, (o) => storage.storageAccounts.list(o)),
        yieldParents: false,
        childTypes: [ENCRYPTION_TYPES.storageEncryptionScope],
        listChildren: ({ resourceGroup, names: [account = ""] }) =>
          list(context, "storageEncryptionScope", (o) =>
            storage.encryptionScopes.list(resourceGroup, account, o),
          ),
        concurrency,
      }),
    );
  }

  yield* mergeListings(streams);
}

/** Each server's encryption protector, and the TDE of each of its databases. */
function sqlEncryption(
  context: CollectorContext,
  sql: SqlManagementClient,
  want: (kind: EncryptionResourceKind) => boolean,
  concurrency: number,
): AsyncIterable<JsonObject> {
  const childTypes = [
    ...(want("sqlEncryptionProtector") ? [ENCRYPTION_TYPES.sqlEncryptionProtector] : []),
    ...(want("sqlTransparentDataEncryption") ? [ENCRYPTION_TYPES.sqlTransparentDataEncryption] : []),
  ];
  const protector = ({ resourceGroup, names: [server = ""] }: ParentLocation) =>
    list(context, "sqlEncryptionProtector", (o) =>
      sql.encryptionProtectors.listByServer(resourceGroup, server, o),
    );
  const databases = ({ resourceGroup, names: [server = ""] }: ParentLocation) =>
    parentsThenChildren(context, {
      parentType: SQL_DATABASES,
      listParents: (tracking) =>
        userDatabases(
          listParents(tracking, SQL_DATABASES, (o) => sql.databases.listByServer(resourceGroup, server, o)),
        ),
      yieldParents: false,
      childTypes: [ENCRYPTION_TYPES.sqlTransparentDataEncryption],
      listChildren: (database) => transparentDataEncryption(context, sql, database),
      concurrency,
    });
  return parentsThenChildren(context, {
    parentType: SQL_SERVERS,
    listParents: (tracking) => listParents(tracking, SQL_SERVERS, (o) => sql.servers.list(o)),
    yieldParents: false,
    childTypes,
    listChildren: (server) =>
      mergeListings([
        ...(want("sqlEncryptionProtector") ? [protector(server)] : []),
        ...(want("sqlTransparentDataEncryption") ? [databases(server)] : []),
      ]),
    concurrency,
  });
}

/** A database's TDE, its id made to end in `/transparentDataEncryption/current` when ARM gave the database's. */
async function* transparentDataEncryption(
  context: CollectorContext,
  sql: SqlManagementClient,
  database: ParentLocation,
): AsyncIterable<JsonObject> {
  const [server = "", name = ""] = database.names;
  const items = list(context, "sqlTransparentDataEncryption", (o) =>
    sql.transparentDataEncryptions.listByDatabase(database.resourceGroup, server, name, o),
  );
  for await (const item of items) {
    item.id = transparentDataEncryptionId(item, database.id);
    yield item;
  }
}
