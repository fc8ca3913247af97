import { hostname } from "node:os";
import {
  type ArmConnection,
  DriftError,
  type DriftReport,
  isDriftError,
  type Logger,
  noopLogger,
} from "@azure-drift/core";
import { type Job, UnrecoverableError, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { CheckObserver, CheckTarget } from "../contracts.js";
import { type CheckDetectorOptions, createCheckDetector } from "./check-detector.js";
import { createCheckJobs, type RetryOptions } from "./check-jobs.js";
import {
  CHECK_QUEUE,
  type CheckJobData,
  checkTarget,
  DEFAULT_QUEUE_PREFIX,
  type FullCheckResult,
  JOB_NAMES,
  type TargetedCheckResult,
} from "./job-model.js";
import { savedCheck } from "./saved-check.js";

/** Options of {@link startCheckWorker}. */
export interface CheckWorkerOptions extends CheckDetectorOptions {
  /** A connection from `connectRedis(url, "worker")` (BullMQ reuses it; the caller closes it). */
  connection: Redis;
  /** Key prefix of the queue in Redis; the producers' prefix. Default `azure-drift`. */
  prefix?: string;
  /** Stored on every job this worker takes (who ran what). Default `host:pid`. */
  name?: string;
  /** Checks this process runs at once (each of one subscription). Default 2. */
  concurrency?: number;
  /**
   * How long a running job's lock lasts without renewal (renewed at half of it while the process
   * lives). A job whose worker died is taken back after this plus at most `stalledIntervalMs`.
   * Default 30 s.
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose lock expired (another worker died). Default 15 s. */
  stalledIntervalMs?: number;
  /** Times a job may be taken back from a dead worker before it counts as failed. Default 2. */
  maxStalledCount?: number;
  /** Retries of the full checks this worker's scheduler ticks ask for. */
  retry?: RetryOptions;
  /** Sees every check's start and end (metrics). */
  observer?: CheckObserver;
  logger?: Logger;
}

/** A running worker process's job side. */
export interface CheckWorker {
  readonly worker: Worker<CheckJobData>;
  /**
   * Stops taking jobs and lets running checks finish for up to `graceMs` (default 30 s); then aborts
   * them: core then abandons each snapshot (none becomes visible) and the job goes back to the
   * queue, whole, for another worker, without counting as a failed attempt.
   */
  close(graceMs?: number): Promise<void>;
}

/** Errors a retry cannot mend: the job fails at once instead of backing off. */
const PERMANENT_CODES = new Set(["E_INPUT", "E_NOT_FOUND", "E_STORE_CORRUPT", "E_SNAPSHOT_VERSION"]);

/**
 * Starts a BullMQ worker on the check queue. Full checks run `detector.check` for one subscription
 * against the shared store (one committed snapshot and one report, or nothing); targeted checks read
 * the subscription's pending resources; scheduler ticks queue a full check. A job whose lock this
 * worker lost (Redis unreachable past the lock duration) is aborted here, since another worker takes
 * it over.
 */
export async function startCheckWorker(options: CheckWorkerOptions): Promise<CheckWorker> {
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const logger = options.logger ?? noopLogger;
  const observer = options.observer;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const arm: ArmConnection = observer
    ? {
        ...options.arm,
        onResponse: (info) => {
          observer.armResponse(info.status);
          options.arm.onResponse?.(info);
        },
      }
    : options.arm;
  const detector = createCheckDetector({ ...options, arm, logger });
  const producer = createCheckJobs({
    connection: options.connection,
    prefix,
    ...(options.retry ? { retry: options.retry } : {}),
  });
  let shuttingDown = false;

  const runCheck = async (target: CheckTarget, signal: AbortSignal | undefined) => {
    const { snapshot, report } = await detector.check({
      tenantId: target.tenantId,
      subscriptions: [target.subscriptionId],
      ...(signal ? { signal } : {}),
    });
    return { snapshotId: snapshot.id, resources: snapshot.resourceCount, report };
  };

  const runFull = async (
    job: Job<CheckJobData>,
    target: CheckTarget,
    signal: AbortSignal | undefined,
  ): Promise<{ result: FullCheckResult; report: DriftReport }> => {
    // A retry after a lost worker may find the check already saved: answer it rather than check again.
    const saved =
      job.attemptsStarted > 1 ? await savedCheck(options.store, target, job.timestamp) : undefined;
    if (saved) logger.info("an earlier attempt of this job saved the check", { jobId: job.id, ...target });
    const checked = saved ?? (await runCheck(target, signal));
    const { snapshotId, resources, report } = checked;
    const { added, removed, modified, unknown } = report.summary;
    return {
      result: { snapshotId, reportId: report.id, resources, added, removed, modified, unknown },
      report,
    };
  };

  const runTargeted = async (
    target: CheckTarget,
    signal: AbortSignal | undefined,
  ): Promise<{ result: TargetedCheckResult; report?: DriftReport }> => {
    const resourceIds = await producer.pending.take(target);
    if (resourceIds.length === 0) return { result: { resources: 0 } };
    try {
      const { report } = await detector.checkResources({
        tenantId: target.tenantId,
        subscriptionId: target.subscriptionId,
        resourceIds,
        ...(signal ? { signal } : {}),
      });
      await producer.pending.settle(target);
      return { result: { resources: resourceIds.length, reportId: report.id }, report };
    } catch (error) {
      if (!isDriftError(error, "E_NOT_FOUND")) throw error;
      // No snapshot of the subscription to compare with yet: a full check takes the resources in.
      const { jobId } = await producer.queueFullCheck(target, "requested");
      await producer.pending.settle(target);
      logger.info("no snapshot to compare the resources with yet; a full check is queued", {
        ...target,
        fullCheckJobId: jobId,
      });
      return { result: { resources: resourceIds.length, fullCheckJobId: jobId } };
    }
  };

  const runJob = async (job: Job<CheckJobData>, token?: string, signal?: AbortSignal) => {
    const target = checkTarget(job.data);
    if (job.name === JOB_NAMES.tick) return producer.queueFullCheck(target, "scheduled");
    const kind =
      job.name === JOB_NAMES.full ? "full" : job.name === JOB_NAMES.targeted ? "targeted" : undefined;
    if (!kind)
      throw new UnrecoverableError(`Unknown job name ${JSON.stringify(job.name)} on ${CHECK_QUEUE}.`);
    const fields = { jobId: job.id, kind, ...target, attempt: job.attemptsStarted };
    logger.info("job started", fields);
    observer?.checkStarted(target, kind);
    const started = performance.now();
    try {
      const { result, report } =
        kind === "full" ? await runFull(job, target, signal) : await runTargeted(target, signal);
      const bySeverity: Record<string, number> = report ? { ...report.summary.bySeverity } : {};
      const durationMs = performance.now() - started;
      observer?.checkFinished(target, { kind, ok: true, durationMs, driftBySeverity: bySeverity });
      logger.info("job finished", { ...fields, durationMs: Math.round(durationMs), ...result });
      return result;
    } catch (error) {
      const durationMs = performance.now() - started;
      observer?.checkFinished(target, { kind, ok: false, durationMs, driftBySeverity: {} });
      if (shuttingDown && isDriftError(error, "E_ABORTED") && token) {
        // Abandoned whole by core (no snapshot): back to the queue for another worker, no attempt spent.
        await job.moveToWait(token);
        logger.warn("job abandoned at shutdown; back in the queue", fields);
        throw new WaitingError();
      }
      const code = isDriftError(error) ? error.code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      logger.warn("job failed", { ...fields, code, error: message });
      if (code && PERMANENT_CODES.has(code)) throw new UnrecoverableError(`${code}: ${message}`);
      throw error;
    }
  };

  // BullMQ hands the processor an AbortSignal only when it declares a third parameter.
  const worker = new Worker<CheckJobData>(CHECK_QUEUE, (job, token, signal) => runJob(job, token, signal), {
    connection: options.connection,
    prefix,
    name: options.name ?? `${hostname()}:${process.pid}`,
    concurrency: options.concurrency ?? 2,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    maxStalledCount: options.maxStalledCount ?? 2,
  });
  worker.on("error", (error) => logger.error("worker error", { error: error.message }));
  // Another worker takes over a job whose lock this one could not renew: stop it here.
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, "the job's lock was lost");
  });
  worker.on("stalled", (jobId) => logger.warn("job taken back from a worker that stopped", { jobId }));
  await worker.waitUntilReady();

  return {
    worker,
    async close(graceMs = 30_000) {
      if (!(graceMs >= 0)) throw new DriftError("E_INPUT", `graceMs must be ≥ 0; got ${String(graceMs)}.`);
      shuttingDown = true;
      const closing = worker.close();
      const timer = setTimeout(() => {
        logger.warn("grace period over: aborting the running checks", { graceMs });
        worker.cancelAllJobs("shutdown");
      }, graceMs);
      try {
        await closing;
      } finally {
        clearTimeout(timer);
        await producer.close();
      }
    },
  };
}
