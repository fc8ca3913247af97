import type { SecurityCenter } from "@azure/arm-security";
import type { SqlManagementClient } from "@azure/arm-sql";
import type { StorageManagementClient } from "@azure/arm-storage";
import {
  type ArmClientOptions,
  armClientOptions,
  getRaw,
  getResourceById,
  type ListOperationOptions,
  listRaw,
  mergeListings,
  type PagedList,
  readingOne,
} from "@azure-drift/arm";
import type { Collector, CollectorContext, JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { DriftError, defineCollector, parseResourceId } from "@azure-drift/core";
import {
  SECURITY_TYPES,
  type SecurityResourceKind,
  SQL_SERVER_CHILD_KINDS,
  type SqlServerChildKind,
  securityResourceTypes,
} from "./resource-types.js";
import { SECURITY_RULES } from "./rules.js";

/** The collector's name, as recorded in snapshots. */
export const NAME = "security";

/** The collector's version, as recorded in snapshots. */
export const VERSION = "0.1.0";

/** Options of {@link securityCollector}. */
export interface SecurityCollectorOptions {
  /** Collect only these types (default: all of them). */
  include?: SecurityResourceKind[];
  /** A `Retry-After` longer than this fails the listing (coverage incomplete) instead of waiting. */
  maxRetryAfterMs?: number;
  /** How many SQL servers' child listings run at once (each request still waits for the shared limiter). Default 8. */
  sqlServerConcurrency?: number;
}

/**
 * The api-version pricings are read with. `pricings.list` of @azure/arm-security 5.0.0 sends
 * 2022-03-01, whose plans have no extensions; the list is one unpaged response, read raw.
 */
export const PRICINGS_API_VERSION = "2024-01-01";

/**
 * The api-versions a targeted read GETs each type with: those the collector's listings send
 * (@azure/arm-security 5.0.0, @azure/arm-storage 19.1.0, @azure/arm-sql 10.0.0; pricings as read
 * raw), so a resource read by id has the shape it has in a snapshot.
 */
export const SECURITY_API_VERSIONS: Record<SecurityResourceKind, string> = {
  pricing: PRICINGS_API_VERSION,
  securityContact: "2017-08-01-preview",
  autoProvisioningSetting: "2017-08-01-preview",
  setting: "2021-07-01",
  storageAccount: "2025-06-01",
  sqlServer: "2022-08-01-preview",
  sqlFirewallRule: "2020-11-01-preview",
  sqlAuditingSetting: "2021-11-01-preview",
  sqlSecurityAlertPolicy: "2020-11-01-preview",
  sqlEntraOnlyAuthentication: "2020-11-01-preview",
};

/** What `servers.list` needs to return each server's Entra administrator. */
export const SQL_SERVERS_EXPAND = "administrators/activedirectory";

const ALL_KINDS = Object.keys(SECURITY_TYPES) as SecurityResourceKind[];

/**
 * The security collector: Defender for Cloud's plans, security contacts, auto-provisioning and
 * integration settings; storage accounts; SQL servers with their firewall rules, auditing settings,
 * security alert policies and Entra-only authentication, of one subscription, through the real
 * `@azure/arm-security`, `@azure/arm-storage` and `@azure/arm-sql` clients.
 *
 * Each type is listed once at subscription level (pricings in one raw GET: that list is not paged),
 * the SQL servers' children once per server and type; records are the raw ARM JSON.
 */
export function securityCollector(options: SecurityCollectorOptions = {}): Collector {
  const unknown = (options.include ?? []).filter((kind) => !ALL_KINDS.includes(kind));
  if (unknown.length > 0 || options.include?.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `securityCollector: include names ${unknown.length ? `unknown types (${unknown.join(", ")})` : "no type"}; use some of ${ALL_KINDS.join(", ")}.`,
    );
  }
  const kinds = options.include ? ALL_KINDS.filter((kind) => options.include?.includes(kind)) : ALL_KINDS;
  const clientOptionsFor = (context: CollectorContext) =>
    armClientOptions(
      context,
      NAME,
      options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
    );
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "security",
    types: kinds.map((kind) => securityResourceTypes[kind]),
    rules: SECURITY_RULES,
    async *collect(context) {
      const has = (kind: SecurityResourceKind) => kinds.includes(kind);
      const needs = (namespace: string) => kinds.some((kind) => SECURITY_TYPES[kind].startsWith(namespace));
      // Each SDK is imported on first use, and only if a chosen type needs it: loading this package stays cheap.
      const [security, storage, sql] = await Promise.all([
        needs("Microsoft.Security/") ? import("@azure/arm-security") : undefined,
        needs("Microsoft.Storage/") ? import("@azure/arm-storage") : undefined,
        needs("Microsoft.Sql/") ? import("@azure/arm-sql") : undefined,
      ]);
      const { credential, subscriptionId } = context;
      const clientOptions = clientOptionsFor(context);
      const listings: AsyncIterable<JsonObject>[] = [];
      if (security) {
        const client = new security.SecurityCenter(credential, subscriptionId, clientOptions);
        if (has("pricing")) listings.push(pricings(context, client));
        if (has("securityContact"))
          listings.push(list(context, "securityContact", (o) => client.securityContacts.list(o)));
        if (has("autoProvisioningSetting"))
          listings.push(
            list(context, "autoProvisioningSetting", (o) => client.autoProvisioningSettings.list(o)),
          );
        if (has("setting")) listings.push(list(context, "setting", (o) => client.settings.list(o)));
      }
      if (storage) {
        const client = new storage.StorageManagementClient(credential, subscriptionId, clientOptions);
        listings.push(list(context, "storageAccount", (o) => client.storageAccounts.list(o)));
      }
      if (sql) {
        const client = new sql.SqlManagementClient(credential, subscriptionId, clientOptions);
        const children = SQL_SERVER_CHILD_KINDS.filter(has);
        listings.push(
          sqlServersAndChildren(context, client, has("sqlServer"), children, options.sqlServerConcurrency),
        );
      }
      yield* mergeListings(listings);
    },
    /**
     * One GET per resource (a SQL server expanded with its Entra administrator, as listed); a SQL
     * server is read with its child settings, one listing per child type, as `collect` does.
     */
    async *readResources(context, resourceIds) {
      const clients = await readClients(context, clientOptionsFor(context), resourceIds);
      yield* mergeListings(resourceIds.map((id) => readOne(context, clients, id, kinds)));
    },
  });
}

