/**
 * The built-in role definitions as the identity collector sees them: it records, per subscription,
 * each built-in role that the subscription's role assignments reference (fetched at
 * `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`). The tenant holds
 * built-in roles once, at tenant level, so a change of assignments can add or remove such a record
 * without any change to a definition: the truth has to say so.
 */
import type { JsonObject } from "@azure-drift/core";
import { parseArmId, type Tenant } from "./tenant.js";
import { RESOURCE_TYPES, type TruthChange } from "./types.js";

const ROLE_ASSIGNMENT = RESOURCE_TYPES.roleAssignment.toLowerCase();
const BUILT_IN_PREFIX = "/providers/microsoft.authorization/roledefinitions/";

/** Per subscription (lower-cased id), the built-in role definitions its assignments reference, by lower-cased guid → name as served. */
export type ReferencedBuiltIns = Map<string, Map<string, string>>;

/** The built-in roles each subscription's role assignments reference (roles that exist at tenant level). */
export function referencedBuiltIns(tenant: Tenant): ReferencedBuiltIns {
  const referenced: ReferencedBuiltIns = new Map();
  for (const { subscriptionId } of tenant.subscriptions) referenced.set(subscriptionId, new Map());
  for (const [key, resource] of tenant.resources) {
    if (String(resource.type).toLowerCase() !== ROLE_ASSIGNMENT) continue;
    const { subscriptionId } = parseArmId(key);
    const roles = subscriptionId ? referenced.get(subscriptionId) : undefined;
    const roleId = (resource.properties as JsonObject | undefined)?.roleDefinitionId;
    if (!roles || typeof roleId !== "string") continue;
    const guid = roleId.slice(roleId.lastIndexOf("/") + 1).toLowerCase();
    const definition = tenant.resources.get(`${BUILT_IN_PREFIX}${guid}`);
    if (definition) roles.set(guid, String(definition.name ?? guid));
  }
  return referenced;
}

/** The per-subscription built-in role definitions that enter (`added`) or leave (`removed`) between two states. */
export function builtInRoleChanges(before: ReferencedBuiltIns, after: ReferencedBuiltIns): TruthChange[] {
  const changes: TruthChange[] = [];
  const change = (subscriptionId: string, name: string, status: "added" | "removed") => {
    const id = `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${name}`;
    changes.push({
      key: id.toLowerCase(),
      id,
      type: RESOURCE_TYPES.roleDefinition,
      subscriptionId,
      status,
      paths: [],
    });
  };
  for (const subscriptionId of new Set([...before.keys(), ...after.keys()])) {
    const then = before.get(subscriptionId) ?? new Map<string, string>();
    const now = after.get(subscriptionId) ?? new Map<string, string>();
    for (const [guid, name] of now) if (!then.has(guid)) change(subscriptionId, name, "added");
    for (const [guid, name] of then) if (!now.has(guid)) change(subscriptionId, name, "removed");
  }
  return changes;
}
