/**
 * The diff engine: two snapshots in, a {@link DriftReport} out.
 *
 * Hash first: a resource whose key and hash are the same on both sides costs one string compare;
 * only resources whose hash differs are walked field by field. Coverage decides what a missing
 * resource means: `removed` / `added` only when the slice was enumerated completely on both sides,
 * otherwise an `unknown` entry that says why. Severity comes from the rule engine.
 */
import { randomBytes } from "node:crypto";
import { DriftError, throwIfAborted } from "../errors.js";
import type {
  CoverageEntry,
  DriftReport,
  FieldChange,
  JsonObject,
  ReportSide,
  ResourceDrift,
  ResourceRecord,
  Severity,
  SnapshotMeta,
  SuppressedFinding,
  UnknownEntry,
} from "../model.js";
import { SEVERITIES } from "../model.js";
import { compiledHintsFor, createTypeRegistry, type TypeRegistry } from "../normalize/hints.js";
import type { OperationOptions } from "../operation.js";
import { rawJsonOf } from "../record.js";
import { createRuleEngine, type RuleEngine } from "../rules/engine.js";
import { compilePathGlob, parseChangePath } from "../rules/engine-paths.js";
import type { RuleOptions, SeverityRule } from "../rules/types.js";
import type { RecordIndexEntry, Store } from "../store.js";

/** The part of a {@link Store} a stored diff reads, and the optional {@link IndexComparer}. */
export type DiffSource = Pick<
  Store,
  "getSnapshot" | "readIndex" | "readIndexBatches" | "readRecords" | "readConfigs"
> &
  Partial<IndexComparer>;

/** What differs between two snapshots' indexes: the only entries a diff needs whole. */
export interface IndexComparison {
  /** Keys in both snapshots whose hashes differ, in the current snapshot's order. */
  modified: { base: RecordIndexEntry; current: RecordIndexEntry }[];
  /** Entries only the current snapshot has, in its order. */
  added: RecordIndexEntry[];
  /** Entries only the base snapshot has, in its order. */
  removed: RecordIndexEntry[];
}

/**
 * Optional capability of a store: compares two snapshots' indexes itself (by key, then hash) and
 * returns only what differs, so a diff of two 100k-resource snapshots need not turn 200k index
 * entries into objects and maps. {@link diffStoredSnapshots} uses it when the store has it, and
 * reads both indexes whole when it is missing or resolves `undefined` (the store cannot tell for
 * these two snapshots, e.g. an older layout); both ways give the same report.
 */
export interface IndexComparer {
  compareIndexes(
    tenantId: string,
    baseSnapshotId: string,
    currentSnapshotId: string,
    options?: OperationOptions,
  ): Promise<IndexComparison | undefined>;
}

import { CoverageIndex, type SliceCoverage } from "./coverage.js";
import { diffConfigs } from "./field-diff.js";

/** The version of the report format this release writes; see docs/report-format.md. */
export const REPORT_FORMAT_VERSION = 1;

/** A snapshot in memory: its metadata and its records (an array, or any iterable read once). */
export interface SnapshotData {
  meta: SnapshotMeta;
  records: Iterable<ResourceRecord>;
}

/** Options of {@link diffSnapshots} and {@link diffStoredSnapshots}. */
export interface DiffOptions {
  /** The type registry the records were normalized with (array keys, sets). Default: core's defaults. */
  registry?: TypeRegistry;
  /** Users' rules, overrides, suppressions and default severity. */
  rules?: RuleOptions;
  /** The collectors' severity rules. */
  collectorRules?: SeverityRule[];
  /** A rule engine built elsewhere; replaces `rules` and `collectorRules`. */
  ruleEngine?: RuleEngine;
  /** Change-path globs to leave out of the report (`properties.tags.*`, `**.lastSyncTime`). */
  ignore?: string[];
  /** Leave out changes and resources below this severity. */
  minSeverity?: Severity;
  /** How the report names its sides; default: the snapshots' ids and finish times. */
  base?: ReportSide;
  current?: ReportSide;
  /** The report id; default a time-sortable random id. */
  reportId?: string;
  /** The report's clock. */
  now?: Date;
}

