import { BASELINE_MERGE_SOURCE } from "./baseline-partial.js";
import { diffSnapshots } from "./diff/engine.js";
import { DriftError, throwIfAborted } from "./errors.js";
import type {
  DriftReport,
  FieldChange,
  ResourceAttribution,
  ResourceRecord,
  Severity,
  SnapshotMeta,
} from "./model.js";
import { createTypeRegistry, type TypeRegistry } from "./normalize/hints.js";
import type { OperationOptions } from "./operation.js";
import type { RuleOptions, SeverityRule } from "./rules/types.js";
import type { Store } from "./store.js";

/** Options of {@link resourceHistory}. */
export interface ResourceHistoryOptions extends OperationOptions {
  /** How many snapshots back to look (newest first). Default 50. */
  limit?: number;
  /** The collectors' type hints and rules, and the user's, so changes are rated as in a check. */
  registry?: TypeRegistry;
  collectorRules?: SeverityRule[];
  rules?: RuleOptions;
}

/** One step of a resource's history: what changed between two consecutive snapshots. */
export interface ResourceHistoryEntry {
  /** The snapshot the change was first seen in. */
  snapshotId: string;
  takenAt: string;
  /** The snapshot before it. */
  baseSnapshotId: string;
  baseTakenAt: string;
  status: "added" | "removed" | "modified" | "unknown";
  severity?: Severity;
  changes: FieldChange[];
  message?: string;
  /** Why the status is unknown: the resource was absent where its slice was not enumerated completely. */
  reason?: string;
  /**
   * Who made the change: the attribution the stored report of this snapshot pair gives the resource
   * (the check that compared them read the Activity Log), else `unknown` with the reason.
   */
  attribution: ResourceAttribution;
}

/** A resource's configuration timeline. */
export interface ResourceHistory {
  tenantId: string;
  /** The id as asked for. */
  resourceId: string;
  /** Newest first. */
  entries: ResourceHistoryEntry[];
  /** The snapshots looked at, newest first. */
  snapshots: number;
  /** The oldest of them that held the resource. */
  firstSeen?: { snapshotId: string; takenAt: string };
}

const SUBSCRIPTION = /^\/subscriptions\/([^/]+)/i;

/**
 * One resource's changes across the stored snapshots, newest first (what AWS Config calls a
 * configuration timeline): each pair of consecutive snapshots of its subscription is compared with
 * the same engine, coverage rules and severity rules as a check, so a resource missing from a
 * snapshot whose listing of its type was incomplete is `unknown`, never `removed`. Snapshots written
 * by partial baseline acceptance are not observations and are skipped.
 *
 * @throws DriftError `E_INPUT` for an id that is not an ARM id.
 */
export async function resourceHistory(
  store: Store,
  tenantId: string,
  resourceId: string,
  options: ResourceHistoryOptions = {},
): Promise<ResourceHistory> {
  const { signal } = options;
  throwIfAborted(signal);
  if (typeof resourceId !== "string" || !resourceId.startsWith("/")) {
    throw new DriftError(
      "E_INPUT",
      `"${String(resourceId)}" is not an ARM resource id: pass the id as it appears in a report (/subscriptions/…).`,
    );
  }
  const key = resourceId.toLowerCase();
  const scope = SUBSCRIPTION.exec(key)?.[1];
  const listed = await store.listSnapshots(tenantId, scope ? { scope } : {});
  const snapshots = listed
    .filter((meta) => meta.source !== BASELINE_MERGE_SOURCE)
    .slice(0, options.limit ?? 50);
  const states: { meta: SnapshotMeta; record?: ResourceRecord }[] = [];
  for (const meta of snapshots) {
    throwIfAborted(signal);
    let record: ResourceRecord | undefined;
    for await (const found of store.readRecords(tenantId, meta.id, {
      keys: [key],
      ...(signal ? { signal } : {}),
    })) {
      record = found;
    }
    states.push(record ? { meta, record } : { meta });
  }
  const registry = options.registry ?? createTypeRegistry();
  const entries: Unattributed[] = [];
  for (let i = 0; i + 1 < states.length; i++) {
    const newer = states[i]!;
    const older = states[i + 1]!;
    if (!newer.record && !older.record) continue;
    if (newer.record && older.record && newer.record.hash === older.record.hash) continue;
    const report = diffSnapshots(
      { meta: older.meta, records: older.record ? [older.record] : [] },
      { meta: newer.meta, records: newer.record ? [newer.record] : [] },
      {
        registry,
        ...(options.collectorRules ? { collectorRules: options.collectorRules } : {}),
        ...(options.rules ? { rules: options.rules } : {}),
      },
    );
    const at = {
      snapshotId: newer.meta.id,
      takenAt: newer.meta.finishedAt,
      baseSnapshotId: older.meta.id,
      baseTakenAt: older.meta.finishedAt,
    };
    const drift = report.resources[0];
    if (drift) {
      entries.push({
        ...at,
        status: drift.status,
        severity: drift.severity,
        changes: drift.changes,
        ...(drift.message ? { message: drift.message } : {}),
      });
      continue;
    }
    // Slices incomplete elsewhere show up too; only this resource's doubt (or its type's lack of base coverage) counts.
    const type = (newer.record ?? older.record)?.type.toLowerCase();
    const unknown =
      report.unknown.find((entry) => entry.id?.toLowerCase() === key) ??
      report.unknown.find(
        (entry) => !entry.id && entry.type?.toLowerCase() === type && entry.reason.startsWith("not covered"),
      );
    if (unknown) entries.push({ ...at, status: "unknown", changes: [], reason: unknown.reason });
  }
  const attributed = await withAttribution(store, tenantId, key, entries, signal);
  const oldestHolding = [...states].reverse().find((state) => state.record);
  return {
    tenantId,
    resourceId,
    entries: attributed,
    snapshots: states.length,
    ...(oldestHolding
      ? { firstSeen: { snapshotId: oldestHolding.meta.id, takenAt: oldestHolding.meta.finishedAt } }
      : {}),
  };
}

