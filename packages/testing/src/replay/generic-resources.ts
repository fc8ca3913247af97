/**
 * `GET /subscriptions/{id}/resources`: ARM's generic list of a subscription's top-level resources,
 * with `$filter=resourceType eq '…' or resourceType eq '…'`. Items carry the envelope only (id,
 * name, type, location, tags, kind, sku, managedBy), never `properties`, as ARM lists them.
 */
import type { JsonObject } from "@azure-drift/core";

const ENVELOPE = ["id", "name", "type", "kind", "location", "managedBy", "sku", "tags"] as const;

/** Whether a lower-cased id is a top-level resource in a resource group: `/subscriptions/{s}/resourcegroups/{g}/providers/{ns}/{type}/{name}`. */
export function isTopLevelResource(key: string): boolean {
  const segments = key.split("/");
  return segments.length === 9 && segments[3] === "resourcegroups" && segments[5] === "providers";
}

/** The resource types a `$filter` asks for (lower-cased), or undefined for all of them. */
export function resourceTypesOf(filter: string | null): Set<string> | undefined {
  if (!filter) return undefined;
  const types = [...filter.matchAll(/resourceType\s+eq\s+'([^']+)'/gi)].map((match) =>
    (match[1] ?? "").toLowerCase(),
  );
  return types.length ? new Set(types) : undefined;
}

/** A resource as the generic list shows it. */
export function envelope(resource: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const field of ENVELOPE) {
    const value = resource[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}