/** The per-record facts the planning step needs. */
type IndexEntry = Pick<RecordIndexEntry, "key" | "hash" | "id" | "type" | "collector" | "subscriptionId">;

/** The keys whose hashes differ and the entries only one side has, each in its snapshot's order. */
interface Differences {
  modified: string[];
  onlyCurrent: Iterable<IndexEntry>;
  onlyBase: Iterable<IndexEntry>;
}

/** What to compare, decided from the two indexes and the coverage alone. */
interface Plan {
  modified: string[];
  added: IndexEntry[];
  removed: IndexEntry[];
  unknown: UnknownEntry[];
  notices: string[];
}

let defaultRegistry: TypeRegistry | undefined;

function registryOf(options: DiffOptions): TypeRegistry {
  if (options.registry) return options.registry;
  defaultRegistry ??= createTypeRegistry();
  return defaultRegistry;
}

/**
 * Compares two snapshots held in memory (files, tests, imports).
 *
 * Records are assumed normalized with `options.registry` (as {@link createRecord} does); their
 * hashes are trusted. See docs/report-format.md for what the report says.
 */
export function diffSnapshots(
  base: SnapshotData,
  current: SnapshotData,
  options: DiffOptions = {},
): DriftReport {
  const baseRecords = recordMap(base.records);
  const currentRecords = recordMap(current.records);
  const plan = planDiff(base.meta, current.meta, compareMaps(baseRecords, currentRecords));
  return buildReport(plan, base.meta, current.meta, baseRecords, currentRecords, options);
}

/**
 * Compares two stored snapshots, the path `check` takes: reads both indexes (key → hash), then
 * reads records only for the keys that were modified, added or removed, so its cost follows the
 * churn, not the size of the estate.
 *
 * @throws DriftError `E_NOT_FOUND` when a snapshot does not exist; store errors as the store throws them.
 */
export async function diffStoredSnapshots(
  store: DiffSource,
  tenantId: string,
  baseSnapshotId: string,
  currentSnapshotId: string,
  options: DiffOptions & OperationOptions = {},
): Promise<DriftReport> {
  const { signal } = options;
  throwIfAborted(signal);
  const [baseMeta, currentMeta] = await Promise.all([
    store.getSnapshot(tenantId, baseSnapshotId),
    store.getSnapshot(tenantId, currentSnapshotId),
  ]);
  for (const [id, meta] of [
    [baseSnapshotId, baseMeta],
    [currentSnapshotId, currentMeta],
  ] as const) {
    if (!meta) {
      throw new DriftError(
        "E_NOT_FOUND",
        `Snapshot ${id} does not exist for tenant ${tenantId}; list the tenant's snapshots and pick an existing id.`,
        { details: { tenantId, snapshotId: id } },
      );
    }
  }
  const comparison = await store.compareIndexes?.(tenantId, baseSnapshotId, currentSnapshotId, { signal });
  const { baseIndex, currentIndex, differences } = comparison
    ? fromComparison(comparison)
    : await compareStoredIndexes(store, tenantId, baseSnapshotId, currentSnapshotId, signal);
  throwIfAborted(signal);
  const plan = planDiff(baseMeta!, currentMeta!, differences);
  const baseKeys = [...plan.modified, ...plan.removed.map((entry) => entry.key)];
  const currentKeys = [...plan.modified, ...plan.added.map((entry) => entry.key)];
  const [baseRecords, currentRecords] = store.readConfigs
    ? await readChangedByHash(
        store.readConfigs.bind(store),
        tenantId,
        [
          [baseKeys, baseIndex],
          [currentKeys, currentIndex],
        ],
        signal,
      )
    : await Promise.all([
        readChangedByKey(store, tenantId, baseSnapshotId, baseKeys, signal),
        readChangedByKey(store, tenantId, currentSnapshotId, currentKeys, signal),
      ]);
  throwIfAborted(signal);
  for (const [keys, records, snapshotId] of [
    [baseKeys, baseRecords, baseSnapshotId],
    [currentKeys, currentRecords, currentSnapshotId],
  ] as const) {
    const missing = keys.find((key) => !records.has(key));
    if (missing !== undefined) {
      throw new DriftError(
        "E_STORE_CORRUPT",
        `Snapshot ${snapshotId} lists ${missing} in its index but the store returned no record for it; the store is damaged, restore it or take a new snapshot.`,
        { details: { tenantId, snapshotId, key: missing } },
      );
    }
  }
  const report = buildReport(plan, baseMeta!, currentMeta!, baseRecords, currentRecords, options);
  options.onProgress?.({
    type: "diff-finished",
    added: report.summary.added,
    removed: report.summary.removed,
    modified: report.summary.modified,
    unknown: report.summary.unknown,
  });
  return report;
}

