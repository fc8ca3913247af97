import type { ManagementLockClient } from "@azure/arm-locks";
import type { MonitorClient } from "@azure/arm-monitor";
import type { PolicyClient } from "@azure/arm-policy";
import type { TokenCredential as AzureTokenCredential } from "@azure/core-auth";
import {
  type ArmClientOptions,
  type ArmRequestSender,
  armClientOptions,
  getRawList,
  getResourceById,
  type ListOperationOptions,
  listRaw,
  mergeListings,
  type PagedList,
} from "@azure-drift/arm";
import type { Collector, CollectorContext, JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { DriftError, defineCollector, parseResourceId } from "@azure-drift/core";
import { DEFAULT_DIAGNOSTIC_TARGETS, isTopLevelType, resourceTypeFilter } from "./diagnostic-targets.js";
import { GOVERNANCE_TYPES, type GovernanceResourceKind, governanceResourceTypes } from "./resource-types.js";
import { governanceRules } from "./rules.js";
import { isInSubscription } from "./scope.js";

/** The collector's name, as recorded in snapshots. */
export const NAME = "governance";

/** The collector's version, as recorded in snapshots. */
export const VERSION = "0.1.0";

/** Options of {@link governanceCollector}. */
export interface GovernanceCollectorOptions {
  /** Collect only these types (default: all of them). */
  include?: GovernanceResourceKind[];
  /**
   * The resource types whose diagnostic settings are read besides the subscription's own, one
   * request per resource of these types (default {@link DEFAULT_DIAGNOSTIC_TARGETS}: key vaults and
   * Recovery Services vaults; {@link EXTENDED_DIAGNOSTIC_TARGETS} adds NSGs and storage accounts).
   * `[]` reads the subscription's only.
   */
  diagnosticTargets?: readonly string[];
  /** How many resources' diagnostic settings are read at once (each request still waits for the shared limiter). Default 8. */
  diagnosticConcurrency?: number;
  /** A `Retry-After` longer than this fails the listing (coverage incomplete) instead of waiting. */
  maxRetryAfterMs?: number;
}

const ALL_KINDS = Object.keys(GOVERNANCE_TYPES) as GovernanceResourceKind[];

/** The api-version of policy exemptions, read raw: @azure/arm-policy 6.0.0 has no operation for them. */
export const POLICY_EXEMPTIONS_API_VERSION = "2022-07-01-preview";
/**
 * The api-version of diagnostic settings, read raw: @azure/arm-monitor 7.0.0 returns them as one
 * array (not a pager) at 2017-05-01-preview, which has no category groups; 2021-05-01-preview is the
 * first to report `categoryGroup` (a key vault's `audit` group).
 */
export const DIAGNOSTIC_SETTINGS_API_VERSION = "2021-05-01-preview";
/** The api-version of the generic resources list that finds the resources whose diagnostic settings are read. */
export const RESOURCES_API_VERSION = "2021-04-01";

const CUSTOM_FILTER = "policyType eq 'Custom'";

/**
 * The api-versions a targeted read GETs each type with: those the listings send (@azure/arm-policy
 * 6.0.0, @azure/arm-locks 2.1.0, @azure/arm-monitor 7.0.0) or read raw, so a resource read by id has
 * the shape it has in a snapshot.
 */
export const GOVERNANCE_API_VERSIONS: Record<GovernanceResourceKind, string> = {
  policyAssignment: "2024-05-01",
  policyDefinition: "2024-05-01",
  policySetDefinition: "2024-05-01",
  policyExemption: POLICY_EXEMPTIONS_API_VERSION,
  managementLock: "2020-05-01",
  diagnosticSetting: DIAGNOSTIC_SETTINGS_API_VERSION,
  activityLogAlert: "2017-04-01",
};

/**
 * The governance collector: policy assignments, custom policy definitions and initiatives, policy
 * exemptions, management locks, diagnostic settings (the subscription's and those of its key
 * resources) and activity-log alerts of one subscription, through the real `@azure/arm-policy`,
 * `@azure/arm-locks` and `@azure/arm-monitor` clients. Records are the raw ARM JSON.
 *
 * Each type is listed once at subscription level; diagnostic settings cost one more request per
 * resource of the {@link GovernanceCollectorOptions.diagnosticTargets} types (ARM has no
 * subscription-wide list of them), found with one generic resources list.
 */
export function governanceCollector(options: GovernanceCollectorOptions = {}): Collector {
  const unknown = (options.include ?? []).filter((kind) => !ALL_KINDS.includes(kind));
  if (unknown.length > 0 || options.include?.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `governanceCollector: include names ${unknown.length ? `unknown types (${unknown.join(", ")})` : "no type"}; use some of ${ALL_KINDS.join(", ")}.`,
    );
  }
  const targets = options.diagnosticTargets ?? DEFAULT_DIAGNOSTIC_TARGETS;
  const badTargets = targets.filter((type) => !isTopLevelType(type));
  if (badTargets.length > 0) {
    throw new DriftError(
      "E_INPUT",
      `governanceCollector: diagnosticTargets must be top-level ARM types such as Microsoft.KeyVault/vaults; got ${badTargets.join(", ")}.`,
    );
  }
  const kinds = options.include ? ALL_KINDS.filter((kind) => options.include?.includes(kind)) : ALL_KINDS;
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "governance",
    types: kinds.map((kind) => governanceResourceTypes[kind]),
    rules: governanceRules,
    async *collect(context) {
      const clientOptions = armClientOptions(
        context,
        NAME,
        options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
      );
      const clients = await createClients(context, clientOptions, kinds);
      const listings = kinds.map((kind) => listingOf(context, clients, kind, targets, options));
      yield* mergeListings(listings);
    },
    /**
     * One GET per resource at the listing's api-version, kept by the same filters as `collect`
     * (the subscription's own policy objects, custom definitions only).
     */
    async *readResources(context, resourceIds) {
      const wanted = resourceIds.map((id) => ({ id, kind: kindOf(parseResourceId(id).type) }));
      const present = wanted.flatMap(({ kind }) => (kind && kinds.includes(kind) ? [kind] : []));
      const clients = await createClients(
        context,
        armClientOptions(
          context,
          NAME,
          options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
        ),
        present,
      );
      yield* mergeListings(wanted.map(({ id, kind }) => readOne(context, clients, id, kind)));
    },
  });
}

