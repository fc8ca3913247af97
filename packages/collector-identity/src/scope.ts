import type { CollectorContext, JsonObject } from "@azure-drift/core";

/**
 * Whether an ARM id lies inside the subscription. Listings at subscription level also return objects
 * inherited from management groups and the tenant root; those belong to no subscription, and would
 * appear once per subscription (the same key in every scope) if they were kept.
 */
export function isInSubscription(id: unknown, subscriptionId: string): id is string {
  if (typeof id !== "string") return false;
  const prefix = `/subscriptions/${subscriptionId}/`;
  return id.length > prefix.length && id.slice(0, prefix.length).toLowerCase() === prefix;
}

const ASSIGNMENT_ABOVE =
  /^(\/providers\/Microsoft\.Management\/managementGroups\/[^/]+)?\/providers\/Microsoft\.Authorization\/(roleAssignments|denyAssignments)\/[^/]+$/i;

/**
 * Whether an ARM id is a role or deny assignment made at a management group or at the tenant root
 * (`/`): one that a subscription inherits, listed with the subscription's own.
 */
export function isAssignmentAbove(id: unknown): id is string {
  return typeof id === "string" && ASSIGNMENT_ABOVE.test(id);
}

/** The resource group and name of a user-assigned identity's ARM id. */
export function identityLocation(id: string): { resourceGroup: string; name: string } | undefined {
  const match =
    /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)\/?$/i.exec(
      id,
    );
  if (!match?.[1] || !match[2]) return undefined;
  return { resourceGroup: match[1], name: match[2] };
}

/** `item.properties[name]` when it is a string. */
export function stringProperty(item: JsonObject, name: string): string | undefined {
  const properties = item.properties;
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return undefined;
  const value = properties[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * A copy of the context whose coverage reporter also remembers which types were marked incomplete,
 * so the collector can tell when a listing another type depends on came back partial.
 */
export function trackCoverage(context: CollectorContext): {
  context: CollectorContext;
  incomplete: Set<string>;
} {
  const incomplete = new Set<string>();
  return {
    incomplete,
    context: {
      ...context,
      coverage: {
        incomplete(type, reason) {
          incomplete.add(type.toLowerCase());
          context.coverage.incomplete(type, reason);
        },
      },
    },
  };
}