/** Two indexes (or the parts of them a diff needs) by key, and what differs between them. */
interface IndexedSides {
  baseIndex: ReadonlyMap<string, RecordIndexEntry>;
  currentIndex: ReadonlyMap<string, RecordIndexEntry>;
  differences: Differences;
}

/** Reads both indexes whole and compares them in memory: for stores without `compareIndexes`. */
async function compareStoredIndexes(
  store: DiffSource,
  tenantId: string,
  baseSnapshotId: string,
  currentSnapshotId: string,
  signal: AbortSignal | undefined,
): Promise<IndexedSides> {
  const readIndex = async (snapshotId: string): Promise<Map<string, RecordIndexEntry>> => {
    const index = new Map<string, RecordIndexEntry>();
    if (store.readIndexBatches) {
      for await (const batch of store.readIndexBatches(tenantId, snapshotId, { signal })) {
        for (const entry of batch) index.set(entry.key, entry);
      }
    } else {
      for await (const entry of store.readIndex(tenantId, snapshotId, { signal }))
        index.set(entry.key, entry);
    }
    return index;
  };
  const [baseIndex, currentIndex] = await Promise.all([
    readIndex(baseSnapshotId),
    readIndex(currentSnapshotId),
  ]);
  return { baseIndex, currentIndex, differences: compareMaps(baseIndex, currentIndex) };
}

/** A store's comparison as the diff uses it: the entries it names, by key. */
function fromComparison(comparison: IndexComparison): IndexedSides {
  const baseIndex = new Map<string, RecordIndexEntry>();
  const currentIndex = new Map<string, RecordIndexEntry>();
  for (const { base, current } of comparison.modified) {
    baseIndex.set(base.key, base);
    currentIndex.set(current.key, current);
  }
  for (const entry of comparison.removed) baseIndex.set(entry.key, entry);
  for (const entry of comparison.added) currentIndex.set(entry.key, entry);
  return {
    baseIndex,
    currentIndex,
    differences: {
      modified: comparison.modified.map(({ current }) => current.key),
      onlyCurrent: comparison.added,
      onlyBase: comparison.removed,
    },
  };
}

/** Compares two indexes held by key. */
function compareMaps(
  baseIndex: ReadonlyMap<string, IndexEntry>,
  currentIndex: ReadonlyMap<string, IndexEntry>,
): Differences {
  const modified: string[] = [];
  const onlyCurrent: IndexEntry[] = [];
  for (const [key, entry] of currentIndex) {
    const before = baseIndex.get(key);
    if (!before) {
      onlyCurrent.push(entry);
      continue;
    }
    // Lazy records of ARM imports: the same raw JSON is the same config, without normalizing either.
    const rawBefore = rawJsonOf(before);
    if (rawBefore !== undefined && rawBefore === rawJsonOf(entry)) continue;
    if (before.hash !== entry.hash) modified.push(key);
  }
  const onlyBase: IndexEntry[] = [];
  for (const [key, entry] of baseIndex) if (!currentIndex.has(key)) onlyBase.push(entry);
  return { modified, onlyCurrent, onlyBase };
}

/** Reads changed records through the index entries already in hand and the documents they name. */
async function readChangedByHash(
  readConfigs: NonNullable<Store["readConfigs"]>,
  tenantId: string,
  sides: readonly [Side, Side],
  signal: AbortSignal | undefined,
): Promise<[Map<string, ResourceRecord>, Map<string, ResourceRecord>]> {
  const hashes = new Set<string>();
  for (const [keys, index] of sides) for (const key of keys) hashes.add(index.get(key)!.hash);
  const configs = new Map<string, JsonObject>();
  for await (const { hash, config } of readConfigs(tenantId, hashes, { signal })) configs.set(hash, config);
  const recordsOf = ([keys, index]: Side) => {
    const records = new Map<string, ResourceRecord>();
    for (const key of keys) {
      const entry = index.get(key)!;
      const config = configs.get(entry.hash);
      if (config) records.set(key, { ...entry, config });
    }
    return records;
  };
  return [recordsOf(sides[0]), recordsOf(sides[1])];
}

