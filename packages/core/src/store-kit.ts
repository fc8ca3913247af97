/**
 * Rules every Store shares, for store authors: how list queries are checked and applied and what a
 * record must carry. Using them keeps a store's behaviour identical to the others' (the store
 * conformance suite checks the same rules).
 */
import { DriftError } from "./errors.js";
import type { ResourceRecord, SnapshotMeta } from "./model.js";
import type { ListQuery, PruneOptions } from "./store.js";

/** A checked time range: epoch milliseconds, `since` inclusive, `until` exclusive. */
export interface TimeRange {
  since?: number;
  until?: number;
}

function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new DriftError("E_INPUT", `${name} must be an ISO time; got ${JSON.stringify(value)}.`);
  }
  return time;
}

/** Checks a list query's `limit`, `since` and `until`; throws `E_INPUT` naming the bad field. */
export function checkListQuery(query: Omit<ListQuery, "scope">): TimeRange {
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
    throw new DriftError("E_INPUT", `limit must be a whole number ≥ 0; got ${String(query.limit)}.`);
  }
  return { since: parseTime(query.since, "since"), until: parseTime(query.until, "until") };
}

/** Whether an ISO time lies in a range from {@link checkListQuery}. */
export function isInTimeRange(time: string, range: TimeRange): boolean {
  const value = Date.parse(time);
  return (
    (range.since === undefined || value >= range.since) && (range.until === undefined || value < range.until)
  );
}

/** Orders snapshots newest first by `startedAt`, then by id, so equal times still sort the same everywhere. */
export function newestFirst(a: SnapshotMeta, b: SnapshotMeta): number {
  return Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Applies a list query (scope, time range, limit) to snapshot metadata, newest first. */
export function selectSnapshots(metas: Iterable<SnapshotMeta>, query: ListQuery = {}): SnapshotMeta[] {
  const range = checkListQuery(query);
  const scope = query.scope?.toLowerCase();
  const selected = [...metas]
    .filter((meta) => scope === undefined || meta.scopes.some((item) => item.toLowerCase() === scope))
    .filter((meta) => isInTimeRange(meta.startedAt, range))
    .sort(newestFirst);
  return query.limit === undefined ? selected : selected.slice(0, query.limit);
}

/**
 * The records of one `SnapshotWriter.write` call as an array, each checked with
 * {@link assertStorableRecord}: a write takes one record or many, and stores check a batch whole
 * before writing any of it.
 *
 * @throws DriftError `E_INPUT` for a record a store cannot keep.
 */
export function storableBatch(
  records: ResourceRecord | readonly ResourceRecord[],
): readonly ResourceRecord[] {
  const batch = Array.isArray(records) ? (records as readonly ResourceRecord[]) : [records as ResourceRecord];
  for (const record of batch) assertStorableRecord(record);
  return batch;
}

/** Throws `E_INPUT` unless a record has what every store needs: a key, a hash and a config object. */
export function assertStorableRecord(record: ResourceRecord): void {
  if (
    typeof record !== "object" ||
    record === null ||
    typeof record.key !== "string" ||
    typeof record.hash !== "string" ||
    record.hash.length === 0 ||
    typeof record.config !== "object" ||
    record.config === null
  ) {
    throw new DriftError(
      "E_INPUT",
      "Every record needs a string `key`, a non-empty `hash` and an object `config` (build records with createRecord).",
    );
  }
}

/**
 * Checks `prune` options (`E_INPUT` without `keepLast` and `olderThan`, or with bad values) and
 * answers the snapshots to remove: of those covering `scope` (all without one), newest first,
 * all but the first `keepLast`, finished before `olderThan`, and never one a baseline pins.
 */
export function selectForPrune(
  metas: Iterable<SnapshotMeta>,
  options: Pick<PruneOptions, "keepLast" | "olderThan" | "scope">,
  pinned: ReadonlySet<string>,
): SnapshotMeta[] {
  const { keepLast, olderThan, scope } = options ?? {};
  if (keepLast === undefined && olderThan === undefined) {
    throw new DriftError(
      "E_INPUT",
      "prune needs keepLast, olderThan or both; without them it would remove everything.",
    );
  }
  if (keepLast !== undefined && (!Number.isInteger(keepLast) || keepLast < 0)) {
    throw new DriftError("E_INPUT", `keepLast must be a whole number ≥ 0; got ${String(keepLast)}.`);
  }
  const cutoff = parseTime(olderThan, "olderThan");
  const wanted = scope?.toLowerCase();
  return [...metas]
    .filter((meta) => wanted === undefined || meta.scopes.some((item) => item.toLowerCase() === wanted))
    .sort(newestFirst)
    .slice(keepLast ?? 0)
    .filter((meta) => cutoff === undefined || Date.parse(meta.finishedAt) < cutoff)
    .filter((meta) => !pinned.has(meta.id));
}
