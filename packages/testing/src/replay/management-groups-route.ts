/**
 * The descendants of a management group, `GET /providers/Microsoft.Management/managementGroups/
 * {groupId}/descendants`: every group and subscription below it, at any depth, each naming its
 * parent, in ARM's `DescendantInfo` shape. Not a resource collection, so it has a route of its own.
 * The hierarchy comes from the tenant: each subscription's `managementGroups` chain, plus the groups
 * the tenant declares (an empty group has no subscription to name it). The tenant root group is
 * named after the tenant id, as ARM names it.
 */
import type { JsonObject } from "@azure-drift/core";
import type { Tenant } from "../tenant/tenant.js";

/** The lower-cased type path of the listing (`providers/Microsoft.Management/managementGroups/{id}/descendants`). */
export const DESCENDANTS_TYPE = "microsoft.management/managementgroups/descendants";

const GROUP_PREFIX = "/providers/Microsoft.Management/managementGroups/";

interface GroupNode {
  name: string;
  displayName: string;
  /** Lower-cased name of the parent; absent for the tenant root group. */
  parent?: string;
}

/** An item the pager can order. */
export interface DescendantItem {
  key: string;
  value: () => JsonObject;
}

/** The tenant's management groups by lower-cased name, each with its parent. */
function hierarchy(tenant: Tenant): Map<string, GroupNode> {
  const root = tenant.tenantId.toLowerCase();
  const groups = new Map<string, GroupNode>([
    [root, { name: tenant.tenantId, displayName: "Tenant Root Group" }],
  ]);
  for (const group of tenant.managementGroups ?? []) {
    const key = group.name.toLowerCase();
    if (key === root) continue;
    groups.set(key, {
      name: group.name,
      displayName: group.displayName ?? group.name,
      parent: group.parent?.toLowerCase() ?? root,
    });
  }
  for (const subscription of tenant.subscriptions) {
    const chain = subscription.managementGroups ?? [];
    chain.forEach((name, i) => {
      const key = name.toLowerCase();
      if (groups.has(key)) return;
      groups.set(key, { name, displayName: name, parent: chain[i + 1]?.toLowerCase() ?? root });
    });
  }
  return groups;
}

/** The lower-cased names of the groups from `group` up to the root, `group` first. */
function ancestry(groups: Map<string, GroupNode>, group: string): string[] {
  const chain: string[] = [];
  for (let current: string | undefined = group; current && !chain.includes(current); ) {
    chain.push(current);
    current = groups.get(current)?.parent;
  }
  return chain;
}

function parentOf(groups: Map<string, GroupNode>, key: string): JsonObject {
  return { id: `${GROUP_PREFIX}${groups.get(key)?.name ?? key}` };
}

/**
 * The descendants of `groupId` (any case), ordered by id; `undefined` when the tenant has no such
 * group (ARM then answers 403, as it does for a group the caller may not read).
 */
export function descendantItems(tenant: Tenant, groupId: string): DescendantItem[] | undefined {
  const groups = hierarchy(tenant);
  const wanted = groupId.toLowerCase();
  if (!groups.has(wanted)) return undefined;
  const root = tenant.tenantId.toLowerCase();
  const items: DescendantItem[] = [];
  for (const [key, group] of groups) {
    if (key === wanted || !group.parent || !ancestry(groups, group.parent).includes(wanted)) continue;
    const parent = group.parent;
    items.push({
      key: `${GROUP_PREFIX}${key}`.toLowerCase(),
      value: () => ({
        id: `${GROUP_PREFIX}${group.name}`,
        type: "Microsoft.Management/managementGroups",
        name: group.name,
        properties: { displayName: group.displayName, parent: parentOf(groups, parent) },
      }),
    });
  }
  for (const subscription of tenant.subscriptions) {
    const nearest = subscription.managementGroups?.[0]?.toLowerCase() ?? root;
    if (!ancestry(groups, nearest).includes(wanted)) continue;
    items.push({
      key: `/subscriptions/${subscription.subscriptionId}`,
      value: () => ({
        id: `/subscriptions/${subscription.subscriptionId}`,
        type: "Microsoft.Management/managementGroups/subscriptions",
        name: subscription.subscriptionId,
        properties: { displayName: subscription.displayName, parent: parentOf(groups, nearest) },
      }),
    });
  }
  return items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
