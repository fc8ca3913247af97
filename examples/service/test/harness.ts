import type { Store } from "@azure-drift/core";
import { createMongoStore } from "@azure-drift/store-mongo";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Db } from "mongodb";
import {
  connectTestClient,
  dropTestDatabases,
  testDatabaseName,
  testMongoUri,
} from "../../../packages/store-mongo/test/server.js";
import type { CheckJobs, CheckTarget } from "../src/contracts.js";
import { type AppParts, buildApp } from "../src/http/app.js";
import { type AuditEntry, createMongoAuditSink } from "../src/http/audit.js";
import { createTokenVerifier } from "../src/http/tokens.js";
import { createServiceMetrics, type ServiceMetrics } from "../src/metrics.js";
import { startTestIssuer, type TestIssuer } from "./oidc-issuer.js";

export { dropTestDatabases };

export const ROLES = {
  read: "Drift.Read",
  baseline: "Drift.Baseline",
  check: "Drift.Check",
  events: "AzureEventGridSecureWebhookSubscriber",
};
export const METRICS_TOKEN = "scrape-token-0123456789abcdef0123456789";
export const NOW = new Date("2026-12-06T12:00:00.000Z");

/** A {@link CheckJobs} test double that records what the HTTP layer asked for. */
export function recordingJobs(): CheckJobs & {
  checkNowCalls: CheckTarget[];
  checkResourcesCalls: { target: CheckTarget; resourceIds: string[] }[];
  failNext?: Error;
} {
  const jobs = {
    checkNowCalls: [] as CheckTarget[],
    checkResourcesCalls: [] as { target: CheckTarget; resourceIds: string[] }[],
    failNext: undefined as Error | undefined,
    async schedule() {},
    async checkNow(target: CheckTarget) {
      const failure = jobs.failNext;
      jobs.failNext = undefined;
      if (failure) throw failure;
      jobs.checkNowCalls.push(target);
      return { jobId: `full:${target.tenantId}:${target.subscriptionId}` };
    },
    async checkResources(target: CheckTarget, resourceIds: string[]) {
      const failure = jobs.failNext;
      jobs.failNext = undefined;
      if (failure) throw failure;
      jobs.checkResourcesCalls.push({ target, resourceIds });
    },
    async close() {},
  };
  return jobs;
}

/** The app over real parts: a local OIDC issuer, the MongoDB store and audit log on the test server. */
export interface Harness {
  app: FastifyInstance;
  issuer: TestIssuer;
  store: Store;
  db: Db;
  jobs: ReturnType<typeof recordingJobs>;
  metrics: ServiceMetrics;
  /** The audit log as stored, oldest first, without Mongo's `_id`. */
  auditEntries(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Partial<AppParts> & { logger?: FastifyBaseLogger } = {},
): Promise<Harness> {
  const issuer = await startTestIssuer();
  const database = testDatabaseName();
  const store = await createMongoStore({ uri: testMongoUri(), database });
  const client = await connectTestClient();
  const db = client.db(database);
  const audit = createMongoAuditSink(db, "audit");
  await audit.ensureIndexes();
  const jobs = recordingJobs();
  const metrics = createServiceMetrics({ processMetrics: false });
  const app = await buildApp({
    store,
    jobs,
    verifier: createTokenVerifier({
      issuer: issuer.issuer,
      audiences: [issuer.audience],
      algorithms: ["RS256"],
      rolesClaim: "roles",
      clockToleranceSec: 5,
      // Tests rotate keys at once; production keeps jose's guard against refetch storms.
      keysCooldownMs: 0,
    }),
    roles: ROLES,
    eventGrid: { audiences: [issuer.audience], appIds: [] },
    audit,
    metrics,
    metricsToken: METRICS_TOKEN,
    now: () => NOW,
    ...overrides,
  });
  return {
    app,
    issuer,
    store,
    db,
    jobs,
    metrics,
    async auditEntries() {
      const entries = await db
        .collection<AuditEntry>("audit")
        .find({}, { projection: { _id: 0 } })
        .toArray();
      const order = (entry: AuditEntry) => (entry.outcome === "attempted" ? 0 : 1);
      return entries.sort(
        (a, b) =>
          a.request.requestId.localeCompare(b.request.requestId, "en", { numeric: true }) ||
          order(a) - order(b),
      );
    },
    async close() {
      await app.close();
      await store.close().catch(() => {});
      await issuer.close();
    },
  };
}
