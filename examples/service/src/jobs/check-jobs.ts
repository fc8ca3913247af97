import { DriftError } from "@azure-drift/core";
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { CheckJobs, CheckTarget } from "../contracts.js";
import {
  CHECK_QUEUE,
  type CheckJobData,
  checkResourceIds,
  checkTarget,
  DEFAULT_QUEUE_PREFIX,
  fullCheckDeduplicationId,
  JOB_NAMES,
  scheduleOffset,
  schedulerId,
  targetedCheckDeduplicationId,
} from "./job-model.js";
import { PendingResources } from "./pending-resources.js";

/** How failed checks are retried. */
export interface RetryOptions {
  /** Attempts in all (the first one included). Default 4. */
  attempts?: number;
  /** The first retry's delay, doubled for each next one (BullMQ's exponential backoff). Default 60 s. */
  backoffMs?: number;
}

/** Options of {@link createCheckJobs}. */
export interface CheckJobsOptions {
  /** A connection from `connectRedis(url, "producer")` (BullMQ reuses it; the caller closes it). */
  connection: Redis;
  /** Key prefix of the queue in Redis. Default `azure-drift`. */
  prefix?: string;
  /**
   * How long a targeted check waits for more events before it reads (the debounce window): every
   * resource named during the window is read once, in one job per subscription. Default 10 s.
   */
  debounceMs?: number;
  retry?: RetryOptions;
}

/** {@link CheckJobs} over BullMQ, plus the queue itself for operators and tests. */
export interface BullCheckJobs extends CheckJobs {
  readonly queue: Queue<CheckJobData>;
  readonly pending: PendingResources;
  /** `checkNow`, saying why: a scheduler's tick asks with `scheduled`. */
  queueFullCheck(
    target: CheckTarget,
    reason: NonNullable<CheckJobData["reason"]>,
  ): Promise<{ jobId: string }>;
}

/** Full checks queued behind targeted checks and scheduler ticks (BullMQ runs unprioritized jobs first). */
const FULL_CHECK_PRIORITY = 10;
const MAX_EVERY_MS = 366 * 24 * 60 * 60 * 1000;

/**
 * The job system's producer side: BullMQ jobs on one queue, in Redis.
 *
 * - `schedule` upserts one BullMQ job scheduler per subscription (`every` ms, at an offset spread by
 *   subscription); its ticks ask for a full check as `checkNow` does. A subscription scheduled for the
 *   first time is also checked at once.
 * - `checkNow` adds a full check deduplicated per subscription: while one waits, no other is added
 *   (the answer is the waiting job's id); while one runs, the request is kept as the single next
 *   check. So a subscription never has two full checks running, ARM's read limits being per
 *   subscription and principal.
 * - `checkResources` adds the resources to the subscription's pending set and a delayed targeted
 *   check deduplicated per subscription: every event during the debounce window joins one job.
 *
 * Failed checks are retried with exponential backoff.
 */
export function createCheckJobs(options: CheckJobsOptions): BullCheckJobs {
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const debounceMs = options.debounceMs ?? 10_000;
  const attempts = options.retry?.attempts ?? 4;
  const backoffMs = options.retry?.backoffMs ?? 60_000;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new DriftError("E_INPUT", `retry.attempts must be a whole number ≥ 1; got ${String(attempts)}.`);
  if (!(backoffMs >= 0))
    throw new DriftError("E_INPUT", `retry.backoffMs must be ≥ 0; got ${String(backoffMs)}.`);
  if (!(debounceMs >= 0))
    throw new DriftError("E_INPUT", `debounceMs must be ≥ 0; got ${String(debounceMs)}.`);

  const queue = new Queue<CheckJobData>(CHECK_QUEUE, {
    connection: options.connection,
    prefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: "exponential", delay: backoffMs },
      // Finished jobs are kept a while for operators (and `getJob`), then dropped.
      removeOnComplete: { age: 24 * 60 * 60, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 60 * 60, count: 10_000 },
    },
  });
  const pending = new PendingResources(options.connection, `${prefix}:${CHECK_QUEUE}`);

  const addFullCheck = async (target: CheckTarget, reason: NonNullable<CheckJobData["reason"]>) => {
    const opts: JobsOptions = {
      priority: FULL_CHECK_PRIORITY,
      deduplication: { id: fullCheckDeduplicationId(target), keepLastIfActive: true },
    };
    const job = await queue.add(JOB_NAMES.full, { ...target, reason }, opts);
    return { jobId: String(job.id) };
  };

  return {
    queue,
    pending,

    queueFullCheck(target, reason) {
      return addFullCheck(checkTarget(target), reason);
    },

    async schedule(targets, everyMs) {
      if (!Number.isInteger(everyMs) || everyMs < 1000 || everyMs > MAX_EVERY_MS) {
        throw new DriftError(
          "E_INPUT",
          `A schedule's period must be whole milliseconds between 1 s and a year; got ${String(everyMs)} (3 h is 10800000).`,
        );
      }
      for (const raw of targets) {
        const target = checkTarget(raw);
        const id = schedulerId(target);
        const known = await queue.getJobScheduler(id);
        // Same id, period and offset: BullMQ keeps the scheduler and its next run as they are.
        await queue.upsertJobScheduler(
          id,
          { every: everyMs, offset: scheduleOffset(target, everyMs) },
          {
            name: JOB_NAMES.tick,
            data: { ...target, reason: "scheduled" },
            opts: { removeOnComplete: true, removeOnFail: { count: 100 } },
          },
        );
        // The offset puts the first scheduled run up to a period away: a new subscription is checked now.
        if (!known) await addFullCheck(target, "scheduled");
      }
    },

    checkNow(target) {
      return addFullCheck(checkTarget(target), "requested");
    },

    async checkResources(raw, resourceIds) {
      const target = checkTarget(raw);
      const ids = checkResourceIds(target, resourceIds);
      if (ids.length === 0) return;
      // Pending first: a job that starts between the two calls still finds the resources.
      await pending.add(target, ids);
      await queue.add(JOB_NAMES.targeted, target, {
        delay: debounceMs,
        deduplication: { id: targetedCheckDeduplicationId(target), keepLastIfActive: true },
      });
    },

    async close() {
      await queue.close();
    },
  };
}
