/**
 * An independent, deliberately simple structural comparison in the report's path syntax, used to
 * check the mutator's ground truth: keyed arrays by `name` (or a collector's declared key), primitive arrays as sets, volatile
 * fields ignored, ARM ids compared case-insensitively, missing = null = empty.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";

const VOLATILE = new Set([
  "etag",
  "provisioningState",
  "lastModifiedAt",
  "lastModifiedBy",
  "lastModifiedByType",
  // Policy objects' metadata stamps: an idempotent redeploy refreshes them.
  "updatedOn",
  "updatedBy",
  // The backup domain's: backup health, last-backup times and status, counts and scores.
  "bcdrSecurityLevel",
  "secureScore",
  "monitoringSummary",
  "protectedItemsCount",
  "lastBackupTime",
  "lastBackupStatus",
  "lastRecoveryPoint",
  "healthStatus",
  "protectionStatus",
  "lastUpdateStatus",
  "lastUpdatedTime",
  "minRestoreTime",
]);

/** Key fields of arrays of objects besides `name`, as collectors declare them; `a|b` is whichever an element has. */
const KEYS = ["policyDefinitionReferenceId", "category|categoryGroup"];

/** An element's key (`field=value`) by one key spec, or undefined when it has none. */
function keyOf(item: JsonValue | undefined, spec: string): string | undefined {
  if (!item || typeof item !== "object" || Array.isArray(item)) return undefined;
  for (const field of spec.split("|")) {
    const value = (item as JsonObject)[field];
    if (typeof value === "string") return `${field}=${value}`;
  }
  return undefined;
}

/** What Azure changes by itself on some types (key rotation, a disk attached or detached), by lower-cased type. */
const VOLATILE_PATHS: Record<string, readonly string[]> = {
  "microsoft.keyvault/vaults/keys": [
    "properties.keyUriWithVersion",
    "properties.attributes.created",
    "properties.attributes.updated",
    "properties.rotationPolicy.attributes.updated",
  ],
  "microsoft.keyvault/managedhsms": ["properties.statusMessage"],
  "microsoft.compute/diskencryptionsets": ["properties.lastKeyRotationTimestamp", "properties.previousKeys"],
  "microsoft.compute/disks": ["managedBy", "properties.diskState", "properties.LastOwnershipUpdateTime"],
  "microsoft.storage/storageaccounts/encryptionscopes": [
    "properties.lastModifiedTime",
    "properties.keyVaultProperties.currentVersionedKeyIdentifier",
    "properties.keyVaultProperties.lastKeyRotationTimestamp",
  ],
};

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
  volatilePaths: ReadonlySet<string> = new Set(),
): void {
  if (volatilePaths.has(path)) return;
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
    const spec = ["name", ...KEYS].find((candidate) =>
      [...before, ...after].every((item) => keyOf(item, candidate) !== undefined),
    );
    if (!spec) {
      for (let i = 0; i < Math.max(before.length, after.length); i++)
        diff(before[i], after[i], `${path}[${i}]`, out, volatilePaths);
      return;
    }
    const byKey = (items: JsonValue[]) => new Map(items.map((item) => [keyOf(item, spec) as string, item]));
    const a = byKey(before);
    const b = byKey(after);
    for (const key of new Set([...a.keys(), ...b.keys()]))
      diff(a.get(key), b.get(key), `${path}[${key}]`, out, volatilePaths);
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
      diff(a[key], b[key], path ? `${path}.${key}` : key, out, volatilePaths);
    }
    return;
  }
  if (canonical(before as JsonValue) !== canonical(after as JsonValue)) out.add(path);
}

/** The changed paths between two versions of a resource, sorted. */
export function changedPaths(before: JsonObject, after: JsonObject): string[] {
  const out = new Set<string>();
  diff(
    before,
    after,
    "",
    out,
    new Set(VOLATILE_PATHS[String(after.type ?? before.type).toLowerCase()] ?? []),
  );
  return [...out].sort();
}
