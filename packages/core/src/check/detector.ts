import pLimit from "p-limit";
import { type AttributionSource, attributeReport } from "../attribution.js";
import { acceptBaseline, resolveBaseline } from "../baseline.js";
import { BASELINE_MERGE_SOURCE } from "../baseline-partial.js";
import { armConnection } from "../clouds.js";
import type { ArmConnection, Collector, Limiter, TokenCredential } from "../collector.js";
import { diffStoredSnapshots, REPORT_FORMAT_VERSION } from "../diff/engine.js";
import { DriftError, isDriftError, throwIfAborted } from "../errors.js";
import { sortableId } from "../memory-store.js";
import type {
  Baseline,
  CollectorRun,
  CoverageEntry,
  DriftReport,
  ReportSide,
  ResourceRecord,
  SnapshotMeta,
  UnknownEntry,
} from "../model.js";
import { SEVERITIES } from "../model.js";
import { createTypeRegistry, type TypeRegistry } from "../normalize/hints.js";
import { type Logger, noopLogger, type ProgressEvent } from "../operation.js";
import type { RedactionOptions } from "../redact.js";
import type { RuleOptions } from "../rules/types.js";
import { SNAPSHOT_FORMAT_VERSION } from "../snapshot-format.js";
import type { RecordIndexEntry, Store, UnreadableSnapshot } from "../store.js";
import { PendingSnapshot } from "./pending-snapshot.js";
import { abortedError, type CollectorOutcome, runCollector } from "./run-collector.js";
import { runTargetedCheck, type TargetedCheckRequest, type TargetedCheckResult } from "./targeted-check.js";
import { tenantLevelCoverage } from "./tenant-coverage.js";

/** Options of {@link createDriftDetector}. */
export interface DriftDetectorOptions {
  collectors: Collector[];
  store: Store;
  credential: TokenCredential;
  /** Where ARM is. Default the public cloud (`armConnection("AzureCloud")`). */
  arm?: ArmConnection;
  /** Users' severity rules, overrides, suppressions (see `parseRuleFile`). */
  rules?: RuleOptions;
  /**
   * How many ARM requests may be in flight at once across every collector and subscription (the
   * limiter collectors get as `context.limit`), and how many (subscription, collector) runs go at
   * once. Default 8.
   */
  concurrency?: number;
  /** Normalization hints. Default: core's defaults plus every collector's declared types. */
  registry?: TypeRegistry;
  /** Extra secret keys and paths to redact. */
  redaction?: RedactionOptions;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  /** Records per store write. Default 100. */
  batchSize?: number;
  /**
   * Who changed what: a source of change events (`activityLogAttribution()` from
   * `@azure-drift/attribution`) that `check` asks, once per subscription with drift, for the
   * operations on each drifted resource between the two snapshots. Off when absent. It never fails
   * a check: an unreadable log leaves attribution `unknown`.
   */
  attribution?: AttributionSource;
  /** The clock (tests). */
  clock?: () => Date;
}

/** What to collect. */
export interface CollectRequest {
  tenantId: string;
  /** Subscription ids; compared and stored lower-cased. */
  subscriptions: string[];
  signal?: AbortSignal;
}

/** What to check: a collect, then a diff against the previous snapshot or a named baseline. */
export interface CheckRequest extends CollectRequest {
  /** Compare with this baseline's snapshot instead of the previous snapshot of the same subscriptions. */
  baseline?: string;
}

/** The outcome of a check. */
export interface CheckResult {
  /** The snapshot this check took (already committed to the store). */
  snapshot: SnapshotMeta;
  /** The report (already saved to the store). */
  report: DriftReport;
  /** What the snapshot was compared with; absent on the first check of these subscriptions. */
  base?: SnapshotMeta;
}