/** Keys to read from one snapshot, and that snapshot's index. */
type Side = readonly [keys: string[], index: ReadonlyMap<string, RecordIndexEntry>];

/** Reads changed records by key: for stores without `readConfigs`. */
async function readChangedByKey(
  store: DiffSource,
  tenantId: string,
  snapshotId: string,
  keys: string[],
  signal: AbortSignal | undefined,
): Promise<Map<string, ResourceRecord>> {
  const records = new Map<string, ResourceRecord>();
  if (keys.length === 0) return records;
  for await (const record of store.readRecords(tenantId, snapshotId, { keys, signal })) {
    records.set(record.key, record);
  }
  return records;
}

function recordMap(records: Iterable<ResourceRecord>): Map<string, ResourceRecord> {
  const map = new Map<string, ResourceRecord>();
  for (const record of records) map.set(record.key, record);
  return map;
}

const SEP = "\u0000";

function planDiff(baseMeta: SnapshotMeta, currentMeta: SnapshotMeta, differences: Differences): Plan {
  const baseCoverage = new CoverageIndex(baseMeta);
  const currentCoverage = new CoverageIndex(currentMeta);
  const plan: Plan = { modified: differences.modified, added: [], removed: [], unknown: [], notices: [] };
  const notCoveredByBase = new Map<string, { entry: IndexEntry; count: number }>();
  const seenThrough = tenantLevelDoubts(baseMeta, currentMeta);

  for (const entry of differences.onlyCurrent) {
    const coverage = baseCoverage.lookup(entry.subscriptionId, entry.collector, entry.type);
    const addedDoubt = coverage.state === "complete" ? seenThrough(entry.subscriptionId, "added") : undefined;
    if (addedDoubt !== undefined) {
      plan.unknown.push({
        id: entry.id,
        scope: entry.subscriptionId,
        type: entry.type,
        collector: entry.collector,
        reason: addedDoubt,
      });
    } else if (coverage.state === "complete") plan.added.push(entry);
    else if (coverage.state === "incomplete") {
      plan.unknown.push({
        id: entry.id,
        scope: entry.subscriptionId,
        type: entry.type,
        collector: entry.collector,
        reason: `present now, but the base snapshot's enumeration of this type was incomplete (${coverage.reason}): cannot tell whether it was added`,
      });
    } else {
      const slice = entry.subscriptionId + SEP + entry.collector + SEP + entry.type.toLowerCase();
      const tally = notCoveredByBase.get(slice);
      if (tally) tally.count++;
      else notCoveredByBase.set(slice, { entry, count: 1 });
    }
  }
  for (const entry of differences.onlyBase) {
    const inBase = baseCoverage.lookup(entry.subscriptionId, entry.collector, entry.type);
    const inCurrent = currentCoverage.lookup(entry.subscriptionId, entry.collector, entry.type);
    const removedDoubt =
      inBase.state === "complete" && inCurrent.state === "complete"
        ? seenThrough(entry.subscriptionId, "removed")
        : removalDoubt(inBase, inCurrent);
    if (removedDoubt === undefined) {
      plan.removed.push(entry);
      continue;
    }
    plan.unknown.push({
      id: entry.id,
      scope: entry.subscriptionId,
      type: entry.type,
      collector: entry.collector,
      reason: removedDoubt,
    });
  }
  for (const { entry, count } of notCoveredByBase.values()) {
    const what = `${count} ${entry.type} resource${count === 1 ? "" : "s"} in subscription ${entry.subscriptionId || "(tenant)"}`;
    plan.unknown.push({
      scope: entry.subscriptionId,
      type: entry.type,
      collector: entry.collector,
      reason: `not covered by the base snapshot: ${count === 1 ? "its resource is" : `its ${count} resources are`} not reported as added`,
    });
    plan.notices.push(
      `The base snapshot did not cover ${entry.type} (collector ${entry.collector}) in subscription ${entry.subscriptionId || "(tenant)"}: ${what} are not reported as added. Compare against a snapshot that covered it.`,
    );
  }
  // The slices that could not be compared at all: incomplete in the current snapshot, or in the base.
  const seen = new Set<string>();
  const sliceEntry = (entry: CoverageEntry, side: string): void => {
    const slice = entry.scope.toLowerCase() + SEP + entry.collector + SEP + entry.type.toLowerCase();
    if (seen.has(slice)) return;
    seen.add(slice);
    plan.unknown.push({
      scope: entry.scope.toLowerCase(),
      type: entry.type,
      collector: entry.collector,
      reason: `${side} snapshot's enumeration was incomplete: ${entry.reason ?? "no reason given"}`,
    });
  };
  for (const entry of currentCoverage.incompleteEntries()) sliceEntry(entry, "the current");
  for (const entry of baseCoverage.incompleteEntries()) sliceEntry(entry, "the base");
  if (baseMeta.tenantId !== currentMeta.tenantId) {
    plan.notices.push(
      `The snapshots belong to different tenants (${baseMeta.tenantId} and ${currentMeta.tenantId}); check that you compared the right ones.`,
    );
  }
  return plan;
}

