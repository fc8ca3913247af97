/**
 * The targeted check: a few resources read by id (an Event Grid event named them), compared with
 * the latest snapshot of their subscription through the same normalization, redaction, severity
 * rules and suppressions as a full check, and reported. Nothing but the report is stored: a
 * targeted read is not a snapshot, so it can never make the resources it did not read look removed.
 */
import pLimit from "p-limit";
import { type AttributionSource, attributeReport } from "../attribution.js";
import { BASELINE_MERGE_SOURCE } from "../baseline-partial.js";
import type {
  ArmConnection,
  Collector,
  Limiter,
  ReadResourcesContext,
  TokenCredential,
} from "../collector.js";
import { diffSnapshots } from "../diff/engine.js";
import { DriftError, isDriftError, throwIfAborted } from "../errors.js";
import type {
  CoverageEntry,
  DriftReport,
  JsonObject,
  ResourceRecord,
  SnapshotMeta,
  UnknownEntry,
} from "../model.js";
import type { TypeRegistry } from "../normalize/hints.js";
import type { Logger, ProgressEvent } from "../operation.js";
import { createRecord } from "../record.js";
import type { RedactionOptions } from "../redact.js";
import type { RuleOptions, SeverityRule } from "../rules/types.js";
import type { RecordIndexEntry, Store } from "../store.js";
import {
  isResourceOrChildOf,
  parseResourceId,
  type RoutedTarget,
  routeResourceId,
} from "./resource-routing.js";
import { abortedError, describeError } from "./run-collector.js";

/** What a targeted check reads: resources of one subscription, by id. */
export interface TargetedCheckRequest {
  tenantId: string;
  /** The subscription the resources are in; compared lower-cased. */
  subscriptionId: string;
  /**
   * ARM ids as Event Grid or `az` spell them (any case). A child's id (an NSG's security rule) is
   * read through its parent; ids of types no collector reads, or in another subscription, are
   * reported unknown.
   */
  resourceIds: string[];
  signal?: AbortSignal;
}

/** The outcome of a targeted check. */
export interface TargetedCheckResult {
  /** The report (already saved to the store), with `scope.kind === "resources"`. */
  report: DriftReport;
  /** The snapshot the resources were compared with: the latest of their subscription. */
  base: SnapshotMeta;
  /** How many records were read from ARM (resources and their child records). */
  recordsRead: number;
}

/** The label of a targeted report's `current` side. */
export const TARGETED_READ_LABEL = "targeted read";

/** What the detector hands the targeted check. */
export interface TargetedCheckDeps {
  store: Store;
  collectors: readonly Collector[];
  credential: TokenCredential;
  arm: ArmConnection;
  registry: TypeRegistry;
  collectorRules: SeverityRule[];
  rules?: RuleOptions;
  redaction?: RedactionOptions;
  concurrency: number;
  attribution?: AttributionSource;
  logger: Logger;
  emit: (event: ProgressEvent) => void;
  clock: () => Date;
}

/** What one collector was asked to read and what came back. */
interface CollectorRead {
  collector: Collector;
  targets: RoutedTarget[];
  records: ResourceRecord[];
  unreadable: { key: string; id: string; reason: string }[];
  incompleteTypes: Map<string, string>;
}

const SEP = "\u0000";

/**
 * Runs a targeted check (see `DriftDetector.checkResources`).
 *
 * @throws DriftError `E_INPUT` for a bad request, `E_NOT_FOUND` when the subscription has no
 *   snapshot yet (run a full check first), `E_ABORTED`, and store errors as the store throws them.
 */
