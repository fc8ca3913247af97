/**
 * azure-drift as a service: an authenticated HTTP API over the MongoDB store, scheduled and
 * event-driven checks as BullMQ jobs over Redis, run by any number of worker processes.
 */
export {
  type EventGridConfig,
  loadConfig,
  type OidcConfig,
  type RoleNames,
  type ServiceConfig,
} from "./config.js";
export type { CheckJobs, CheckObserver, CheckTarget } from "./contracts.js";
export { type AppParts, buildApp } from "./http/app.js";
export {
  type AuditAction,
  type AuditEntry,
  type AuditOutcome,
  type AuditSink,
  createMongoAuditSink,
} from "./http/audit.js";
export { type EventGridDelivery, type ResourceCheck, readEventGridDelivery } from "./http/event-grid.js";
export {
  createTokenVerifier,
  type Principal,
  type TokenVerifier,
  type TokenVerifierOptions,
} from "./http/tokens.js";
export {
  type BullCheckJobs,
  type CheckJobsOptions,
  type CheckWorker,
  type CheckWorkerOptions,
  connectRedis,
  createCheckJobs,
  type RetryOptions,
  readWorkerConfig,
  startCheckWorker,
  type WorkerConfig,
} from "./jobs/index.js";
export { createServiceLogger, REDACTED_PATHS, type ServiceLoggerOptions } from "./logger.js";
export { createServiceMetrics, type ServiceMetrics, type ServiceMetricsOptions } from "./metrics.js";
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from "./metrics-server.js";
export { gracefulShutdown, type ShutdownStep } from "./shutdown.js";
