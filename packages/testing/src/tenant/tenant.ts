import type { JsonObject } from "@azure-drift/core";

/** A subscription of a replay tenant. */
export interface TenantSubscription {
  /** Lower-case GUID. */
  subscriptionId: string;
  displayName: string;
  state?: "Enabled" | "Disabled" | "Warned";
  /**
   * The names of the management groups above the subscription, nearest first (the tenant root
   * group above them all is implied). Role and deny assignments at these groups, and at `/`, are
   * listed with the subscription's own, as ARM lists what applies to a scope.
   */
  managementGroups?: string[];
}

/**
 * A management group of a replay tenant. The groups named in subscriptions' `managementGroups`
 * chains exist without being declared; declare a group to give it a display name or a parent, or
 * to have a group with no subscription below it.
 */
export interface TenantManagementGroup {
  /** The group's name (its id in ARM paths). */
  name: string;
  displayName?: string;
  /** The parent group's name; default the tenant root group (named after the tenant id). */
  parent?: string;
}

/**
 * The map of a tenant's resources, keyed by lower-cased ARM id. It counts its writes, so the
 * replay server can keep an index by type and rebuild it only after a resource is added or removed.
 * Editing a resource's JSON in place needs no notice (the server serializes it on every request),
 * as long as its `id` and `type` stay the same; to change those, `set` it again.
 */
export class ResourceMap extends Map<string, JsonObject> {
  /** Bumped by every `set`, `delete` and `clear`. */
  version = 0;

  override set(key: string, value: JsonObject): this {
    this.version++;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.version++;
    return super.delete(key);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

/**
 * A synthetic Azure tenant: its subscriptions and its resources, as the ARM REST API returns them.
 * The replay server serves it live: change it between two collections to create drift.
 */
export interface Tenant {
  tenantId: string;
  subscriptions: TenantSubscription[];
  /** Resources by lower-cased ARM id. Tenant-level ones (built-in role definitions) have no subscription. */
  resources: ResourceMap;
  /** Activity Log events (ARM's `EventData` shape), served per subscription; see `recordActivity`. */
  activityLog?: JsonObject[];
  /** Management groups beyond those the subscriptions' chains name (served as a group's descendants). */
  managementGroups?: TenantManagementGroup[];
}

/** Creates a tenant from its parts; `resources` may be any iterable of ARM resource objects with an `id`. */
export function createTenant(init: {
  tenantId: string;
  subscriptions: TenantSubscription[];
  resources?: Iterable<JsonObject>;
  managementGroups?: TenantManagementGroup[];
}): Tenant {
  const tenant: Tenant = {
    tenantId: init.tenantId,
    subscriptions: init.subscriptions.map((subscription) => ({
      ...subscription,
      subscriptionId: subscription.subscriptionId.toLowerCase(),
    })),
    resources: new ResourceMap(),
    ...(init.managementGroups
      ? { managementGroups: init.managementGroups.map((group) => ({ ...group })) }
      : {}),
  };
  for (const resource of init.resources ?? []) putResource(tenant, resource);
  return tenant;
}

/** Adds or replaces a resource, keyed by its lower-cased `id`. */
export function putResource(tenant: Tenant, resource: JsonObject): void {
  if (typeof resource.id !== "string" || typeof resource.type !== "string") {
    throw new TypeError("putResource: a resource needs a string `id` and `type`.");
  }
  tenant.resources.set(resource.id.toLowerCase(), resource);
}

/** Removes a resource by id (any case); returns whether it existed. */
export function removeResource(tenant: Tenant, id: string): boolean {
  return tenant.resources.delete(id.toLowerCase());
}

/** A deep copy that shares nothing with the original. */
export function cloneTenant(tenant: Tenant): Tenant {
  const copy = createTenant({
    tenantId: tenant.tenantId,
    subscriptions: tenant.subscriptions.map((subscription) => ({ ...subscription })),
    resources: [...tenant.resources.values()].map((resource) => structuredClone(resource)),
    ...(tenant.managementGroups ? { managementGroups: tenant.managementGroups } : {}),
  });
  if (tenant.activityLog) copy.activityLog = structuredClone(tenant.activityLog);
  return copy;
}

/** The parts of an ARM id that matter here, lower-cased. */
export interface ParsedArmId {
  subscriptionId?: string;
  resourceGroup?: string;
}

/** The subscription and resource group of an ARM id (lower-cased), when it has them. */
export function parseArmId(id: string): ParsedArmId {
  const segments = id.toLowerCase().split("/");
  const parsed: ParsedArmId = {};
  if (segments[1] === "subscriptions" && segments[2]) parsed.subscriptionId = segments[2];
  if (segments[3] === "resourcegroups" && segments[4]) parsed.resourceGroup = segments[4];
  return parsed;
}

/**
 * The tenant's resources of some types (ARM type names, any case), optionally in one subscription,
 * in id order. Tenant-level resources (built-in role definitions) belong to no subscription.
 */
export function resourcesOf(
  tenant: Tenant,
  filter: { types?: readonly string[]; subscriptionId?: string } = {},
): JsonObject[] {
  const types = filter.types ? new Set(filter.types.map((type) => type.toLowerCase())) : undefined;
  const subscription = filter.subscriptionId?.toLowerCase();
  const out: [string, JsonObject][] = [];
  for (const [key, resource] of tenant.resources) {
    if (types && !types.has(String(resource.type).toLowerCase())) continue;
    if (subscription !== undefined && parseArmId(key).subscriptionId !== subscription) continue;
    out.push([key, resource]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, resource]) => resource);
}
