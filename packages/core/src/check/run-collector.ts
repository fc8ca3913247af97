import type { ArmConnection, Collector, CollectorContext, Limiter, TokenCredential } from "../collector.js";
import { DriftError, isDriftError } from "../errors.js";
import type { CollectorRun, CoverageEntry, JsonObject, ResourceRecord } from "../model.js";
import { createTypeRegistry, type TypeRegistry } from "../normalize/hints.js";
import { type Logger, noopLogger, type ProgressEvent } from "../operation.js";
import { createRecord } from "../record.js";
import type { RedactionOptions } from "../redact.js";

/** Options of {@link runCollector}. */
export interface RunCollectorOptions {
  tenantId: string;
  /** The subscription to collect; lower-cased here. */
  subscriptionId: string;
  credential: TokenCredential;
  arm: ArmConnection;
  /** The limiter shared by every collector of the check; handed to the collector for its ARM calls. */
  limit: Limiter;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  /** How records are normalized. Default: core's defaults plus the collector's own types. */
  registry?: TypeRegistry;
  redaction?: RedactionOptions;
  /**
   * Receives records in batches as the collector yields them. Awaited, so a slow store slows the
   * collector down instead of records piling up in memory. If it throws, the run rejects with that error.
   */
  onRecords: (records: ResourceRecord[]) => Promise<void>;
  /** Records per `onRecords` call. Default 100. */
  batchSize?: number;
  /** The clock (tests). */
  clock?: () => Date;
}

/** How one collector run went for one subscription: its run entry and its coverage. */
export interface CollectorOutcome {
  run: CollectorRun;
  coverage: CoverageEntry[];
}

/** An error of the record sink (the store): it fails the check instead of the collector. */
class SinkFailure extends Error {
  constructor(readonly original: unknown) {
    super("record sink failed");
  }
}

const MAX_ERROR_LENGTH = 500;

/**
 * The longest stretch of record building between two turns of the event loop, ms. Records of
 * pages already received are handed over through promise callbacks only, which never let Node
 * read a socket: without a break, building a few pages' records delays every response that
 * arrived meanwhile, so requests hold their limiter slots for the latency plus that delay.
 */
const YIELD_EVERY_MS = 2;

/**
 * The budget is shared by every collector run in the process, not kept per run: the runs of a
 * check (collectors × subscriptions) interleave on one thread, so per-run budgets would add up to
 * runs × the budget between two reads of the sockets. Runs whose budget is spent queue up, and
 * each turn of the event loop resumes one of them, in order.
 */
let turnStartedAt = performance.now();
const waitingForTurn: (() => void)[] = [];
let turnScheduled = false;

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  // `setImmediate` callbacks run after the I/O callbacks of the same turn.
  setImmediate(() => {
    turnScheduled = false;
    turnStartedAt = performance.now();
    waitingForTurn.shift()?.();
    if (waitingForTurn.length > 0) scheduleTurn();
  });
}

/** A turn of the event loop of this run's own: resolves when the runs queued before it had theirs. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waitingForTurn.push(resolve);
    scheduleTurn();
  });
}

/** When this turn's budget is spent, {@link nextTurn}; otherwise undefined. */
function turnIfBusy(): Promise<void> | undefined {
  return performance.now() - turnStartedAt <= YIELD_EVERY_MS ? undefined : nextTurn();
}