/** A type's kind, matched case-insensitively. */
function kindOf(type: string | undefined): GovernanceResourceKind | undefined {
  const lower = type?.toLowerCase();
  return ALL_KINDS.find((kind) => GOVERNANCE_TYPES[kind].toLowerCase() === lower);
}

/** One resource by GET, if `collect` would have kept it. */
async function* readOne(
  context: ReadResourcesContext,
  clients: Clients,
  id: string,
  kind: GovernanceResourceKind | undefined,
): AsyncIterable<JsonObject> {
  if (kind === undefined) {
    context.unreadable(id, `collector ${NAME} reads no resource of this type.`);
    return;
  }
  const client: ArmRequestSender =
    kind === "managementLock"
      ? clients.locks()
      : kind === "diagnosticSetting" || kind === "activityLogAlert"
        ? clients.monitor()
        : clients.policy();
  const resource = await getResourceById(context, {
    collector: NAME,
    client,
    id,
    apiVersion: GOVERNANCE_API_VERSIONS[kind],
  });
  if (resource === undefined) return;
  const own = isInSubscription(resource.id, context.subscriptionId);
  if (kind === "policyAssignment" || kind === "policyExemption") {
    if (own) yield resource;
  } else if (kind === "policyDefinition" || kind === "policySetDefinition") {
    const properties = resource.properties as JsonObject | undefined;
    if (own && String(properties?.policyType ?? "").toLowerCase() === "custom") yield resource;
  } else yield resource;
}

/** The records of one kind: one listing at subscription level (diagnostic settings: one per key resource too). */
function listingOf(
  context: CollectorContext,
  clients: Clients,
  kind: GovernanceResourceKind,
  targets: readonly string[],
  options: GovernanceCollectorOptions,
): AsyncIterable<JsonObject> {
  switch (kind) {
    case "policyAssignment":
      return inSubscription(
        context,
        list(context, kind, (o) => clients.policy().policyAssignments.list(o)),
      );
    case "policyDefinition":
      return custom(
        context,
        list(context, kind, (o) => clients.policy().policyDefinitions.list({ ...o, filter: CUSTOM_FILTER })),
      );
    case "policySetDefinition":
      return custom(
        context,
        list(context, kind, (o) =>
          clients.policy().policySetDefinitions.list({ ...o, filter: CUSTOM_FILTER }),
        ),
      );
    case "policyExemption":
      return inSubscription(
        context,
        getRawList(context, {
          collector: NAME,
          resourceType: GOVERNANCE_TYPES.policyExemption,
          client: clients.policy(),
          path: `/subscriptions/${context.subscriptionId}/providers/Microsoft.Authorization/policyExemptions`,
          apiVersion: POLICY_EXEMPTIONS_API_VERSION,
        }),
      );
    case "managementLock":
      return list(context, kind, (o) => clients.locks().managementLocks.listAtSubscriptionLevel(o));
    case "diagnosticSetting":
      return diagnosticSettings(context, clients.monitor(), targets, options.diagnosticConcurrency ?? 8);
    case "activityLogAlert":
      return list(context, kind, (o) => clients.monitor().activityLogAlerts.listBySubscriptionId(o));
  }
}

interface Clients {
  policy(): PolicyClient;
  locks(): ManagementLockClient;
  monitor(): MonitorClient;
}

