import type { Collector, Store } from "@azure-drift/core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { EventGridConfig, RoleNames } from "../config.js";
import type { CheckJobs } from "../contracts.js";
import type { ServiceMetrics } from "../metrics.js";
import { accessHook } from "./access.js";
import type { AuditSink } from "./audit.js";
import { registerAuditTrail } from "./audit-trail.js";
import { replyWithError } from "./errors.js";
import "./route-config.js";
import { registerBaselineRoutes } from "./routes/baselines.js";
import { registerCheckRoutes } from "./routes/checks.js";
import { registerEventRoutes } from "./routes/events.js";
import { registerHistoryRoute } from "./routes/history.js";
import { registerMetricsRoute } from "./routes/metrics.js";
import { registerProbes } from "./routes/probes.js";
import { registerReportRoutes } from "./routes/reports.js";
import { registerSnapshotRoutes } from "./routes/snapshots.js";
import type { TokenVerifier } from "./tokens.js";

/** Everything the HTTP API is built from; tests pass real parts (a real store, a real issuer). */
export interface AppParts {
  store: Store;
  jobs: CheckJobs;
  verifier: TokenVerifier;
  roles: RoleNames;
  eventGrid: EventGridConfig;
  audit: AuditSink;
  /** Served on `/metrics` to holders of `metricsToken`; HTTP requests are counted in it. */
  metrics?: ServiceMetrics;
  metricsToken?: string;
  /** The collectors whose types and rules rate a resource's history (as in a check). */
  collectors?: readonly Collector[];
  /** A pino logger (see `createServiceLogger`); default: none. */
  logger?: FastifyBaseLogger;
  /** Proxies whose `X-Forwarded-For` names the client (addresses or CIDRs). Default: none. */
  trustedProxies?: string[];
  /** Whether the store answers; default: a one-row snapshot listing. */
  storeAnswers?: () => Promise<void>;
  /** How long `/readyz` waits for the store. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** The audit log's clock. */
  now?: () => Date;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant no one has: listing its snapshots exercises the store's connection and query path. */
const PROBE_TENANT = "readiness-probe";

/** Builds the HTTP API (not listening: call `listen`, or `inject` in tests). */
export async function buildApp(parts: AppParts): Promise<FastifyInstance> {
  const app = Fastify({
    ...(parts.logger ? { loggerInstance: parts.logger } : { logger: false }),
    trustProxy: parts.trustedProxies && parts.trustedProxies.length > 0 ? parts.trustedProxies : false,
    // Keep-alive connections that are idle are closed on shutdown; busy ones finish their request.
    forceCloseConnections: "idle",
    requestIdHeader: false,
    // A client that trickles its request does not hold a connection for ever.
    requestTimeout: 120_000,
  });
  app.decorateRequest("principal", null);
  app.decorateRequest("auditTarget", null);
  app.setErrorHandler(replyWithError);
  // Tenant ids are GUIDs, stored lower-cased (as the CLI and Event Grid give them): any case finds them.
  app.addHook("onRequest", async (request) => {
    const params = request.params as { tenantId?: unknown };
    if (typeof params.tenantId === "string" && GUID.test(params.tenantId)) {
      params.tenantId = params.tenantId.toLowerCase();
    }
  });
  app.addHook(
    "onRequest",
    accessHook({
      verifier: parts.verifier,
      roles: parts.roles,
      eventGrid: parts.eventGrid,
      ...(parts.metricsToken ? { metricsToken: parts.metricsToken } : {}),
    }),
  );
  registerAuditTrail(app, parts.audit, parts.now ?? (() => new Date()));
  // Reports are a map of weaknesses: no proxy or browser cache may keep one.
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    if (request.routeOptions.config.access !== "public") reply.header("cache-control", "no-store");
    return payload;
  });
  const metrics = parts.metrics;
  if (metrics) {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
    registerMetricsRoute(app, metrics.registry);
  }

  const store = parts.store;
  registerProbes(
    app,
    parts.storeAnswers ??
      (async () => {
        await store.listSnapshots(PROBE_TENANT, { limit: 1 });
      }),
    parts.readinessTimeoutMs ?? 2000,
  );
  registerReportRoutes(app, store);
  registerSnapshotRoutes(app, store);
  registerHistoryRoute(app, store, parts.collectors ?? []);
  registerBaselineRoutes(app, store);
  registerCheckRoutes(app, parts.jobs);
  registerEventRoutes(app, parts.jobs);
  await app.ready();
  return app;
}
