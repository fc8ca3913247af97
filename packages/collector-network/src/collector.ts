import type { NetworkManagementClient } from "@azure/arm-network";
import {
  armClientOptions,
  getResourceById,
  type ListOperationOptions,
  listRaw,
  mergeListings,
  type PagedList,
  readingOne,
} from "@azure-drift/arm";
import type { Collector, CollectorContext, JsonObject, ReadResourcesContext } from "@azure-drift/core";
import { DriftError, defineCollector, parseResourceId } from "@azure-drift/core";
import { NETWORK_TYPES, type NetworkResourceKind, networkResourceTypes } from "./resource-types.js";
import { networkRules } from "./rules.js";

/** The collector's name, as recorded in snapshots. */
export const NAME = "network";

/** The collector's version, as recorded in snapshots. */
export const VERSION = "0.1.0";

/** The api-version @azure/arm-network 36.0.0 sends for every operation the collector uses. */
export const NETWORK_API_VERSION = "2025-05-01";

/** Options of {@link networkCollector}. */
export interface NetworkCollectorOptions {
  /** Collect only these types (default: all of them). */
  include?: NetworkResourceKind[];
  /** A `Retry-After` longer than this fails the listing (coverage incomplete) instead of waiting. */
  maxRetryAfterMs?: number;
}

const ALL_KINDS = Object.keys(NETWORK_TYPES) as NetworkResourceKind[];

/**
 * The network collector: NSGs and rules, virtual networks and subnets, route tables, public IPs,
 * Azure firewalls, firewall policies and their rule collection groups, application gateways, WAF
 * policies and private endpoints of one subscription, through the real `@azure/arm-network` client.
 *
 * Each type is listed once at subscription level (rule collection groups once per firewall policy),
 * all listings side by side under the check's shared limiter; records are the raw ARM JSON.
 */
export function networkCollector(options: NetworkCollectorOptions = {}): Collector {
  const unknown = (options.include ?? []).filter((kind) => !ALL_KINDS.includes(kind));
  if (unknown.length > 0 || options.include?.length === 0) {
    throw new DriftError(
      "E_INPUT",
      `networkCollector: include names ${unknown.length ? `unknown types (${unknown.join(", ")})` : "no type"}; use some of ${ALL_KINDS.join(", ")}.`,
    );
  }
  const kinds = options.include ? ALL_KINDS.filter((kind) => options.include?.includes(kind)) : ALL_KINDS;
  // Rule collection groups are found through their policies.
  const listed =
    kinds.includes("ruleCollectionGroup") && !kinds.includes("firewallPolicy")
      ? [...kinds, "firewallPolicy" as const]
      : kinds;
  const createClient = async (context: CollectorContext): Promise<NetworkManagementClient> => {
    // The SDK is imported on first use, so loading this package stays cheap.
    const { NetworkManagementClient } = await import("@azure/arm-network");
    return new NetworkManagementClient(
      context.credential,
      context.subscriptionId,
      armClientOptions(
        context,
        NAME,
        options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs },
      ),
    );
  };
  return defineCollector({
    name: NAME,
    version: VERSION,
    domain: "network",
    types: kinds.map((kind) => networkResourceTypes[kind]),
    rules: networkRules,
    async *collect(context) {
      const client = await createClient(context);
      const listings = listed
        .filter((kind) => kind !== "ruleCollectionGroup")
        .map((kind) =>
          kind === "firewallPolicy"
            ? firewallPoliciesAndGroups(
                context,
                client,
                kinds.includes("firewallPolicy"),
                kinds.includes("ruleCollectionGroup"),
              )
            : list(context, kind, subscriptionListing(client, kind)),
        );
      yield* mergeListings(listings);
    },
    /**
     * One GET per resource; a firewall policy's rule collection groups are listed with it (one
     * listing per policy, as `collect` does). NSG rules, subnets and routes are read as part of
     * their parent, whose record holds them.
     */
    async *readResources(context, resourceIds) {
      const client = await createClient(context);
      yield* mergeListings(resourceIds.map((id) => readOne(context, client, id, kinds)));
    },
  });
}

/** A type's kind, matched case-insensitively. */
function kindOf(type: string | undefined): NetworkResourceKind | undefined {
  const lower = type?.toLowerCase();
  return ALL_KINDS.find((kind) => NETWORK_TYPES[kind].toLowerCase() === lower);
}