/** The SDK clients the chosen kinds need, their packages imported on first use so loading this one stays cheap. */
async function createClients(
  context: CollectorContext,
  options: ArmClientOptions,
  kinds: readonly GovernanceResourceKind[],
): Promise<Clients> {
  // Core's TokenCredential is the structural subset of @azure/core-auth's that the SDK calls.
  const credential = context.credential as AzureTokenCredential;
  const needs = (...wanted: GovernanceResourceKind[]) => wanted.some((kind) => kinds.includes(kind));
  const [policy, locks, monitor] = await Promise.all([
    needs("policyAssignment", "policyDefinition", "policySetDefinition", "policyExemption")
      ? import("@azure/arm-policy").then(
          ({ PolicyClient }) => new PolicyClient(credential, context.subscriptionId, options),
        )
      : undefined,
    needs("managementLock")
      ? import("@azure/arm-locks").then(
          ({ ManagementLockClient }) => new ManagementLockClient(credential, context.subscriptionId, options),
        )
      : undefined,
    needs("diagnosticSetting", "activityLogAlert")
      ? import("@azure/arm-monitor").then(
          ({ MonitorClient }) => new MonitorClient(credential, context.subscriptionId, options),
        )
      : undefined,
  ]);
  const present = <T>(client: T | undefined): T => {
    if (client === undefined)
      throw new Error("governanceCollector: a client was used for a type not collected.");
    return client;
  };
  return { policy: () => present(policy), locks: () => present(locks), monitor: () => present(monitor) };
}

type SubscriptionListing = (operationOptions: ListOperationOptions) => PagedList;

/** One SDK listing, each item given its declared `type` if ARM left it out. */
async function* list(
  context: CollectorContext,
  kind: GovernanceResourceKind,
  listing: SubscriptionListing,
): AsyncIterable<JsonObject> {
  const resourceType = GOVERNANCE_TYPES[kind];
  for await (const item of listRaw(context, { collector: NAME, resourceType, list: listing })) {
    if (typeof item.type !== "string") item.type = resourceType;
    yield item;
  }
}

/**
 * Only the subscription's own objects: ARM lists the policy assignments and exemptions of the
 * management groups above it too, which belong to no subscription's snapshot.
 */
async function* inSubscription(
  context: CollectorContext,
  items: AsyncIterable<JsonObject>,
): AsyncIterable<JsonObject> {
  let skipped = 0;
  for await (const item of items) {
    if (isInSubscription(item.id, context.subscriptionId)) yield item;
    else skipped++;
  }
  if (skipped > 0) {
    context.logger.debug("skipped policy objects inherited from above the subscription", {
      collector: NAME,
      subscriptionId: context.subscriptionId,
      count: skipped,
    });
  }
}

/** Custom definitions only, even from a server that ignores `$filter`: built-ins are Microsoft's, not the tenant's drift. */
async function* custom(
  context: CollectorContext,
  items: AsyncIterable<JsonObject>,
): AsyncIterable<JsonObject> {
  for await (const item of inSubscription(context, items)) {
    const properties = item.properties as JsonObject | undefined;
    if (String(properties?.policyType ?? "").toLowerCase() === "custom") yield item;
  }
}

/**
 * The subscription's diagnostic settings, then those of each resource of the target types (one
 * request per resource, a few at a time). If the resources cannot all be listed, the type's coverage
 * is incomplete: a setting of a resource not seen must not be reported removed.
 */
async function* diagnosticSettings(
  context: CollectorContext,
  client: MonitorClient,
  targets: readonly string[],
  concurrency: number,
): AsyncIterable<JsonObject> {
  const resourceType = GOVERNANCE_TYPES.diagnosticSetting;
  const settingsOf = (scope: string) =>
    getRawList(context, {
      collector: NAME,
      resourceType,
      client,
      path: `${scope}/providers/Microsoft.Insights/diagnosticSettings`,
      apiVersion: DIAGNOSTIC_SETTINGS_API_VERSION,
    });
  async function* ofResources(): AsyncIterable<JsonObject> {
    if (targets.length === 0) return;
    const resources = getRawList(context, {
      collector: NAME,
      // Reported against diagnostic settings: without every resource, their settings are unknown.
      resourceType,
      client,
      path: `/subscriptions/${context.subscriptionId}/resources?$filter=${encodeURIComponent(resourceTypeFilter(targets))}`,
      apiVersion: RESOURCES_API_VERSION,
    });
    // The list holds envelopes only (id, name, type…): small enough to read whole before fanning out.
    const scopes: string[] = [];
    for await (const resource of resources) if (typeof resource.id === "string") scopes.push(resource.id);
    yield* mergeListings(scopes.map(settingsOf), { concurrency: Math.max(1, concurrency) });
  }
  yield* mergeListings([settingsOf(`/subscriptions/${context.subscriptionId}`), ofResources()]);
}