export async function runTargetedCheck(
  deps: TargetedCheckDeps,
  request: TargetedCheckRequest,
): Promise<TargetedCheckResult> {
  const { tenantId, subscriptionId, resourceIds } = checkTargetedRequest(request);
  const { signal } = request;
  const { store, logger } = deps;
  throwIfAborted(signal);
  const base = (await store.listSnapshots(tenantId, { scope: subscriptionId })).find(
    (meta) => meta.source !== BASELINE_MERGE_SOURCE,
  );
  if (!base) {
    throw new DriftError(
      "E_NOT_FOUND",
      `Subscription ${subscriptionId} of tenant ${tenantId} has no snapshot yet: a targeted check compares with the latest one. Run a full check of the subscription first (detector.check).`,
      { details: { tenantId, subscriptionId, reason: "no-snapshot" } },
    );
  }

  const unknown: UnknownEntry[] = [];
  const notices: string[] = [];
  const reads = new Map<string, CollectorRead>();
  for (const id of resourceIds) {
    const parsed = parseResourceId(id);
    if (parsed.subscriptionId !== "" && parsed.subscriptionId !== subscriptionId) {
      unknown.push({
        id,
        scope: parsed.subscriptionId,
        ...(parsed.type ? { type: parsed.type } : {}),
        reason: `in subscription ${parsed.subscriptionId}, not ${subscriptionId}: check it with its own subscription`,
      });
      continue;
    }
    const route = routeResourceId(parsed, deps.collectors);
    if (route.kind === "unrouted") {
      unknown.push({
        id,
        scope: parsed.subscriptionId,
        ...(parsed.type ? { type: parsed.type } : {}),
        reason: parsed.type
          ? `no collector of this check reads ${parsed.type}: it is not compared`
          : "not the id of a resource (…/providers/{namespace}/{type}/{name}): it is not compared",
      });
      continue;
    }
    for (const { collector, target } of route.targets) {
      if (!collector.readResources) {
        unknown.push({
          id: target.id,
          scope: parsed.subscriptionId,
          type: target.type,
          collector: collector.name,
          reason: `collector ${collector.name} cannot read resources by id (it has no readResources): the next full check compares it`,
        });
        continue;
      }
      let read = reads.get(collector.name);
      if (!read) {
        read = { collector, targets: [], records: [], unreadable: [], incompleteTypes: new Map() };
        reads.set(collector.name, read);
      }
      read.targets.push(target);
    }
  }
  if (unknown.length > 0) {
    notices.push(
      `${unknown.length} of the ids asked for could not be checked (listed under unknown with the reason); the next full check of subscription ${subscriptionId} compares what they name.`,
    );
  }
  for (const read of reads.values()) read.targets = outermost(read.targets);

  const baseRecords = await readBaseRecords(store, tenantId, base, reads, signal);
  await Promise.all(
    [...reads.values()].map((read) => readCurrent(deps, read, tenantId, subscriptionId, signal)),
  );
  throwIfAborted(signal);

  // What could not be read is unknown: it is left out of both sides of the diff.
  const current: ResourceRecord[] = [];
  const compared: ResourceRecord[] = [];
  for (const read of reads.values()) {
    const yielded = new Set(read.records.map((record) => record.key));
    current.push(...read.records);
    const inBase = baseRecords.filter((record) => record.collector === read.collector.name);
    const doubted = new Set<string>();
    const doubt = (record: ResourceRecord, reason: string) => {
      if (doubted.has(record.key)) return;
      doubted.add(record.key);
      unknown.push({
        id: record.id,
        scope: record.subscriptionId,
        type: record.type,
        collector: read.collector.name,
        reason,
      });
    };
    for (const { key, id, reason } of read.unreadable) {
      const missing = inBase.filter(
        (record) => isResourceOrChildOf(record.key, key) && !yielded.has(record.key),
      );
      for (const record of missing) doubt(record, `could not be read: ${reason}`);
      if (missing.length === 0) {
        unknown.push({
          id,
          scope: parseResourceId(id).subscriptionId,
          ...(parseResourceId(id).type ? { type: parseResourceId(id).type } : {}),
          collector: read.collector.name,
          reason: `could not be read: ${reason}`,
        });
      }
    }
    for (const [type, reason] of read.incompleteTypes) {
      for (const record of inBase) {
        if (record.type.toLowerCase() === type && !yielded.has(record.key))
          doubt(record, `could not be read: ${reason}`);
      }
    }
    compared.push(...inBase.filter((record) => !doubted.has(record.key)));
  }

  const now = deps.clock();
  const inPlay = new Set<string>(
    [...compared, ...current].map((record) => record.collector + SEP + record.type.toLowerCase()),
  );
  const baseCoverage = base.coverage.filter((entry) =>
    inPlay.has(entry.collector + SEP + entry.type.toLowerCase()),
  );
  const report = diffSnapshots(
    { meta: { ...base, coverage: baseCoverage }, records: compared },
    { meta: targetedMeta(base, baseCoverage, current, now), records: current },
    {
      registry: deps.registry,
      collectorRules: deps.collectorRules,
      now,
      ...(deps.rules ? { rules: deps.rules } : {}),
      base: { snapshotId: base.id, takenAt: base.finishedAt },
      current: { label: TARGETED_READ_LABEL, takenAt: now.toISOString() },
    },
  );
  unknown.sort((a, b) => (a.id ?? "").localeCompare(b.id ?? "") || a.reason.localeCompare(b.reason));
  report.unknown.push(...unknown);
  report.summary.unknown = report.unknown.length;
  report.notices.push(...notices);
  report.scope = { kind: "resources", subscriptionId, resourceIds };
  deps.emit({
    type: "diff-finished",
    added: report.summary.added,
    removed: report.summary.removed,
    modified: report.summary.modified,
    unknown: report.summary.unknown,
  });
  if (deps.attribution && report.resources.length > 0) {
    await attributeReport(report, {
      source: deps.attribution,
      tenantId,
      from: base.startedAt,
      to: now.toISOString(),
      credential: deps.credential,
      arm: deps.arm,
      limit: pLimit(deps.concurrency),
      logger,
      onProgress: deps.emit,
      now,
      ...(signal ? { signal } : {}),
    });
  }
  throwIfAborted(signal);
  await store.putReport(report, signal ? { signal } : undefined);
  logger.info("targeted check finished", {
    tenantId,
    subscriptionId,
    reportId: report.id,
    baseSnapshotId: base.id,
    resources: resourceIds.length,
    ...report.summary,
  });
  return { report, base, recordsRead: current.length };
}