/** The clients a targeted read needs: each SDK imported only if an id needs it. */
interface ReadClients {
  /** Sends the raw GETs of Defender settings (any client's pipeline would do). */
  security?: SecurityCenter;
  storage?: StorageManagementClient;
  sql?: SqlManagementClient;
}

async function readClients(
  context: CollectorContext,
  clientOptions: ArmClientOptions,
  resourceIds: readonly string[],
): Promise<ReadClients> {
  const namespaces = new Set(resourceIds.map((id) => parseResourceId(id).type?.split("/")[0]?.toLowerCase()));
  const { credential, subscriptionId } = context;
  const [security, storage, sql] = await Promise.all([
    namespaces.has("microsoft.security") ? import("@azure/arm-security") : undefined,
    namespaces.has("microsoft.storage") ? import("@azure/arm-storage") : undefined,
    namespaces.has("microsoft.sql") ? import("@azure/arm-sql") : undefined,
  ]);
  const clients: ReadClients = {};
  if (security) clients.security = new security.SecurityCenter(credential, subscriptionId, clientOptions);
  if (storage)
    clients.storage = new storage.StorageManagementClient(credential, subscriptionId, clientOptions);
  if (sql) clients.sql = new sql.SqlManagementClient(credential, subscriptionId, clientOptions);
  return clients;
}

/** A type's kind, matched case-insensitively. */
function kindOf(type: string | undefined): SecurityResourceKind | undefined {
  const lower = type?.toLowerCase();
  return ALL_KINDS.find((kind) => SECURITY_TYPES[kind].toLowerCase() === lower);
}

/** One resource by GET, and for a SQL server its child settings. */
async function* readOne(
  context: ReadResourcesContext,
  clients: ReadClients,
  id: string,
  kinds: readonly SecurityResourceKind[],
): AsyncIterable<JsonObject> {
  const kind = kindOf(parseResourceId(id).type);
  const client =
    kind && SECURITY_TYPES[kind].startsWith("Microsoft.Sql/")
      ? clients.sql
      : kind === "storageAccount"
        ? clients.storage
        : clients.security;
  if (kind === undefined || client === undefined) {
    context.unreadable(id, `collector ${NAME} reads no resource of this type.`);
    return;
  }
  const resource = await getResourceById(context, {
    collector: NAME,
    client,
    id,
    apiVersion: SECURITY_API_VERSIONS[kind],
    ...(kind === "sqlServer" ? { query: { $expand: SQL_SERVERS_EXPAND } } : {}),
  });
  if (resource === undefined) return;
  if (kinds.includes(kind)) yield resource;
  if (kind !== "sqlServer" || !clients.sql) return;
  const server = parseServerId(resource.id ?? id);
  if (!server) {
    context.unreadable(id, "The SQL server's id has no resource group and name to list its settings.");
    return;
  }
  const sql = clients.sql;
  yield* mergeListings(
    SQL_SERVER_CHILD_KINDS.filter((child) => kinds.includes(child)).map((child) =>
      list(
        readingOne(context, `${id}/${SECURITY_TYPES[child].split("/").at(-1)}`),
        child,
        childListing(sql, child, server),
      ),
    ),
  );
}

type Listing = (operationOptions: ListOperationOptions) => PagedList;

/** One listing, each item given its declared `type` if ARM left it out. */
async function* list(
  context: CollectorContext,
  kind: SecurityResourceKind,
  listing: Listing,
): AsyncIterable<JsonObject> {
  const resourceType = SECURITY_TYPES[kind];
  for await (const item of listRaw(context, { collector: NAME, resourceType, list: listing })) {
    if (typeof item.type !== "string") item.type = resourceType;
    yield item;
  }
}

