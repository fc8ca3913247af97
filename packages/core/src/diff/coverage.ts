/**
 * Coverage lookups: was the (scope, collector, type) slice of a resource enumerated completely in a
 * snapshot? This is what keeps a 403 or a throttled page from turning into false "removed".
 */
import type { CoverageEntry, SnapshotMeta } from "../model.js";

/** What a snapshot says about one slice. */
export type SliceCoverage =
  | { state: "complete" }
  | { state: "incomplete"; reason: string }
  /** The snapshot never enumerated the slice (another subscription, collector or type). */
  | { state: "absent" };

const SEP = "\u0000";
const COMPLETE: SliceCoverage = { state: "complete" };
const ABSENT: SliceCoverage = { state: "absent" };

interface Tally {
  complete: boolean;
  incomplete?: CoverageEntry;
}

/**
 * An index over a snapshot's coverage. Types compare case-insensitively; a type of `*` covers every
 * type of its (scope, collector) — what an import of a full ARM listing declares.
 */
export class CoverageIndex {
  private readonly exact = new Map<string, CoverageEntry>();
  private readonly byScopeType = new Map<string, Tally>();

  constructor(readonly meta: SnapshotMeta) {
    for (const entry of meta.coverage ?? []) {
      const type = entry.type.toLowerCase();
      const scope = entry.scope.toLowerCase();
      const exactKey = scope + SEP + entry.collector + SEP + type;
      const previous = this.exact.get(exactKey);
      // Two entries for one slice: incomplete wins.
      if (!previous || previous.complete) this.exact.set(exactKey, entry);
      const tallyKey = scope + SEP + type;
      const tally = this.byScopeType.get(tallyKey) ?? { complete: false };
      if (entry.complete) tally.complete = true;
      else tally.incomplete ??= entry;
      this.byScopeType.set(tallyKey, tally);
    }
  }

  /**
   * The coverage of a resource's slice, as {@link lookupSlice}, except for tenant-level resources
   * (scope `""`: management-group role assignments, ids under `/providers/...`) in a snapshot of
   * subscriptions: those are seen through the subscriptions' listings, so their slice is complete
   * when every subscription's listing of the type by that collector was, even if none of them
   * happened to show one this time, and incomplete as soon as one was not.
   */
  lookup(scope: string, collector: string, type: string): SliceCoverage {
    const direct = this.lookupSlice(scope, collector, type);
    const subscriptions = this.meta.scopes;
    if (scope !== "" || direct.state === "incomplete" || subscriptions.length === 0) return direct;
    if (subscriptions.includes("")) return direct;
    for (const subscription of subscriptions) {
      const listing = this.lookupSlice(subscription.toLowerCase(), collector, type);
      if (listing.state === "incomplete") {
        return {
          state: "incomplete",
          reason: `seen through subscription ${subscription}'s listing, which was incomplete: ${listing.reason}`,
        };
      }
      if (listing.state === "absent") return direct.state === "complete" ? ABSENT : direct;
    }
    return COMPLETE;
  }

  /**
   * The coverage of one (scope, collector, type) slice as the snapshot states it. The entry of the
   * record's own collector decides; when this snapshot has none (its collector has another name,
   * e.g. one side is an ARM import), any complete entry for (scope, type) counts, provided no entry
   * for it is incomplete.
   */
  lookupSlice(scope: string, collector: string, type: string): SliceCoverage {
    const lowered = type.toLowerCase();
    const entry =
      this.exact.get(scope + SEP + collector + SEP + lowered) ??
      this.exact.get(`${scope + SEP + collector + SEP}*`);
    if (entry)
      return entry.complete
        ? COMPLETE
        : { state: "incomplete", reason: entry.reason ?? "enumeration incomplete" };
    for (const key of [scope + SEP + lowered, `${scope + SEP}*`]) {
      const tally = this.byScopeType.get(key);
      if (!tally) continue;
      if (tally.incomplete)
        return { state: "incomplete", reason: tally.incomplete.reason ?? "enumeration incomplete" };
      if (tally.complete) return COMPLETE;
    }
    return ABSENT;
  }

  /** The snapshot's incomplete slices. */
  incompleteEntries(): CoverageEntry[] {
    return (this.meta.coverage ?? []).filter((entry) => !entry.complete);
  }
}
