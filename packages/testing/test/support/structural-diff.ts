/**
 * An independent, deliberately simple structural comparison in the report's path syntax, used to
 * check the mutator's ground truth: keyed arrays by `name`, primitive arrays as sets, volatile
 * fields ignored, ARM ids compared case-insensitively, missing = null = empty.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";

const VOLATILE = new Set([
  "etag",
  "provisioningState",
  "lastModifiedAt",
  "lastModifiedBy",
  "lastModifiedByType",
]);

function isEmpty(value: JsonValue | undefined): boolean {
  return (
    value === undefined ||
    value === null ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

function canonical(value: JsonValue): string {
  if (typeof value === "string")
    return value.startsWith("/subscriptions/") || value.startsWith("/providers/")
      ? value.toLowerCase()
      : value;
  return JSON.stringify(value);
}

function diff(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: string,
  out: Set<string>,
): void {
  if (isEmpty(before) && isEmpty(after)) return;
  if (isEmpty(before) || isEmpty(after)) {
    out.add(path);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const objects = [...before, ...after].every(
      (item) => item && typeof item === "object" && !Array.isArray(item),
    );
    if (!objects) {
      const a = new Set(before.map(canonical));
      const b = new Set(after.map(canonical));
      if (a.size !== b.size || [...a].some((item) => !b.has(item))) out.add(path);
      return;
    }
    const named = [...before, ...after].every((item) => typeof (item as JsonObject).name === "string");
    if (!named) {
      for (let i = 0; i < Math.max(before.length, after.length); i++)
        diff(before[i], after[i], `${path}[${i}]`, out);
      return;
    }
    const byName = (items: JsonValue[]) =>
      new Map(items.map((item) => [String((item as JsonObject).name), item]));
    const a = byName(before);
    const b = byName(after);
    for (const name of new Set([...a.keys(), ...b.keys()]))
      diff(a.get(name), b.get(name), `${path}[name=${name}]`, out);
    return;
  }
  if (
    typeof before === "object" &&
    typeof after === "object" &&
    !Array.isArray(before) &&
    !Array.isArray(after)
  ) {
    const a = before as JsonObject;
    const b = after as JsonObject;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (VOLATILE.has(key)) continue;
      diff(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (canonical(before as JsonValue) !== canonical(after as JsonValue)) out.add(path);
}

/** The changed paths between two versions of a resource, sorted. */
export function changedPaths(before: JsonObject, after: JsonObject): string[] {
  const out = new Set<string>();
  diff(before, after, "", out);
  return [...out].sort();
}