/**
 * An error's message, safe for a snapshot and a log: bearer tokens, SAS signatures and keys in
 * connection strings are cut out, and the text is bounded.
 */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const safe = message
    .replace(/(bearer\s+)[\w.~+/-]+=*/gi, "$1[REDACTED]")
    .replace(/([?&](?:sig|signature|code|client_secret)=)[^&\s"']+/gi, "$1[REDACTED]")
    .replace(/((?:AccountKey|SharedAccessKey|Password|pwd)=)[^;\s"']+/gi, "$1[REDACTED]");
  return safe.length > MAX_ERROR_LENGTH ? `${safe.slice(0, MAX_ERROR_LENGTH - 1)}…` : safe;
}

/**
 * Runs one collector for one subscription: turns the ARM JSON it yields into records (normalized,
 * redacted, hashed with the collector's type hints), hands them to `onRecords` in batches, and
 * works out coverage per declared type.
 *
 * A type is complete unless the collector called `context.coverage.incomplete(type, reason)`, a
 * resource of that type could not be turned into a record, or `collect` threw. When `collect`
 * throws, every type is incomplete with the error's message and the outcome is `failed`; when only
 * some types are incomplete the outcome is `partial`. The records yielded before a failure are
 * kept: they are true, and incomplete coverage stops the diff from calling the rest removed.
 * Records whose subscription differs from the one collected (tenant-level resources such as
 * management-group role assignments) get coverage entries for their own scope too.
 *
 * @throws DriftError `E_ABORTED` when the signal fires; whatever `onRecords` throws.
 */
export async function runCollector(
  collector: Collector,
  options: RunCollectorOptions,
): Promise<CollectorOutcome> {
  const clock = options.clock ?? (() => new Date());
  const subscriptionId = options.subscriptionId.toLowerCase();
  const logger = options.logger ?? noopLogger;
  const onProgress = options.onProgress ?? (() => {});
  const registry = options.registry ?? createTypeRegistry(collector.types);
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = clock().toISOString();

  // Declared types, by lower-cased name, in declaration order; undeclared types seen are appended.
  const types = new Map<string, string>(
    collector.types.map((definition) => [definition.type.toLowerCase(), definition.type]),
  );
  const incomplete = new Map<string, string>();
  const markIncomplete = (type: string, reason: string) => {
    const key = type.toLowerCase();
    if (!types.has(key)) types.set(key, type);
    const previous = incomplete.get(key);
    if (previous === undefined) incomplete.set(key, reason);
    else if (!previous.includes(reason)) incomplete.set(key, `${previous}; ${reason}`);
  };
  /** Other scopes seen in records, with the types seen there. */
  const otherScopes = new Map<string, Set<string>>();

  const context: CollectorContext = {
    tenantId: options.tenantId,
    subscriptionId,
    credential: options.credential,
    arm: options.arm,
    signal,
    limit: options.limit,
    logger,
    coverage: { incomplete: (type, reason) => markIncomplete(type, String(reason)) },
    onProgress,
  };

  onProgress({ type: "collector-started", subscriptionId, collector: collector.name });
  let records = 0;
  let failure: string | undefined;
  let batch: ResourceRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    try {
      await options.onRecords(full);
    } catch (error) {
      throw new SinkFailure(error);
    }
  };

  const toRecord = (resource: JsonObject): ResourceRecord | undefined => {
    try {
      return createRecord(
        resource,
        { collector: collector.name, domain: collector.domain },
        registry,
        options.redaction,
      );
    } catch (error) {
      const type = typeof resource?.type === "string" ? resource.type : "*";
      markIncomplete(type, `a resource was skipped: ${describeError(error)}`);
      logger.warn("skipped a resource that could not be read", {
        collector: collector.name,
        subscriptionId,
        type,
      });
      return undefined;
    }
  };

  try {
    // Runs started together take turns from their first pull on (a pull runs the collector's code).
    await nextTurn();
    for await (const resource of collector.collect(context)) {
      if (signal.aborted) break;
      const record = toRecord(resource);
      if (record) {
        const typeKey = record.type.toLowerCase();
        if (!types.has(typeKey)) types.set(typeKey, record.type);
        if (record.subscriptionId !== subscriptionId) {
          const seen = otherScopes.get(record.subscriptionId) ?? new Set<string>();
          seen.add(typeKey);
          otherScopes.set(record.subscriptionId, seen);
        }
        batch.push(record);
        records++;
        if (batch.length >= batchSize) await flush();
      }
      const turn = turnIfBusy();
      if (turn) {
        await turn;
        if (signal.aborted) break;
      }
    }
    await flush();
  } catch (error) {
    if (error instanceof SinkFailure) throw error.original;
    if (signal.aborted) throw abortedError(signal);
    failure = describeError(error);
    logger.warn("collector failed", { collector: collector.name, subscriptionId, error: failure });
    // What was read before the failure is still true; keep it.
    await flush().catch((sinkError: unknown) => {
      throw sinkError instanceof SinkFailure ? sinkError.original : sinkError;
    });
  }
  if (signal.aborted) throw abortedError(signal);

  if (failure !== undefined) {
    for (const type of types.values()) markIncomplete(type, `collector ${collector.name} failed: ${failure}`);
  }
  const coverageOf = (scope: string, typeKeys: Iterable<string>): CoverageEntry[] =>
    [...typeKeys].map((key) => {
      const reason = incomplete.get(key);
      const entry: CoverageEntry = {
        scope,
        collector: collector.name,
        type: types.get(key) ?? key,
        complete: reason === undefined,
      };
      if (reason !== undefined) entry.reason = reason;
      return entry;
    });
  const coverage = coverageOf(subscriptionId, types.keys());
  for (const [scope, seen] of otherScopes) coverage.push(...coverageOf(scope, seen));

  const outcome: CollectorRun["outcome"] =
    failure !== undefined ? "failed" : incomplete.size > 0 ? "partial" : "succeeded";
  const run: CollectorRun = {
    name: collector.name,
    version: collector.version,
    scope: subscriptionId,
    outcome,
    records,
    startedAt,
    finishedAt: clock().toISOString(),
  };
  if (failure !== undefined) run.error = failure;
  else if (incomplete.size > 0) {
    run.error = [...incomplete].map(([key, reason]) => `${types.get(key) ?? key}: ${reason}`).join("; ");
  }
  onProgress({ type: "collector-finished", subscriptionId, collector: collector.name, records, outcome });
  return { run, coverage };
}

/** The E_ABORTED error for a fired signal. */
export function abortedError(signal: AbortSignal): DriftError {
  if (isDriftError(signal.reason, "E_ABORTED")) return signal.reason;
  return new DriftError("E_ABORTED", "The operation was cancelled.", { cause: signal.reason });
}
