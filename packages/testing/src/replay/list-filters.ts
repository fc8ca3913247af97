/**
 * Where ARM's lists differ from "every resource of the type under the scope": extension resources
 * listed at exactly the scope asked, and `$filter`s on a property that a list honours (lists that
 * leave properties out or come in one response are in list-views.ts). Data-driven,
 * so another type with the same behaviour is one more entry.
 */
import type { JsonObject } from "@azure-drift/core";

/**
 * Extension resource types that ARM lists at exactly the scope in the URL: the subscription's
 * diagnostic settings are not those of its resources, though their ids start alike.
 */
export const EXACT_SCOPE_TYPES: ReadonlySet<string> = new Set(["microsoft.insights/diagnosticsettings"]);

/** Whether `key` (lower-cased id) is an extension resource made at the scope whose key prefix (ending in `/`) is `prefix`. */
export function isDirectlyAt(key: string, prefix: string): boolean {
  // `{scope}/providers/{namespace}/{type}/{name}`
  return key.startsWith(prefix) && key.slice(prefix.length).split("/").length === 4;
}

/** `$filter=<field> eq '<value>'` that lists of a type honour, by lower-cased type: the property compared. */
const PROPERTY_FILTERS: Readonly<Record<string, { field: string; property: string }>> = {
  "microsoft.authorization/policydefinitions": { field: "policyType", property: "policyType" },
  "microsoft.authorization/policysetdefinitions": { field: "policyType", property: "policyType" },
};

/** The predicate a list's `$filter` sets on its items, if the type honours one and the URL has it. */
export function propertyFilter(
  type: string,
  url: URL,
): ((resource: JsonObject | undefined) => boolean) | undefined {
  const known = PROPERTY_FILTERS[type];
  const filter = url.searchParams.get("$filter");
  if (!known || !filter) return undefined;
  const match = new RegExp(`${known.field}\\s+eq\\s+'([^']*)'`, "i").exec(filter);
  if (!match) return undefined;
  const wanted = (match[1] ?? "").toLowerCase();
  return (resource) => {
    const properties = resource?.properties as JsonObject | undefined;
    return String(properties?.[known.property] ?? "").toLowerCase() === wanted;
  };
}