/** An entry before the stored reports have said who made its change. */
type Unattributed = Omit<ResourceHistoryEntry, "attribution">;

function unknownAttribution(reason: string): ResourceAttribution {
  return { status: "unknown", operations: [], reason };
}

/**
 * Each entry with the attribution its snapshot pair's stored report holds for the resource (the
 * report a check saved when it compared exactly these two snapshots); `unknown` with the reason
 * when there is no such report, it has no attribution for the resource, or the entry's status is
 * itself unknown. Each report is read once.
 */
async function withAttribution(
  store: Store,
  tenantId: string,
  key: string,
  entries: readonly Unattributed[],
  signal: AbortSignal | undefined,
): Promise<ResourceHistoryEntry[]> {
  const changed = entries.filter((entry) => entry.status !== "unknown");
  // Entries are newest first: the last one's base is the oldest snapshot a report can start from.
  const since = changed.at(-1)?.baseTakenAt;
  const reportsOfPair = new Map<string, string[]>();
  if (since) {
    for (const summary of await store.listReports(tenantId, { since })) {
      if (!summary.baseSnapshotId || !summary.currentSnapshotId) continue;
      const pair = `${summary.baseSnapshotId}|${summary.currentSnapshotId}`;
      reportsOfPair.set(pair, [...(reportsOfPair.get(pair) ?? []), summary.id]);
    }
  }
  const reports = new Map<string, Promise<DriftReport | undefined>>();
  const read = (id: string) => {
    const cached = reports.get(id);
    if (cached) return cached;
    const report = store.getReport(tenantId, id);
    reports.set(id, report);
    return report;
  };
  const attributed: ResourceHistoryEntry[] = [];
  for (const entry of entries) {
    throwIfAborted(signal);
    if (entry.status === "unknown") {
      attributed.push({
        ...entry,
        attribution: unknownAttribution(
          "its status between these snapshots is unknown: nothing to attribute",
        ),
      });
      continue;
    }
    const ids = reportsOfPair.get(`${entry.baseSnapshotId}|${entry.snapshotId}`) ?? [];
    let listed = false;
    let found: ResourceAttribution | undefined;
    for (const id of ids) {
      const drift = (await read(id))?.resources.find((resource) => resource.key === key);
      if (!drift) continue;
      listed = true;
      if (drift.attribution) {
        found = drift.attribution;
        break;
      }
    }
    const attribution =
      found ??
      unknownAttribution(
        ids.length === 0
          ? "no stored report compares these two snapshots (no check compared exactly them)"
          : listed
            ? "the check that compared these snapshots ran without attribution"
            : "the stored report of these snapshots does not list this resource",
      );
    attributed.push({ ...entry, attribution });
  }
  return attributed;
}
