import { DriftError } from "@azure-drift/core";

/** A worker process's configuration, from its environment (docs/running-at-scale.md lists it). */
export interface WorkerConfig {
  redisUrl: string;
  mongodbUri: string;
  /** Key prefix of the queue in Redis: workers and the HTTP API must agree on it. */
  queuePrefix: string;
  /** `AZURE_DRIFT_CLOUD` (AzureCloud, AzureChinaCloud, AzureUSGovernment). */
  cloud?: string;
  /** `AZURE_DRIFT_ARM_ENDPOINT`: a private ARM endpoint, or the ARM replay server. */
  armEndpoint?: string;
  /** `AZURE_DRIFT_CA_CERT`: a PEM file of extra CAs to trust for ARM (the replay server's). */
  caCert?: string;
  /** Checks at once in this process. */
  concurrency: number;
  /** ARM requests in flight at once within one check. */
  requestConcurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How long SIGTERM lets running checks finish before aborting them. */
  shutdownGraceMs: number;
  /** Who changed what, from the Activity Log (default on, as in the CLI). */
  attribution: boolean;
  name?: string;
  logLevel: string;
  /** `METRICS_PORT`: serve `/metrics` there (with `METRICS_TOKEN`); unset, no metrics server. */
  metricsPort?: number;
  metricsToken?: string;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/**
 * Reads a worker's configuration from environment variables.
 *
 * @throws DriftError `E_INPUT` naming the variable that is missing or malformed, and what to set.
 */
export function readWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const required = (name: string, pattern: RegExp, example: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new DriftError("E_INPUT", `${name} is not set: set it to ${example}.`);
    if (!pattern.test(value)) throw new DriftError("E_INPUT", `${name} must look like ${example}.`);
    return value;
  };
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new DriftError(
        "E_INPUT",
        `${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}.`,
      );
    }
    return value;
  };
  const optional = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const logLevel = optional("LOG_LEVEL") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new DriftError("E_INPUT", `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}; got ${logLevel}.`);
  }
  const attribution = optional("AZURE_DRIFT_ATTRIBUTION") ?? "on";
  if (!["on", "off"].includes(attribution)) {
    throw new DriftError("E_INPUT", `AZURE_DRIFT_ATTRIBUTION must be on or off; got ${attribution}.`);
  }
  const lockDurationMs = whole("WORKER_LOCK_DURATION_MS", 30_000, 1000, 600_000);
  const config: WorkerConfig = {
    redisUrl: required("REDIS_URL", /^rediss?:\/\//i, "redis://host:6379"),
    mongodbUri: required("MONGODB_URI", /^mongodb(\+srv)?:\/\//i, "mongodb://host:27017/azure_drift"),
    queuePrefix: optional("QUEUE_PREFIX") ?? "azure-drift",
    concurrency: whole("WORKER_CONCURRENCY", 2, 1, 256),
    requestConcurrency: whole("CHECK_CONCURRENCY", 8, 1, 64),
    lockDurationMs,
    stalledIntervalMs: whole("WORKER_STALLED_INTERVAL_MS", Math.max(1000, lockDurationMs / 2), 500, 600_000),
    shutdownGraceMs: whole("SHUTDOWN_GRACE_MS", 30_000, 0, 3_600_000),
    attribution: attribution === "on",
    logLevel,
  };
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(config.queuePrefix)) {
    throw new DriftError("E_INPUT", "QUEUE_PREFIX must be 1–64 letters, digits, '_' or '-'.");
  }
  const cloud = optional("AZURE_DRIFT_CLOUD");
  const armEndpoint = optional("AZURE_DRIFT_ARM_ENDPOINT");
  const caCert = optional("AZURE_DRIFT_CA_CERT");
  const name = optional("WORKER_NAME");
  const metricsPort = optional("METRICS_PORT");
  if (metricsPort !== undefined) {
    config.metricsPort = whole("METRICS_PORT", 0, 0, 65_535);
    const token = optional("METRICS_TOKEN");
    if (!token) {
      throw new DriftError(
        "E_INPUT",
        "METRICS_PORT is set but METRICS_TOKEN is not: set the token Prometheus scrapes with (the API's METRICS_TOKEN).",
      );
    }
    config.metricsToken = token;
  }
  if (cloud) config.cloud = cloud;
  if (armEndpoint) config.armEndpoint = armEndpoint;
  if (caCert) config.caCert = caCert;
  if (name) config.name = name;
  return config;
}
