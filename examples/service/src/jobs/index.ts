/**
 * The job system: checks as BullMQ jobs over Redis (one per tenant and subscription, scheduled,
 * deduplicated, retried with backoff), run by any number of worker processes sharing the MongoDB
 * store. docs/running-at-scale.md explains the shape, its limits and sizing.
 */
export { type CheckDetectorOptions, createCheckDetector } from "./check-detector.js";
export {
  type BullCheckJobs,
  type CheckJobsOptions,
  createCheckJobs,
  type RetryOptions,
} from "./check-jobs.js";
export {
  CHECK_QUEUE,
  type CheckJobData,
  DEFAULT_QUEUE_PREFIX,
  type FullCheckResult,
  fullCheckDeduplicationId,
  JOB_NAMES,
  schedulerId,
  type TargetedCheckResult,
  targetedCheckDeduplicationId,
} from "./job-model.js";
export { PendingResources } from "./pending-resources.js";
export { connectRedis, type RedisRole, redactRedisUrl } from "./redis.js";
export { type CheckWorker, type CheckWorkerOptions, startCheckWorker } from "./worker.js";
export { readWorkerConfig, type WorkerConfig } from "./worker-config.js";
