/**
 * The HTTP API process: reads its configuration from the environment (README), opens the MongoDB
 * store and audit log, connects to the job queue in Redis, upserts the schedule, and serves.
 *
 *   node --import tsx src/main.ts          (npm start -w examples/service)
 *
 * SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish, then close the
 * queue, Redis and MongoDB, within SHUTDOWN_TIMEOUT_MS. Logs: one JSON object per line on stdout.
 */
import { defaultCollectors } from "@azure-drift/cli";
import { isDriftError } from "@azure-drift/core";
import { createMongoStore } from "@azure-drift/store-mongo";
import { MongoClient } from "mongodb";
import { loadConfig, type ServiceConfig } from "./config.js";
import { buildApp } from "./http/app.js";
import { createMongoAuditSink } from "./http/audit.js";
import { createTokenVerifier } from "./http/tokens.js";
import { driftLogger } from "./jobs/drift-logger.js";
import { connectRedis, createCheckJobs } from "./jobs/index.js";
import { createServiceLogger } from "./logger.js";
import { createServiceMetrics } from "./metrics.js";
import { gracefulShutdown } from "./shutdown.js";

const log = createServiceLogger({ level: process.env.LOG_LEVEL ?? "info" });

/** The database a URI names in its path (`mongodb://host/NAME`), as the store and the workers read it. */
function databaseOf(config: ServiceConfig): string {
  const named = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/i.exec(config.mongodbUri)?.[1];
  return config.mongodbDatabase ?? (named ? decodeURIComponent(named) : "azure_drift");
}

async function main(): Promise<void> {
  const config = loadConfig();
  log.level = config.logLevel;
  // One client for the store and the audit log: one pool, and the audit lands in the store's database.
  const client = new MongoClient(config.mongodbUri, { appName: "azure-drift-api" });
  const store = await createMongoStore({ client, database: databaseOf(config), logger: driftLogger(log) });
  const audit = createMongoAuditSink(client.db(store.database), config.auditCollection);
  await audit.ensureIndexes();
  const redis = await connectRedis(config.redisUrl, "producer");
  const jobs = createCheckJobs({ connection: redis, prefix: config.queuePrefix });
  if (config.schedule.length > 0) await jobs.schedule(config.schedule, config.scheduleEveryMs);

  const app = await buildApp({
    store,
    jobs,
    verifier: createTokenVerifier(config.oidc),
    roles: config.roles,
    eventGrid: config.eventGrid,
    audit,
    metrics: createServiceMetrics({ defaultLabels: { process: "api" } }),
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    collectors: defaultCollectors(),
    logger: log,
    trustedProxies: config.trustedProxies,
  });
  await app.listen({ host: config.host, port: config.port });
  log.info(
    {
      issuer: config.oidc.issuer,
      audiences: config.oidc.audiences,
      database: store.database,
      scheduled: config.schedule.length,
      everyMinutes: config.scheduleEveryMs / 60_000,
      metrics: config.metricsToken ? "scrape token" : "refused (no METRICS_TOKEN)",
    },
    "azure-drift API ready",
  );

  const shutdown = gracefulShutdown(
    [
      { name: "http", close: () => app.close() },
      { name: "jobs", close: () => jobs.close() },
      { name: "redis", close: () => redis.quit() },
      { name: "store", close: () => store.close() },
      { name: "mongodb", close: () => client.close() },
    ],
    { timeoutMs: config.shutdownTimeoutMs, logger: log },
  );
  const stop = (signal: string) => {
    void shutdown(signal).then((code) => {
      log.info({ code }, "stopped");
      log.flush();
      process.exit(code);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  log.fatal(
    {
      code: isDriftError(error) ? error.code : undefined,
      error: error instanceof Error ? error.message : String(error),
    },
    "azure-drift API could not start",
  );
  log.flush();
  process.exit(1);
});