/**
 * Tenant-level resources (scope `""`, or a subscription neither snapshot collected) are seen through
 * the subscriptions collected: one that applies only to a subscription the other snapshot did not
 * collect is in one snapshot and not the other without being added or removed. So a tenant-level
 * resource counts as removed only if the current snapshot collected every subscription the base
 * did, and as added only if the base collected every subscription the current one did. Returns
 * the doubt (an unknown entry's reason) or undefined.
 */
function tenantLevelDoubts(
  baseMeta: SnapshotMeta,
  currentMeta: SnapshotMeta,
): (scope: string, change: "added" | "removed") => string | undefined {
  const baseScopes = new Set(baseMeta.scopes.map((scope) => scope.toLowerCase()));
  const currentScopes = new Set(currentMeta.scopes.map((scope) => scope.toLowerCase()));
  const onlyInBase = [...baseScopes].filter((scope) => !currentScopes.has(scope));
  const onlyInCurrent = [...currentScopes].filter((scope) => !baseScopes.has(scope));
  const list = (scopes: string[]) =>
    `subscription${scopes.length === 1 ? "" : "s"} ${scopes.slice(0, 3).join(", ")}${scopes.length > 3 ? ` and ${scopes.length - 3} more` : ""}`;
  return (scope, change) => {
    const key = scope.toLowerCase();
    if (baseScopes.has(key) || currentScopes.has(key)) return undefined;
    if (change === "removed" && onlyInBase.length > 0) {
      return `missing now, but this tenant-level resource is seen through the subscriptions collected, and the current snapshot did not collect ${list(onlyInBase)}: cannot tell whether it was removed`;
    }
    if (change === "added" && onlyInCurrent.length > 0) {
      return `present now, but this tenant-level resource is seen through the subscriptions collected, and the base snapshot did not collect ${list(onlyInCurrent)}: cannot tell whether it was added`;
    }
    return undefined;
  };
}

function removalDoubt(inBase: SliceCoverage, inCurrent: SliceCoverage): string {
  if (inCurrent.state === "incomplete") {
    return `missing now, but the current snapshot's enumeration of this type was incomplete (${inCurrent.reason}): cannot tell whether it was removed`;
  }
  if (inCurrent.state === "absent") {
    return "missing now, but the current snapshot did not cover this type in this subscription: cannot tell whether it was removed";
  }
  if (inBase.state === "incomplete") {
    return `missing now, but the base snapshot's enumeration of this type was incomplete (${inBase.reason}): cannot tell whether it was removed`;
  }
  return "missing now, but the base snapshot has no coverage for this type in this subscription: cannot tell whether it was removed";
}

function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

