import { defaultCollectors } from "@azure-drift/cli";
import { type Store, staticTokenCredential } from "@azure-drift/core";
import { createMongoStore, type MongoStore } from "@azure-drift/store-mongo";
import {
  type ArmReplayServer,
  generateTenant,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import type { Job } from "bullmq";
import { testDatabaseName, testMongoUri } from "../../../packages/store-mongo/test/server.js";
import type { CheckObserver, CheckTarget } from "../src/contracts.js";
import {
  type BullCheckJobs,
  type CheckJobData,
  type CheckWorker,
  type CheckWorkerOptions,
  createCheckJobs,
  type RetryOptions,
  startCheckWorker,
} from "../src/jobs/index.js";
import { connectTestRedis, testQueuePrefix, usePrefix, waitFor } from "./services.js";

export const TOKEN = "service-jobs-token";

/** What one check did, as the worker's observer saw it. */
export interface ObservedCheck {
  target: CheckTarget;
  kind: "full" | "targeted";
  startedAt: number;
  finishedAt?: number;
  ok?: boolean;
  driftBySeverity?: Record<string, number>;
}

/** An observer that records every call (a test double inside tests of the worker). */
export function recordingObserver(): CheckObserver & { checks: ObservedCheck[]; armStatuses: number[] } {
  const checks: ObservedCheck[] = [];
  const armStatuses: number[] = [];
  return {
    checks,
    armStatuses,
    checkStarted(target, kind) {
      checks.push({ target, kind, startedAt: Date.now() });
    },
    checkFinished(target, outcome) {
      const open = checks.find(
        (check) =>
          check.finishedAt === undefined &&
          check.kind === outcome.kind &&
          check.target.subscriptionId === target.subscriptionId,
      );
      if (open)
        Object.assign(open, {
          finishedAt: Date.now(),
          ok: outcome.ok,
          driftBySeverity: outcome.driftBySeverity,
        });
    },
    armResponse(status) {
      armStatuses.push(status);
    },
  };
}

/** Real parts for the job tests: a replay tenant over HTTPS, FerretDB, Redis, BullMQ. */
export interface JobsHarness {
  tenant: Tenant;
  server: ArmReplayServer;
  store: MongoStore;
  database: string;
  prefix: string;
  jobs: BullCheckJobs;
  target(index: number): CheckTarget;
  /** Starts an in-process worker (closed by `close`). */
  startWorker(
    extra?: Partial<CheckWorkerOptions> & { wrapStore?: (store: Store) => Store },
  ): Promise<CheckWorker>;
  /** Waits until the job reaches a finished state; answers it. */
  finished(jobId: string, timeoutMs?: number): Promise<Job<CheckJobData>>;
  close(): Promise<void>;
}

export async function jobsHarness(options: {
  seed: string;
  subscriptions?: number;
  resourcesPerSubscription?: number;
  latencyMs?: number;
  retry?: RetryOptions;
  debounceMs?: number;
}): Promise<JobsHarness> {
  const subscriptions = options.subscriptions ?? 2;
  const tenant = generateTenant({
    seed: options.seed,
    resources: subscriptions * (options.resourcesPerSubscription ?? 8),
    subscriptions,
  });
  const server = await startArmReplayServer({ tenant, token: TOKEN, latencyMs: options.latencyMs ?? 0 });
  const database = testDatabaseName();
  const store = await createMongoStore({ uri: testMongoUri(), database });
  const prefix = usePrefix(testQueuePrefix());
  const producerRedis = await connectTestRedis("producer");
  const jobs = createCheckJobs({
    connection: producerRedis,
    prefix,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  const workers: CheckWorker[] = [];
  const collectors = defaultCollectors();

  return {
    tenant,
    server,
    store,
    database,
    prefix,
    jobs,
    target: (index) => ({
      tenantId: tenant.tenantId,
      subscriptionId: tenant.subscriptions[index]!.subscriptionId,
    }),
    async startWorker(extra = {}) {
      const { wrapStore, ...rest } = extra;
      const worker = await startCheckWorker({
        connection: await connectTestRedis("worker"),
        prefix,
        store: wrapStore ? wrapStore(store) : store,
        credential: staticTokenCredential(TOKEN),
        arm: server.connection(),
        collectors,
        lockDurationMs: 10_000,
        stalledIntervalMs: 2000,
        ...(options.retry ? { retry: options.retry } : {}),
        ...rest,
      });
      workers.push(worker);
      return worker;
    },
    async finished(jobId, timeoutMs = 20_000) {
      return waitFor(
        `job ${jobId} to finish`,
        async () => {
          const job = await jobs.queue.getJob(jobId);
          const state = job ? await job.getState() : undefined;
          return job && (state === "completed" || state === "failed") ? job : undefined;
        },
        timeoutMs,
      );
    },
    async close() {
      for (const worker of workers.splice(0)) await worker.close(0);
      await jobs.close();
      await store.close();
      await server.close();
    },
  };
}