/** Collects, stores and diffs; see {@link createDriftDetector}. */
export interface DriftDetector {
  /** Collects every subscription with every collector into one new snapshot. */
  collect(request: CollectRequest): Promise<SnapshotMeta>;
  /** Collects, then reports drift against the previous snapshot of the same subscriptions or a baseline. */
  check(request: CheckRequest): Promise<CheckResult>;
  /**
   * A targeted check: reads the named resources of one subscription by id (with the child records
   * their collectors emit for them), compares them with the latest snapshot of that subscription
   * through the same normalization, redaction, severity rules, suppressions (and attribution, when
   * configured) as {@link DriftDetector.check}, and saves the report (`scope.kind === "resources"`).
   * No snapshot is written: the next full check still compares snapshot with snapshot, so it
   * reports again what a targeted check reported. Each id goes to the collectors that declare its
   * type (or its parent's, or a child type of it) and that can read by id (`readResources`); a
   * resource gone (404) is `removed`, one that could not be read (403, throttled) is `unknown`, and
   * so are ids no collector reads, with the reason. See docs/library.md.
   *
   * @throws DriftError `E_INPUT` for a bad request; `E_NOT_FOUND` (`details.reason`
   *   `"no-snapshot"`) when the subscription has no snapshot yet: run a full check first.
   */
  checkResources(request: TargetedCheckRequest): Promise<TargetedCheckResult>;
  /** Promotes a snapshot (default: the tenant's latest) to the named baseline. */
  acceptBaseline(tenantId: string, name: string, snapshotId?: string, note?: string): Promise<Baseline>;
}

/** The notice of a first check: there is nothing to compare with yet. */
export const STARTING_POINT_NOTICE =
  "No earlier snapshot of these subscriptions: this snapshot is the starting point, and the next check reports drift against it.";

/**
 * Creates the check pipeline.
 *
 * `collect` runs every collector for every subscription concurrently (bounded by `concurrency`),
 * streams records into `store.beginSnapshot(...)` as they arrive, records coverage and commits. A
 * collector or subscription that fails makes the snapshot partial (its `collectors` entry says
 * `failed`/`partial`, its coverage is incomplete so nothing is falsely reported removed); it never
 * fails the whole collection. A store error does. Cancelling through `signal` aborts the write:
 * nothing of the snapshot becomes visible, and the call rejects with `E_ABORTED`.
 *
 * `check` does the same, but compares the new snapshot with the base **before** committing it, and
 * saves the report before the commit too: a check whose diff cannot be made (a damaged base, an
 * `E_STORE_CORRUPT` naming it) saves nothing, so the next check compares with the same base and no
 * drift is lost. The base's index is read before anything is collected. The base is the newest earlier snapshot
 * whose subscriptions are exactly the requested ones (so a check of `[A]` never compares with one of
 * `[A, B]`), or the snapshot of `baseline` when named (checked before collecting: a missing baseline
 * is `E_NOT_FOUND` at once). The report is saved with `putReport` and returned; failed collectors are
 * listed in its notices and their slices under `unknown`. The first check of a set of subscriptions
 * has no base: its report has no drift, the unknown slices of the new snapshot, and
 * {@link STARTING_POINT_NOTICE}.
 *
 * @throws DriftError `E_INPUT` for bad options (no collectors, no subscriptions, bad concurrency).
 */
