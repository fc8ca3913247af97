/**
 * Where ARM's list of a type differs from the generic paged list of what a GET returns: properties
 * a list leaves out unless the request asks for them with `$expand`, lists that ARM answers in one
 * response. The replay server serves lists through these views, so a collector must ask and read as
 * it would in Azure.
 */
import type { JsonObject } from "@azure-drift/core";

/** How a list of one type differs. */
export interface ListView {
  /**
   * Items go out with their parent's id (the id minus its last two segments), in lists and GETs:
   * ARM's transparent data encryption carries the database's id under the name `current`.
   */
  parentId?: boolean;
  /** ARM type, lower-cased. */
  type: string;
  /** Properties (names under `properties`) the list omits. */
  omits?: string[];
  /** ARM returns the whole list in one response, never a `nextLink`. */
  unpaged?: boolean;
  /** An `$expand` value that brings them back (matched case-insensitively as a prefix), if any. */
  expand?: string;
}

/** The list views ARM has, by type. */
export const LIST_VIEWS: readonly ListView[] = [
  // `servers.list` returns the Entra administrator only with `$expand=administrators/activedirectory`.
  { type: "microsoft.sql/servers", omits: ["administrators"], expand: "administrators" },
  // Defender plans: one response (the SDK's `pricings.list` is not even a pager).
  { type: "microsoft.security/pricings", unpaged: true },
  // Activity-log alerts (2017-04-01) and diagnostic settings: one response, no `nextLink` (the SDK follows none).
  { type: "microsoft.insights/activitylogalerts", unpaged: true },
  { type: "microsoft.insights/diagnosticsettings", unpaged: true },
  // Recovery Services vaults: `vaults.listBySubscriptionId` has no soft delete, immutability or
  // multi-user authorization settings and no storage redundancy or cross-region restore; only a GET
  // of each vault returns them (no `$expand` brings them back).
  { type: "microsoft.recoveryservices/vaults", omits: ["securitySettings", "redundancySettings"] },
  // TDE: listed (and read) under the database's id, as in Microsoft's own example.
  { type: "microsoft.sql/servers/databases/transparentdataencryption", parentId: true },
];

/** Whether ARM answers a list of `type` (lower-cased) in one response. */
export function isUnpagedList(type: string): boolean {
  return LIST_VIEWS.some((view) => view.type === type && view.unpaged);
}

/**
 * The list view of `resource` (of lower-cased `type`) for a request with the given `$expand`: the
 * resource itself when no view applies, else a shallow copy without the omitted properties.
 */
export function inListView(type: string, resource: JsonObject, expand: string | null): JsonObject {
  const view = LIST_VIEWS.find((candidate) => candidate.type === type);
  if (!view?.omits) return resource;
  if (view.expand && expand?.toLowerCase().startsWith(view.expand.toLowerCase())) return resource;
  const properties = resource.properties;
  if (!properties || typeof properties !== "object" || Array.isArray(properties)) return resource;
  const kept = Object.fromEntries(Object.entries(properties).filter(([name]) => !view.omits?.includes(name)));
  return { ...resource, properties: kept };
}

/** `resource` with the id ARM serves for it (its parent's, for a `parentId` view), in lists and GETs alike. */
export function withServedId(resource: JsonObject): JsonObject {
  const type = String(resource.type).toLowerCase();
  if (typeof resource.id !== "string" || !LIST_VIEWS.some((view) => view.type === type && view.parentId))
    return resource;
  return { ...resource, id: resource.id.split("/").slice(0, -2).join("/") };
}
