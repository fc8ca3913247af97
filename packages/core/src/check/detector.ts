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
import type { Store } from "../store.js";
import { abortedError, type CollectorOutcome, runCollector } from "./run-collector.js";
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
 * `check` does the same, then compares the new snapshot with the base: the newest earlier snapshot
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

  async function collectSnapshot(
    tenantId: string,
    scopes: string[],
    signal: AbortSignal | undefined,
  ): Promise<SnapshotMeta> {
    throwIfAborted(signal);
    const internal = new AbortController();
    const combined = signal ? AbortSignal.any([signal, internal.signal]) : internal.signal;
    const writer = await store.beginSnapshot(
      { tenantId, scopes, startedAt: clock().toISOString(), source: "check" },
      signal ? { signal } : undefined,
    );
    let storeFailure: unknown;
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
          if (fresh.length > 0) await writer.write(fresh);
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
      const meta = await writer.commit({
        finishedAt: clock().toISOString(),
        collectors: collectorRuns,
        coverage,
      });
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
      emit({ type: "check-started", tenantId, subscriptions: scopes });
      const snapshot = await collectSnapshot(tenantId, scopes, signal);
      const report = base
        ? await diffStoredSnapshots(store, tenantId, base.id, snapshot.id, {
            registry,
            collectorRules,
            now: clock(),
            onProgress: emit,
            ...(options.rules ? { rules: options.rules } : {}),
            ...(signal ? { signal } : {}),
            ...(baseSide ? { base: baseSide } : {}),
          })
        : startingPointReport(tenantId, snapshot);
      if (!base)
        emit({ type: "diff-finished", added: 0, removed: 0, modified: 0, unknown: report.summary.unknown });
      if (options.attribution && base) {
        await attributeReport(report, {
          source: options.attribution,
          tenantId,
          from: base.startedAt,
          to: snapshot.finishedAt,
          credential: options.credential,
          arm,
          limit: pLimit(concurrency),
          logger,
          onProgress: emit,
          now: clock(),
          ...(signal ? { signal } : {}),
        });
      }
      report.notices.push(...collectorNotices(snapshot));
      throwIfAborted(signal);
      await store.putReport(report, signal ? { signal } : undefined);
      logger.info("check finished", {
        tenantId,
        snapshotId: snapshot.id,
        reportId: report.id,
        ...report.summary,
      });
      return base ? { snapshot, report, base } : { snapshot, report };
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