/**
 * Defender plans: `pricings.list` answers in one unpaged response (the SDK returns a Promise, not a
 * pager), so it is read with one raw GET at the api-version that carries the plans' extensions.
 */
async function* pricings(context: CollectorContext, client: SecurityCenter): AsyncIterable<JsonObject> {
  const resourceType = SECURITY_TYPES.pricing;
  let reported = false;
  const tracking: CollectorContext = {
    ...context,
    coverage: {
      incomplete(type, reason) {
        reported = true;
        context.coverage.incomplete(type, reason);
      },
    },
  };
  // One response in Azure; a `nextLink`, should one ever come, is followed rather than dropped.
  let path: string | undefined =
    `/subscriptions/${encodeURIComponent(context.subscriptionId)}/providers/Microsoft.Security/pricings`;
  while (path !== undefined) {
    const body = await getRaw(tracking, {
      collector: NAME,
      resourceType,
      client,
      path,
      apiVersion: PRICINGS_API_VERSION,
    });
    if (body === undefined) {
      // getRaw reads a 404 as "no such resource"; for a list it means the plans could not be read.
      if (!reported) {
        context.coverage.incomplete(
          resourceType,
          `HTTP 404 listing ${resourceType}: the subscription or the Microsoft.Security provider was not found.`,
        );
      }
      return;
    }
    if (!Array.isArray(body.value)) {
      context.coverage.incomplete(resourceType, `The ARM response for ${resourceType} has no "value" array.`);
      return;
    }
    context.onProgress({
      type: "page",
      subscriptionId: context.subscriptionId,
      collector: NAME,
      resourceType,
      items: body.value.length,
    });
    for (const item of body.value) {
      if (typeof item !== "object" || item === null || Array.isArray(item)) continue;
      if (typeof item.type !== "string") item.type = resourceType;
      yield item;
    }
    path = typeof body.nextLink === "string" ? body.nextLink : undefined;
  }
}

interface ServerLocation {
  resourceGroup: string;
  name: string;
}

/**
 * SQL servers (yielded if wanted, listed with their Entra administrator), then each server's child
 * collections: one list per server and child type, a few servers at a time. If the servers cannot
 * all be listed, neither can their children: those types are incomplete too.
 */
async function* sqlServersAndChildren(
  context: CollectorContext,
  client: SqlManagementClient,
  yieldServers: boolean,
  children: readonly SqlServerChildKind[],
  concurrency = 8,
): AsyncIterable<JsonObject> {
  const servers: ServerLocation[] = [];
  let serversIncomplete = false;
  const tracking: CollectorContext = {
    ...context,
    coverage: {
      incomplete(type, reason) {
        serversIncomplete = true;
        if (yieldServers) context.coverage.incomplete(type, reason);
      },
    },
  };
  const listing = list(tracking, "sqlServer", (o) =>
    client.servers.list({ ...o, expand: SQL_SERVERS_EXPAND }),
  );
  for await (const server of listing) {
    const location = parseServerId(server.id);
    if (location) servers.push(location);
    else {
      serversIncomplete = true;
      context.logger.warn("SQL server id without resource group and name", {
        collector: NAME,
        subscriptionId: context.subscriptionId,
        id: String(server.id),
      });
    }
    if (yieldServers) yield server;
  }
  if (children.length === 0) return;
  if (serversIncomplete) {
    for (const kind of children) {
      context.coverage.incomplete(
        SECURITY_TYPES[kind],
        "The SQL servers could not all be listed, so neither could their child settings.",
      );
    }
  }
  // One listing per server and child type; the limiter bounds requests, this bounds open listings.
  yield* mergeListings(
    servers.flatMap((server) =>
      children.map((kind) => list(context, kind, childListing(client, kind, server))),
    ),
    { concurrency: concurrency * children.length },
  );
}

function childListing(
  client: SqlManagementClient,
  kind: SqlServerChildKind,
  server: ServerLocation,
): Listing {
  const { resourceGroup, name } = server;
  switch (kind) {
    case "sqlFirewallRule":
      return (o) => client.firewallRules.listByServer(resourceGroup, name, o);
    case "sqlAuditingSetting":
      return (o) => client.serverBlobAuditingPolicies.listByServer(resourceGroup, name, o);
    case "sqlSecurityAlertPolicy":
      return (o) => client.serverSecurityAlertPolicies.listByServer(resourceGroup, name, o);
    case "sqlEntraOnlyAuthentication":
      return (o) => client.serverAzureADOnlyAuthentications.listByServer(resourceGroup, name, o);
  }
}

/** The resource group and name of a SQL server from its ARM id. */
function parseServerId(id: unknown): ServerLocation | undefined {
  if (typeof id !== "string") return undefined;
  const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Sql\/servers\/([^/]+)$/i.exec(id);
  return match?.[1] && match[2]
    ? { resourceGroup: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) }
    : undefined;
}
