/**
 * A worker process: takes check jobs from the BullMQ queue in Redis and writes snapshots and reports
 * to the MongoDB store. Run as many as the estate needs, on any machines that reach both:
 *
 *   REDIS_URL=redis://… MONGODB_URI=mongodb://… node --import tsx src/jobs/worker-main.ts
 *
 * Configuration from the environment (see readWorkerConfig and docs/running-at-scale.md). SIGTERM
 * or SIGINT: stop taking jobs, let running checks finish for SHUTDOWN_GRACE_MS, then abort them
 * (nothing of theirs is saved; they go back to the queue). Logs: one JSON object per line on stdout.
 */
import { resolveConnection, resolveCredential } from "@azure-drift/cli";
import { isDriftError } from "@azure-drift/core";
import { createMongoStore } from "@azure-drift/store-mongo";
import { pino } from "pino";
import { createServiceMetrics } from "../metrics.js";
import { startMetricsServer } from "../metrics-server.js";
import { driftLogger } from "./drift-logger.js";
import { connectRedis } from "./redis.js";
import { startCheckWorker } from "./worker.js";
import { readWorkerConfig } from "./worker-config.js";

// Written synchronously: the last lines before a crash are the ones an operator needs.
const log = pino(
  { level: process.env.LOG_LEVEL ?? "info", base: { pid: process.pid } },
  pino.destination({ fd: 1, sync: true }),
);

async function main(): Promise<void> {
  const config = readWorkerConfig(process.env);
  log.level = config.logLevel;
  const logger = driftLogger(config.name ? log.child({ worker: config.name }) : log);
  const { cloud, arm } = await resolveConnection(
    {
      ...(config.cloud ? { cloud: config.cloud } : {}),
      ...(config.armEndpoint ? { armEndpoint: config.armEndpoint } : {}),
      ...(config.caCert ? { caCert: config.caCert } : {}),
    },
    process.cwd(),
  );
  const { credential, kind } = await resolveCredential(process.env, cloud, process.env.AZURE_TENANT_ID);
  const redis = await connectRedis(config.redisUrl, "worker");
  const store = await createMongoStore({ uri: config.mongodbUri, logger });
  const attribution = config.attribution
    ? (await import("@azure-drift/attribution")).activityLogAttribution()
    : undefined;
  const metrics = createServiceMetrics({ defaultLabels: { process: "worker" } });
  const worker = await startCheckWorker({
    connection: redis,
    prefix: config.queuePrefix,
    store,
    credential,
    arm,
    concurrency: config.concurrency,
    requestConcurrency: config.requestConcurrency,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    ...(attribution ? { attribution } : {}),
    ...(config.name ? { name: config.name } : {}),
    observer: metrics.observer,
    logger,
  });
  const metricsServer =
    config.metricsPort !== undefined && config.metricsToken
      ? await startMetricsServer({ metrics, token: config.metricsToken, port: config.metricsPort })
      : undefined;
  logger.info("worker ready", {
    endpoint: arm.endpoint,
    credential: kind,
    concurrency: config.concurrency,
    requestConcurrency: config.requestConcurrency,
    database: store.database,
    metrics: metricsServer?.url ?? null,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal, graceMs: config.shutdownGraceMs });
    try {
      await worker.close(config.shutdownGraceMs);
      await metricsServer?.close();
      await store.close();
      await redis.quit();
      logger.info("stopped", { signal });
      process.exit(0);
    } catch (error) {
      logger.error("could not stop cleanly", { error: (error as Error).message });
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  const code = isDriftError(error) ? error.code : undefined;
  log.fatal(
    { code, error: error instanceof Error ? error.message : String(error) },
    "worker could not start",
  );
  process.exit(1);
});
