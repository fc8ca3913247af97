import type { CoverageEntry } from "../model.js";

/**
 * The coverage of tenant-level slices, made honest. Tenant-level resources (role assignments at a
 * management group, ids under `/providers/...`) are not listed on their own: each subscription's
 * listing shows those that apply to it. So their slice (scope `""`, or any scope outside the
 * snapshot's subscriptions) is complete only if every subscription's listing of that type by that
 * collector was: an assignment seen only through a subscription that returned a 403 this time must
 * not look removed.
 *
 * Returns `coverage` with such entries turned incomplete, saying which subscription's listing was not.
 */
export function tenantLevelCoverage(coverage: CoverageEntry[], scopes: readonly string[]): CoverageEntry[] {
  const subscriptions = new Set(scopes.map((scope) => scope.toLowerCase()));
  const sliceKey = (entry: CoverageEntry) => `${entry.collector}\u0000${entry.type.toLowerCase()}`;
  const incompleteListing = new Map<string, CoverageEntry>();
  for (const entry of coverage) {
    if (!entry.complete && subscriptions.has(entry.scope.toLowerCase())) {
      if (!incompleteListing.has(sliceKey(entry))) incompleteListing.set(sliceKey(entry), entry);
    }
  }
  if (incompleteListing.size === 0) return coverage;
  return coverage.map((entry) => {
    if (!entry.complete || subscriptions.has(entry.scope.toLowerCase())) return entry;
    const listing = incompleteListing.get(sliceKey(entry));
    if (!listing) return entry;
    return {
      ...entry,
      complete: false,
      reason: `${entry.type} outside the subscriptions is seen only through their listings, and subscription ${listing.scope}'s was incomplete (${listing.reason ?? "no reason given"})`,
    };
  });
}