export function createDriftDetector(options: DriftDetectorOptions): DriftDetector {
  const { collectors, store, credential } = options;
  if (!Array.isArray(collectors) || collectors.length === 0) {
    throw new DriftError("E_INPUT", "createDriftDetector needs at least one collector in `collectors`.");
  }
  const names = collectors.map((collector) => collector.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new DriftError(
      "E_INPUT",
      `Two collectors are named "${duplicate}"; collector names must be unique.`,
    );
  }
  if (!store)
    throw new DriftError("E_INPUT", "createDriftDetector needs a `store` (e.g. createMemoryStore()).");
  if (!credential)
    throw new DriftError("E_INPUT", "createDriftDetector needs a `credential` (a TokenCredential).");
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new DriftError(
      "E_INPUT",
      `concurrency must be a whole number ≥ 1; got ${String(options.concurrency)}.`,
    );
  }
  const arm = options.arm ?? armConnection("AzureCloud");
  const registry = options.registry ?? createTypeRegistry(collectors.flatMap((collector) => collector.types));
  const collectorRules = collectors.flatMap((collector) => collector.rules ?? []);
  const logger = options.logger ?? noopLogger;
  const emit = options.onProgress ?? (() => {});
  const clock = options.clock ?? (() => new Date());

  /**
   * Collects into a new snapshot. `hooks.written` sees every record stored; `hooks.beforeCommit`
   * gets the snapshot's metadata before the commit, and if it throws, the write is aborted and
   * nothing of the snapshot becomes visible.
   */
  async function collectSnapshot(
    tenantId: string,
    scopes: string[],
    signal: AbortSignal | undefined,
    hooks: {
      written?: (records: readonly ResourceRecord[]) => void;
      beforeCommit?: (meta: SnapshotMeta) => Promise<void>;
    } = {},
  ): Promise<SnapshotMeta> {
    throwIfAborted(signal);
    const internal = new AbortController();
    const combined = signal ? AbortSignal.any([signal, internal.signal]) : internal.signal;
    const startedAt = clock().toISOString();
    const writer = await store.beginSnapshot(
      { tenantId, scopes, startedAt, source: "check" },
      signal ? { signal } : undefined,
    );
    let storeFailure: unknown;
    let written = 0;
    try {
      const runs = pLimit(concurrency);
      const requests = pLimit(concurrency);
      const limit: Limiter = (fn) =>
        requests(() => {
          throwIfAborted(combined);
          return fn();
        });
      // Tenant-level resources show up in every subscription's listing: write each once.
      const foreignKeys = new Set<string>();
      const onRecords = async (records: ResourceRecord[]) => {
        const fresh = records.filter((record) => {
          if (!scopes.includes(record.subscriptionId)) {
            if (foreignKeys.has(record.key)) return false;
            foreignKeys.add(record.key);
          }
          return true;
        });
        try {
          if (fresh.length > 0) {
            await writer.write(fresh);
            written += fresh.length;
            hooks.written?.(fresh);
          }
        } catch (error) {
          storeFailure ??= error;
          internal.abort(error);
          throw error;
        }
      };
      const tasks = scopes.flatMap((subscriptionId) =>
        collectors.map((collector) =>
          runs(() =>
            runCollector(collector, {
              tenantId,
              subscriptionId,
              credential,
              arm,
              limit,
              signal: combined,
              logger,
              onProgress: emit,
              registry,
              onRecords,
              clock,
              ...(options.redaction ? { redaction: options.redaction } : {}),
              ...(options.batchSize ? { batchSize: options.batchSize } : {}),
            }),
          ),
        ),
      );
      const settled = await Promise.allSettled(tasks);
      if (signal?.aborted) throw abortedError(signal);
      if (storeFailure !== undefined) throw storeFailure;
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failed) throw failed.reason;
      const outcomes = settled.map((result) => (result as PromiseFulfilledResult<CollectorOutcome>).value);
      const collectorRuns: CollectorRun[] = outcomes.map((outcome) => outcome.run);
      const coverage: CoverageEntry[] = tenantLevelCoverage(
        outcomes.flatMap((outcome) => outcome.coverage),
        scopes,
      );
      const completion = { finishedAt: clock().toISOString(), collectors: collectorRuns, coverage };
      await hooks.beforeCommit?.({
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        id: writer.snapshotId,
        tenantId,
        scopes,
        startedAt,
        ...completion,
        resourceCount: written,
        source: "check",
      });
      const meta = await writer.commit(completion);
      emit({ type: "snapshot-saved", snapshotId: meta.id, records: meta.resourceCount });
      logger.info("snapshot saved", { tenantId, snapshotId: meta.id, records: meta.resourceCount });
      return meta;
    } catch (error) {
      await writer.abort().catch((abortError: unknown) => {
        logger.warn("could not abort the snapshot write", { error: String(abortError) });
      });
      if (signal?.aborted && !isDriftError(error, "E_ABORTED")) throw abortedError(signal);
      throw error;
    }
  }

  /** The newest snapshot whose scopes are exactly `scopes` (an approved merge is not an observation). */
  async function previousSnapshot(tenantId: string, scopes: string[]): Promise<SnapshotMeta | undefined> {
    const wanted = [...scopes].sort().join(",");
    const candidates = await store.listSnapshots(tenantId, { scope: scopes[0]! });
    return candidates.find(
      (meta) =>
        meta.source !== BASELINE_MERGE_SOURCE &&
        [...new Set(meta.scopes.map((scope) => scope.toLowerCase()))].sort().join(",") === wanted,
    );
  }

  /** The base's index, read whole; a damaged base fails here, before anything is collected. */
  async function readBaseIndex(
    tenantId: string,
    base: SnapshotMeta,
    signal: AbortSignal | undefined,
  ): Promise<Map<string, RecordIndexEntry>> {
    const index = new Map<string, RecordIndexEntry>();
    try {
      for await (const entry of store.readIndex(tenantId, base.id, signal ? { signal } : undefined))
        index.set(entry.key, entry);
    } catch (error) {
      throw baseUnreadable(error, base);
    }
    return index;
  }

  /**
   * Snapshots the store could not read that may be newer than `base` (the store's optional
   * `listUnreadableSnapshots`), each logged as a warning: the check compares with an older snapshot
   * than the user may think, and says so.
   */
  async function unreadableNewer(
    tenantId: string,
    base: SnapshotMeta | undefined,
  ): Promise<UnreadableSnapshot[]> {
    if (!store.listUnreadableSnapshots) return [];
    const found = (await store.listUnreadableSnapshots(tenantId)).filter(
      (entry) =>
        !base || entry.modifiedAt === undefined || Date.parse(entry.modifiedAt) > Date.parse(base.finishedAt),
    );
    for (const entry of found) {
      logger.warn("a newer snapshot is unreadable; comparing with the newest readable one", {
        tenantId,
        unreadableSnapshotId: entry.snapshotId,
        baseSnapshotId: base?.id ?? null,
        reason: entry.reason,
      });
    }
    return found;
  }

  function startingPointReport(tenantId: string, snapshot: SnapshotMeta): DriftReport {
    const unknown: UnknownEntry[] = snapshot.coverage
      .filter((entry) => !entry.complete)
      .map((entry) => ({
        scope: entry.scope,
        type: entry.type,
        collector: entry.collector,
        reason: `the current snapshot's enumeration was incomplete: ${entry.reason ?? "no reason given"}`,
      }));
    const now = clock();
    return {
      formatVersion: REPORT_FORMAT_VERSION,
      id: sortableId(now),
      tenantId,
      createdAt: now.toISOString(),
      base: {},
      current: { snapshotId: snapshot.id, takenAt: snapshot.finishedAt },
      summary: {
        added: 0,
        removed: 0,
        modified: 0,
        unknown: unknown.length,
        bySeverity: Object.fromEntries(
          SEVERITIES.map((severity) => [severity, 0]),
        ) as DriftReport["summary"]["bySeverity"],
      },
      resources: [],
      unknown,
      suppressed: [],
      notices: [STARTING_POINT_NOTICE],
    };
  }

  return {
    async collect(request) {
      const { tenantId, scopes } = checkRequest(request);
      emit({ type: "check-started", tenantId, subscriptions: scopes });
      return collectSnapshot(tenantId, scopes, request.signal);
    },

    async check(request) {
      const { tenantId, scopes } = checkRequest(request);
      const { signal } = request;
      throwIfAborted(signal);
      let base: SnapshotMeta | undefined;
      let baseSide: ReportSide | undefined;
      if (request.baseline !== undefined) {
        const resolved = await resolveBaseline(store, tenantId, request.baseline);
        base = resolved.snapshot;
        baseSide = { snapshotId: base.id, baseline: resolved.baseline.name, takenAt: base.finishedAt };
      } else {
        base = await previousSnapshot(tenantId, scopes);
      }
      const unreadable = request.baseline === undefined ? await unreadableNewer(tenantId, base) : [];
      // Read before collecting: a damaged base fails the check before any ARM call, with nothing saved.
      const baseIndex = base ? await readBaseIndex(tenantId, base, signal) : undefined;
      const pending = new PendingSnapshot(baseIndex);
      let report: DriftReport | undefined;
      emit({ type: "check-started", tenantId, subscriptions: scopes });
      // The diff runs and the report is saved before the snapshot is committed: a check that cannot
      // compare saves nothing, so the next one compares with the same base and misses no drift.
      const snapshot = await collectSnapshot(tenantId, scopes, signal, {
        written: (records) => pending.add(records),
        beforeCommit: async (meta) => {
          report = base
            ? await diffStoredSnapshots(
                pending.diffSource(store, meta, base.id),
                tenantId,
                base.id,
                meta.id,
                {
                  registry,
                  collectorRules,
                  now: clock(),
                  onProgress: emit,
                  ...(options.rules ? { rules: options.rules } : {}),
                  ...(signal ? { signal } : {}),
                  ...(baseSide ? { base: baseSide } : {}),
                },
              ).catch((error: unknown) => {
                throw baseUnreadable(error, base!);
              })
            : startingPointReport(tenantId, meta);
          if (!base)
            emit({
              type: "diff-finished",
              added: 0,
              removed: 0,
              modified: 0,
              unknown: report.summary.unknown,
            });
          if (options.attribution && base) {
            await attributeReport(report, {
              source: options.attribution,
              tenantId,
              from: base.startedAt,
              to: meta.finishedAt,
              credential: options.credential,
              arm,
              limit: pLimit(concurrency),
              logger,
              onProgress: emit,
              now: clock(),
              ...(signal ? { signal } : {}),
            });
          }
          report.notices.push(...collectorNotices(meta));
          if (unreadable.length > 0) {
            report.unreadableSnapshots = unreadable.map(({ snapshotId, reason }) => ({ snapshotId, reason }));
            report.notices.push(...unreadable.map((entry) => unreadableNotice(entry, base)));
          }
          throwIfAborted(signal);
          await store.putReport(report, signal ? { signal } : undefined);
        },
      });
      const saved = report!;
      logger.info("check finished", {
        tenantId,
        snapshotId: snapshot.id,
        reportId: saved.id,
        ...saved.summary,
      });
      return base ? { snapshot, report: saved, base } : { snapshot, report: saved };
    },

    checkResources(request) {
      return runTargetedCheck(
        {
          store,
          collectors,
          credential,
          arm,
          registry,
          collectorRules,
          concurrency,
          logger,
          emit,
          clock,
          ...(options.rules ? { rules: options.rules } : {}),
          ...(options.redaction ? { redaction: options.redaction } : {}),
          ...(options.attribution ? { attribution: options.attribution } : {}),
        },
        request,
      );
    },

    acceptBaseline(tenantId, name, snapshotId, note) {
      return acceptBaseline(store, tenantId, name, {
        now: clock(),
        ...(snapshotId !== undefined ? { snapshotId } : {}),
        ...(note !== undefined ? { note } : {}),
      });
    },
  };
}