function checkTargetedRequest(request: TargetedCheckRequest): {
  tenantId: string;
  subscriptionId: string;
  resourceIds: string[];
} {
  if (typeof request?.tenantId !== "string" || request.tenantId.trim() === "") {
    throw new DriftError("E_INPUT", "A targeted check needs a `tenantId` (the Entra tenant id).");
  }
  if (typeof request.subscriptionId !== "string" || request.subscriptionId.trim() === "") {
    throw new DriftError("E_INPUT", "A targeted check needs the `subscriptionId` its resources are in.");
  }
  const ids = request.resourceIds;
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new DriftError(
      "E_INPUT",
      "A targeted check needs `resourceIds`: a non-empty list of ARM resource ids.",
    );
  }
  const bad = ids.find((id) => typeof id !== "string" || !id.startsWith("/"));
  if (bad !== undefined) {
    throw new DriftError(
      "E_INPUT",
      `"${String(bad)}" is not an ARM resource id: pass ids as ARM spells them (/subscriptions/…/providers/…).`,
    );
  }
  const seen = new Set<string>();
  const resourceIds = ids.filter((id) => {
    const key = id.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    tenantId: request.tenantId,
    subscriptionId: request.subscriptionId.trim().toLowerCase(),
    resourceIds,
  };
}

/** The targets none of the others holds: a firewall policy read with its groups covers a group of it. */
function outermost(targets: RoutedTarget[]): RoutedTarget[] {
  const kept: RoutedTarget[] = [];
  for (const target of [...targets].sort((a, b) => a.key.length - b.key.length)) {
    if (!kept.some((outer) => isResourceOrChildOf(target.key, outer.key))) kept.push(target);
  }
  return kept;
}