/** One resource by GET, and for a firewall policy its rule collection groups. */
async function* readOne(
  context: ReadResourcesContext,
  client: NetworkManagementClient,
  id: string,
  kinds: readonly NetworkResourceKind[],
): AsyncIterable<JsonObject> {
  const kind = kindOf(parseResourceId(id).type);
  if (kind === undefined) {
    context.unreadable(id, `collector ${NAME} reads no resource of this type.`);
    return;
  }
  const resource = await getResourceById(context, {
    collector: NAME,
    client,
    id,
    apiVersion: NETWORK_API_VERSION,
  });
  if (resource === undefined) return;
  if (kinds.includes(kind)) yield resource;
  if (kind !== "firewallPolicy" || !kinds.includes("ruleCollectionGroup")) return;
  const policy = parsePolicyId(resource.id ?? id);
  if (!policy) {
    context.unreadable(id, "The firewall policy's id has no resource group and name to list its groups.");
    return;
  }
  yield* list(readingOne(context, `${id}/ruleCollectionGroups`), "ruleCollectionGroup", (o) =>
    client.firewallPolicyRuleCollectionGroups.list(policy.resourceGroup, policy.name, o),
  );
}

type SubscriptionListing = (operationOptions: ListOperationOptions) => PagedList;

function subscriptionListing(
  client: NetworkManagementClient,
  kind: Exclude<NetworkResourceKind, "firewallPolicy" | "ruleCollectionGroup">,
): SubscriptionListing {
  switch (kind) {
    case "networkSecurityGroup":
      return (o) => client.networkSecurityGroups.listAll(o);
    case "virtualNetwork":
      return (o) => client.virtualNetworks.listAll(o);
    case "routeTable":
      return (o) => client.routeTables.listAll(o);
    case "publicIpAddress":
      return (o) => client.publicIPAddresses.listAll(o);
    case "azureFirewall":
      return (o) => client.azureFirewalls.listAll(o);
    case "applicationGateway":
      return (o) => client.applicationGateways.listAll(o);
    case "wafPolicy":
      return (o) => client.webApplicationFirewallPolicies.listAll(o);
    case "privateEndpoint":
      return (o) => client.privateEndpoints.listBySubscription(o);
  }
}

/** One listing, each item given its declared `type` if ARM left it out (rule collection groups do). */
async function* list(
  context: CollectorContext,
  kind: NetworkResourceKind,
  listing: SubscriptionListing,
): AsyncIterable<JsonObject> {
  const resourceType = NETWORK_TYPES[kind];
  for await (const item of listRaw(context, { collector: NAME, resourceType, list: listing })) {
    if (typeof item.type !== "string") item.type = resourceType;
    yield item;
  }
}

/**
 * Firewall policies (yielded if wanted), then the rule collection groups of each policy: one list per
 * policy, side by side. If the policy listing is incomplete, so is the groups' coverage.
 */
async function* firewallPoliciesAndGroups(
  context: CollectorContext,
  client: NetworkManagementClient,
  yieldPolicies: boolean,
  withGroups: boolean,
): AsyncIterable<JsonObject> {
  const policies: { resourceGroup: string; name: string }[] = [];
  let policiesIncomplete = false;
  const tracking: CollectorContext = {
    ...context,
    coverage: {
      incomplete(type, reason) {
        policiesIncomplete = true;
        if (yieldPolicies) context.coverage.incomplete(type, reason);
      },
    },
  };
  for await (const policy of list(tracking, "firewallPolicy", (o) => client.firewallPolicies.listAll(o))) {
    const parent = parsePolicyId(policy.id);
    if (parent) policies.push(parent);
    if (yieldPolicies) yield policy;
  }
  if (!withGroups) return;
  if (policiesIncomplete) {
    context.coverage.incomplete(
      NETWORK_TYPES.ruleCollectionGroup,
      "The firewall policies could not all be listed, so neither could their rule collection groups.",
    );
  }
  // One listing per policy, a few at a time: the limiter bounds requests, this bounds open listings.
  yield* mergeListings(
    policies.map(({ resourceGroup, name }) =>
      list(context, "ruleCollectionGroup", (o) =>
        client.firewallPolicyRuleCollectionGroups.list(resourceGroup, name, o),
      ),
    ),
    { concurrency: 8 },
  );
}

/** The resource group and name of a firewall policy from its ARM id. */
function parsePolicyId(id: unknown): { resourceGroup: string; name: string } | undefined {
  if (typeof id !== "string") return undefined;
  const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/firewallPolicies\/([^/]+)$/i.exec(
    id,
  );
  return match?.[1] && match[2]
    ? { resourceGroup: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) }
    : undefined;
}