/** A base that cannot be read fails the check with what to do; nothing of the check is saved. */
function baseUnreadable(error: unknown, base: SnapshotMeta): unknown {
  if (!isDriftError(error, "E_STORE_CORRUPT")) return error;
  return new DriftError(
    "E_STORE_CORRUPT",
    `Snapshot ${base.id}, the base of this check, cannot be read: ${error.message.replace(/\s+$/, "")} Nothing of this check was saved: restore the snapshot, or set it aside (azure-drift store quarantine ${base.id}) so checks compare with the one before it.`,
    { cause: error, details: { ...error.details, baseSnapshotId: base.id } },
  );
}

/** The notice of a report whose base is older than a snapshot the store could not read. */
function unreadableNotice(entry: UnreadableSnapshot, base: SnapshotMeta | undefined): string {
  const compared = base
    ? `this report compares with ${base.id}, the newest readable snapshot of these subscriptions`
    : "this check found no readable snapshot to compare with";
  return `Snapshot ${entry.snapshotId} is unreadable (${entry.reason}); ${compared}. Run azure-drift store verify, then restore it or set it aside with azure-drift store quarantine ${entry.snapshotId}.`;
}

function checkRequest(request: CollectRequest): { tenantId: string; scopes: string[] } {
  if (typeof request?.tenantId !== "string" || request.tenantId.trim() === "") {
    throw new DriftError("E_INPUT", "A check needs a `tenantId` (the Entra tenant id).");
  }
  const { subscriptions } = request;
  if (
    !Array.isArray(subscriptions) ||
    subscriptions.length === 0 ||
    subscriptions.some((id) => typeof id !== "string" || id.trim() === "")
  ) {
    throw new DriftError("E_INPUT", "A check needs `subscriptions`: a non-empty list of subscription ids.");
  }
  return {
    tenantId: request.tenantId,
    scopes: [...new Set(subscriptions.map((id) => id.trim().toLowerCase()))],
  };
}

/** One notice per collector run that did not succeed, saying what it means for the report. */
function collectorNotices(snapshot: SnapshotMeta): string[] {
  return snapshot.collectors
    .filter((run) => run.outcome !== "succeeded")
    .map((run) =>
      run.outcome === "failed"
        ? `Collector ${run.name} failed for subscription ${run.scope}: ${run.error ?? "no reason given"}. Its resources are reported unknown, not removed.`
        : `Collector ${run.name} could not enumerate everything in subscription ${run.scope}: ${run.error ?? "no reason given"}. Those types are reported unknown, not removed.`,
    );
}