function buildReport(
  plan: Plan,
  baseMeta: SnapshotMeta,
  currentMeta: SnapshotMeta,
  baseRecords: ReadonlyMap<string, ResourceRecord>,
  currentRecords: ReadonlyMap<string, ResourceRecord>,
  options: DiffOptions,
): DriftReport {
  const registry = registryOf(options);
  const engine = options.ruleEngine ?? createRuleEngine(options.rules, options.collectorRules);
  const ignore = (options.ignore ?? []).map((glob) => compilePathGlob(glob, `ignore glob "${glob}"`));
  const isIgnored = (path: string): boolean => {
    if (ignore.length === 0 || path === "") return false;
    const segments = parseChangePath(path);
    return ignore.some((matches) => matches(segments));
  };
  const placeholder: Severity = options.rules?.defaultSeverity ?? "low";
  const resources: ResourceDrift[] = [];
  const suppressed: SuppressedFinding[] = [];
  const assess = (drift: ResourceDrift, before?: ResourceRecord, after?: ResourceRecord): void => {
    const assessment = engine.assess(drift, before?.config, after?.config);
    suppressed.push(...assessment.suppressed);
    if (assessment.drift) resources.push(assessment.drift);
  };

  for (const key of plan.modified) {
    const before = baseRecords.get(key)!;
    const after = currentRecords.get(key)!;
    const hints = compiledHintsFor(registry, after.type);
    const changes: FieldChange[] = [];
    for (const change of diffConfigs(before.config, after.config, hints)) {
      if (!isIgnored(change.path)) changes.push({ ...change, severity: placeholder });
    }
    if (changes.length === 0) continue;
    assess({ ...driftOf(after, "modified", placeholder), changes }, before, after);
  }
  for (const entry of plan.added) {
    const after = currentRecords.get(entry.key)!;
    assess(driftOf(after, "added", placeholder), undefined, after);
  }
  for (const entry of plan.removed) {
    const before = baseRecords.get(entry.key)!;
    assess(driftOf(before, "removed", placeholder), before, undefined);
  }

  const kept = filterBySeverity(resources, options.minSeverity);
  kept.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const unknown = plan.unknown.slice().sort(compareUnknown);
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  const summary = { added: 0, removed: 0, modified: 0, unknown: unknown.length, bySeverity };
  for (const drift of kept) {
    summary[drift.status]++;
    bySeverity[drift.severity]++;
  }
  const now = options.now ?? new Date();
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    id: options.reportId ?? newReportId(now),
    tenantId: currentMeta.tenantId,
    createdAt: now.toISOString(),
    base: options.base ?? { snapshotId: baseMeta.id, takenAt: baseMeta.finishedAt },
    current: options.current ?? { snapshotId: currentMeta.id, takenAt: currentMeta.finishedAt },
    summary,
    resources: kept,
    unknown,
    suppressed,
    notices: [...plan.notices, ...engine.notices()],
  };
}

function driftOf(record: ResourceRecord, status: ResourceDrift["status"], severity: Severity): ResourceDrift {
  return {
    id: record.id,
    key: record.key,
    type: record.type,
    name: record.name,
    subscriptionId: record.subscriptionId,
    status,
    severity,
    changes: [],
  };
}

function filterBySeverity(resources: ResourceDrift[], minSeverity: Severity | undefined): ResourceDrift[] {
  if (!minSeverity) return resources;
  const limit = severityRank(minSeverity);
  const kept: ResourceDrift[] = [];
  for (const drift of resources) {
    if (drift.status !== "modified") {
      if (severityRank(drift.severity) <= limit) kept.push(drift);
      continue;
    }
    const changes = drift.changes.filter((change) => severityRank(change.severity) <= limit);
    if (changes.length === 0) continue;
    const severity = changes.reduce<Severity>(
      (worst, change) => (severityRank(change.severity) < severityRank(worst) ? change.severity : worst),
      "info",
    );
    kept.push({ ...drift, changes, severity });
  }
  return kept;
}

function compareUnknown(a: UnknownEntry, b: UnknownEntry): number {
  const left = [a.scope, (a.type ?? "").toLowerCase(), a.id?.toLowerCase() ?? "", a.reason];
  const right = [b.scope, (b.type ?? "").toLowerCase(), b.id?.toLowerCase() ?? "", b.reason];
  for (let i = 0; i < left.length; i++) {
    if (left[i]! < right[i]!) return -1;
    if (left[i]! > right[i]!) return 1;
  }
  return 0;
}

function newReportId(now: Date): string {
  return `${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}