/** The target a record key belongs to in `targets` (by key), if any: itself, or its nearest parent in the same provider. */
function targetKeyOf(key: string, targets: ReadonlySet<string>): string | undefined {
  if (targets.has(key)) return key;
  const segments = key.split("/");
  const providersAt = segments.lastIndexOf("providers");
  if (providersAt < 0) return undefined;
  for (let end = segments.length - 2; end >= providersAt + 4; end -= 2) {
    const candidate = segments.slice(0, end).join("/");
    if (targets.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The base snapshot's records of the targets (and their children), each of the collector it was
 * routed to: the index is read to find their keys (no resource document is read for that), then only
 * their documents, by hash when the store can (`readConfigs`), else by key.
 */
async function readBaseRecords(
  store: Store,
  tenantId: string,
  base: SnapshotMeta,
  reads: ReadonlyMap<string, CollectorRead>,
  signal: AbortSignal | undefined,
): Promise<ResourceRecord[]> {
  if (reads.size === 0) return [];
  const targetKeys = new Map<string, Set<string>>(
    [...reads].map(([name, read]) => [name, new Set(read.targets.map((target) => target.key))]),
  );
  const entries: RecordIndexEntry[] = [];
  const take = (entry: RecordIndexEntry) => {
    const keys = targetKeys.get(entry.collector);
    if (keys && targetKeyOf(entry.key, keys) !== undefined) entries.push(entry);
  };
  const options = signal ? { signal } : undefined;
  if (store.readIndexBatches) {
    for await (const batch of store.readIndexBatches(tenantId, base.id, options))
      for (const entry of batch) take(entry);
  } else {
    for await (const entry of store.readIndex(tenantId, base.id, options)) take(entry);
  }
  if (entries.length === 0) return [];
  const records: ResourceRecord[] = [];
  if (store.readConfigs) {
    const configs = new Map<string, JsonObject>();
    for await (const { hash, config } of store.readConfigs(
      tenantId,
      new Set(entries.map((entry) => entry.hash)),
      options,
    )) {
      configs.set(hash, config);
    }
    for (const entry of entries) {
      const config = configs.get(entry.hash);
      if (!config) throw missingDocument(tenantId, base.id, entry.key);
      records.push({ ...entry, config });
    }
    return records;
  }
  const wanted = new Map(entries.map((entry) => [entry.key, entry]));
  for await (const record of store.readRecords(tenantId, base.id, { keys: wanted.keys(), ...options })) {
    if (wanted.get(record.key)?.collector === record.collector) records.push(record);
  }
  const found = new Set(records.map((record) => record.key));
  const missing = [...wanted.keys()].find((key) => !found.has(key));
  if (missing !== undefined) throw missingDocument(tenantId, base.id, missing);
  return records;
}

function missingDocument(tenantId: string, snapshotId: string, key: string): DriftError {
  return new DriftError(
    "E_STORE_CORRUPT",
    `Snapshot ${snapshotId} lists ${key} in its index but the store returned no record for it; the store is damaged, restore it or take a new snapshot.`,
    { details: { tenantId, snapshotId, key } },
  );
}

/**
 * Reads one collector's targets through its `readResources`, turning what it yields into records
 * as a collection would. A collector that throws leaves its targets unknown (the check goes on),
 * unless the signal was aborted.
 */
async function readCurrent(
  deps: TargetedCheckDeps,
  read: CollectorRead,
  tenantId: string,
  subscriptionId: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { collector } = read;
  const requests = pLimit(deps.concurrency);
  const ownSignal = signal ?? new AbortController().signal;
  const limit: Limiter = (fn) =>
    requests(() => {
      throwIfAborted(ownSignal);
      return fn();
    });
  const targetKeys = new Set(read.targets.map((target) => target.key));
  const context: ReadResourcesContext = {
    tenantId,
    subscriptionId,
    credential: deps.credential,
    arm: deps.arm,
    signal: ownSignal,
    limit,
    logger: deps.logger,
    onProgress: deps.emit,
    coverage: {
      incomplete(type, reason) {
        const key = type.toLowerCase();
        const previous = read.incompleteTypes.get(key);
        read.incompleteTypes.set(
          key,
          previous && !previous.includes(reason) ? `${previous}; ${reason}` : reason,
        );
      },
    },
    unreadable(resourceId, reason) {
      read.unreadable.push({ key: resourceId.toLowerCase(), id: resourceId, reason: String(reason) });
    },
  };
  const source = { collector: collector.name, domain: collector.domain };
  const seen = new Set<string>();
  try {
    for await (const resource of collector.readResources!(
      context,
      read.targets.map((target) => target.id),
    )) {
      throwIfAborted(signal);
      let record: ResourceRecord;
      try {
        record = createRecord(resource, source, deps.registry, deps.redaction);
      } catch (error) {
        const id = typeof resource?.id === "string" ? resource.id : undefined;
        const target = id && targetKeyOf(id.toLowerCase(), targetKeys);
        for (const each of read.targets.filter((candidate) => candidate.key === target)) {
          context.unreadable(each.id, `a resource could not be read: ${describeError(error)}`);
        }
        continue;
      }
      // Only what was asked for: a read never reports on resources it was not asked about.
      if (targetKeyOf(record.key, targetKeys) === undefined || seen.has(record.key)) {
        deps.logger.debug("a targeted read yielded a record outside its targets; left out", {
          collector: collector.name,
          key: record.key,
        });
        continue;
      }
      seen.add(record.key);
      read.records.push(record);
    }
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal);
    if (isDriftError(error, "E_ABORTED")) throw error;
    const reason = `collector ${collector.name} failed: ${describeError(error)}`;
    deps.logger.warn("targeted read failed", { collector: collector.name, subscriptionId, error: reason });
    for (const target of read.targets) context.unreadable(target.id, reason);
  }
}

/**
 * The metadata the diff sees for the targeted read: the base's subscriptions, and complete coverage
 * of every slice in play (what was read was read whole; what was not is unknown and left out).
 */
function targetedMeta(
  base: SnapshotMeta,
  baseCoverage: CoverageEntry[],
  current: readonly ResourceRecord[],
  now: Date,
): SnapshotMeta {
  const coverage: CoverageEntry[] = baseCoverage.map(({ scope, collector, type }) => ({
    scope,
    collector,
    type,
    complete: true,
  }));
  const covered = new Set(
    coverage.map((entry) => entry.scope + SEP + entry.collector + SEP + entry.type.toLowerCase()),
  );
  for (const record of current) {
    const slice = record.subscriptionId + SEP + record.collector + SEP + record.type.toLowerCase();
    if (covered.has(slice)) continue;
    covered.add(slice);
    coverage.push({
      scope: record.subscriptionId,
      collector: record.collector,
      type: record.type,
      complete: true,
    });
  }
  return {
    ...base,
    id: `${base.id}+${TARGETED_READ_LABEL}`,
    startedAt: now.toISOString(),
    finishedAt: now.toISOString(),
    collectors: [],
    coverage,
    resourceCount: current.length,
    source: "targeted-check",
  };
}
