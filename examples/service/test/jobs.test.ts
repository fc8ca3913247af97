import { DriftError, type Store } from "@azure-drift/core";
import { afterAll, describe, expect, test } from "vitest";
import { connectTestClient, dropTestDatabases } from "../../../packages/store-mongo/test/server.js";
import {
  connectRedis,
  fullCheckDeduplicationId,
  JOB_NAMES,
  readWorkerConfig,
  schedulerId,
} from "../src/jobs/index.js";
import { jobsHarness, recordingObserver } from "./harness-jobs.js";
import { dropTestQueues, testRedisUrl, waitFor } from "./services.js";

// The job system with its real parts: BullMQ over the Redis of .ci/services, workers running core's
// check with the built-in collectors over HTTPS against the replay server, the MongoDB store on
// FerretDB. One queue prefix and one database per test.

afterAll(async () => {
  await dropTestQueues();
  await dropTestDatabases();
});

/** A store whose `beginSnapshot` fails as given for the first calls, then is the real store. */
function failingFirst(store: Store, failures: DriftError[]): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "beginSnapshot") {
        return (...args: Parameters<Store["beginSnapshot"]>) => {
          const failure = failures.shift();
          return failure ? Promise.reject(failure) : target.beginSnapshot(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("check jobs over BullMQ and Redis", { timeout: 60_000 }, () => {
  test("a full check job runs core's check of one subscription: one committed snapshot of it, one report, the observer told", async () => {
    const h = await jobsHarness({ seed: "jobs-full" });
    try {
      const observer = recordingObserver();
      await h.startWorker({ observer });
      const target = h.target(0);
      const { jobId } = await h.jobs.checkNow(target);
      const job = await h.finished(jobId);
      expect(await job.getState(), job.failedReason).toBe("completed");
      expect(job.name).toBe(JOB_NAMES.full);
      expect(job.data).toEqual({ ...target, reason: "requested" });

      const snapshots = await h.store.listSnapshots(target.tenantId);
      expect(snapshots.map((meta) => meta.scopes)).toEqual([[target.subscriptionId]]);
      const [snapshot] = snapshots;
      expect(snapshot!.collectors.map((run) => run.outcome)).toEqual(
        snapshot!.collectors.map(() => "succeeded"),
      );
      expect(job.returnvalue).toEqual({
        snapshotId: snapshot!.id,
        reportId: expect.any(String),
        resources: snapshot!.resourceCount,
        added: 0,
        removed: 0,
        modified: 0,
        unknown: 0,
      });
      const report = await h.store.getReport(target.tenantId, job.returnvalue.reportId);
      expect(report?.current.snapshotId).toBe(snapshot!.id);
      expect(observer.checks).toEqual([
        {
          target,
          kind: "full",
          startedAt: expect.any(Number),
          finishedAt: expect.any(Number),
          ok: true,
          driftBySeverity: report!.summary.bySeverity,
        },
      ]);
    } finally {
      await h.close();
    }
  });

  test("two checkNow of one subscription queue one job; a request while it runs is kept as the one next check, never run beside it", async () => {
    // 40 ms per ARM request: a check takes long enough to be asked for again while it runs.
    const h = await jobsHarness({ seed: "jobs-dedup", latencyMs: 40 });
    try {
      const target = h.target(0);
      const first = await h.jobs.checkNow(target);
      const second = await h.jobs.checkNow(target);
      expect(second.jobId).toBe(first.jobId);
      // Full checks are prioritized (behind targeted checks): one job waits, nothing else.
      expect(await h.jobs.queue.getJobCounts("wait", "prioritized", "delayed", "active")).toEqual({
        wait: 0,
        prioritized: 1,
        delayed: 0,
        active: 0,
      });
      expect(await h.jobs.queue.getDeduplicationJobId(fullCheckDeduplicationId(target))).toBe(first.jobId);

      const observer = recordingObserver();
      await h.startWorker({ observer, concurrency: 4 });
      await waitFor("the check to run", async () => (await h.jobs.queue.getJob(first.jobId))?.isActive());
      const during = [await h.jobs.checkNow(target), await h.jobs.checkNow(target)];
      // While it runs, the answer is the running job; the request itself is kept once for later.
      expect(during.map((answer) => answer.jobId)).toEqual([first.jobId, first.jobId]);
      expect(await h.jobs.queue.getJobCounts("wait", "prioritized")).toEqual({ wait: 0, prioritized: 0 });

      await waitFor(
        "two checks to finish",
        () => observer.checks.filter((check) => check.ok).length === 2 || undefined,
      );
      // …and nothing more comes.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(observer.checks).toHaveLength(2);
      const [a, b] = observer.checks;
      expect(b!.startedAt).toBeGreaterThanOrEqual(a!.finishedAt!);
      expect(await h.store.listSnapshots(target.tenantId)).toHaveLength(2);
      expect(await h.jobs.queue.getJobCounts("completed", "failed")).toEqual({ completed: 2, failed: 0 });
    } finally {
      await h.close();
    }
  });

  test("schedule upserts one job scheduler per subscription: again changes nothing; a new subscription is checked at once; ticks queue full checks", async () => {
    const h = await jobsHarness({ seed: "jobs-schedule" });
    try {
      const targets = [h.target(0), h.target(1)];
      const THREE_HOURS = 3 * 60 * 60 * 1000;
      await h.jobs.schedule(targets, THREE_HOURS);
      const schedulers = async () =>
        (await h.jobs.queue.getJobSchedulers())
          .map(({ key, every, next }) => ({ key, every, next }))
          .sort((x, y) => (x.key < y.key ? -1 : 1));
      const first = await schedulers();
      expect(first.map(({ key, every }) => ({ key, every }))).toEqual(
        targets
          .map((target) => ({ key: schedulerId(target), every: THREE_HOURS }))
          .sort((x, y) => (x.key < y.key ? -1 : 1)),
      );
      // The next runs are spread over the period, each within it.
      for (const { next } of first) {
        expect(next).toBeGreaterThan(Date.now());
        expect(next).toBeLessThanOrEqual(Date.now() + THREE_HOURS);
      }
      const counts = () => h.jobs.queue.getJobCounts("delayed", "prioritized", "wait");
      // One delayed tick per subscription, one full check per new subscription.
      expect(await counts()).toEqual({ delayed: 2, prioritized: 2, wait: 0 });

      await h.jobs.schedule(targets, THREE_HOURS);
      expect(await schedulers()).toEqual(first);
      expect(await counts()).toEqual({ delayed: 2, prioritized: 2, wait: 0 });

      // A short period: the scheduler's ticks come, and each asks for a full check.
      const quick = h.target(0);
      await h.jobs.queue.removeJobScheduler(schedulerId(quick));
      await h.jobs.schedule([quick], 1500);
      const observer = recordingObserver();
      await h.startWorker({ observer });
      await waitFor(
        "three full checks of the quickly scheduled subscription",
        () =>
          observer.checks.filter((check) => check.ok && check.target.subscriptionId === quick.subscriptionId)
            .length >= 3 || undefined,
        15_000,
      );
      // schedule() itself queues at most one check per new scheduler (two calls here, deduplicated
      // while the first waits): a third scheduled check came from a tick (ticks are removed once done).
      const completed = await h.jobs.queue.getJobs(["completed"]);
      const scheduled = completed.filter(
        (job) =>
          job.name === JOB_NAMES.full &&
          job.data.reason === "scheduled" &&
          job.data.subscriptionId === quick.subscriptionId,
      );
      expect(scheduled.length).toBeGreaterThanOrEqual(3);
      await h.jobs.queue.removeJobScheduler(schedulerId(quick));
    } finally {
      await h.close();
    }
  });

  test("a transient failure is retried after the backoff, and the check then saves one snapshot; a permanent one fails at once", async () => {
    const BACKOFF = 700;
    const h = await jobsHarness({ seed: "jobs-retry", retry: { attempts: 3, backoffMs: BACKOFF } });
    try {
      const observer = recordingObserver();
      const failures = [new DriftError("E_STORE", "The store did not answer (a failover).")];
      await h.startWorker({ observer, wrapStore: (store) => failingFirst(store, failures) });
      const target = h.target(0);
      const job = await h.finished((await h.jobs.checkNow(target)).jobId);
      expect(await job.getState(), job.failedReason).toBe("completed");
      expect(job.attemptsStarted).toBe(2);
      expect(job.stacktrace).toHaveLength(1);
      expect(job.stacktrace?.[0]).toContain("The store did not answer");
      expect(observer.checks.map((check) => check.ok)).toEqual([false, true]);
      const [failed, retried] = observer.checks;
      expect(retried!.startedAt - failed!.finishedAt!).toBeGreaterThanOrEqual(BACKOFF - 50);
      expect(await h.store.listSnapshots(target.tenantId)).toHaveLength(1);

      // A damaged store is not mended by waiting: the job fails on its first attempt.
      failures.push(new DriftError("E_STORE_CORRUPT", "Snapshot x is damaged."));
      const broken = await h.finished((await h.jobs.checkNow(h.target(1))).jobId);
      expect(await broken.getState()).toBe("failed");
      expect(broken.attemptsStarted).toBe(1);
      expect(broken.failedReason).toBe("E_STORE_CORRUPT: Snapshot x is damaged.");
    } finally {
      await h.close();
    }
  });

  test("shutdown past its grace period aborts the running check: nothing of it is saved, the job goes back whole and another worker completes it", async () => {
    // 150 ms per ARM request: the check is still running when the grace period ends.
    const h = await jobsHarness({ seed: "jobs-shutdown", latencyMs: 150 });
    try {
      const observer = recordingObserver();
      const first = await h.startWorker({ observer });
      const target = h.target(0);
      const { jobId } = await h.jobs.checkNow(target);
      await waitFor("the check to start", () => observer.checks.length === 1 || undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await first.close(100);
      const job = (await h.jobs.queue.getJob(jobId))!;
      expect(await job.getState()).toBe("prioritized");
      expect(job.attemptsMade).toBe(0);
      expect(observer.checks.map((check) => check.ok)).toEqual([false]);
      expect(await h.store.listSnapshots(target.tenantId)).toEqual([]);
      // The aborted write left nothing behind, not even an uncommitted snapshot document.
      const client = await connectTestClient();
      expect(await client.db(h.database).collection("drift_snapshots").countDocuments({})).toBe(0);

      await h.startWorker({ observer });
      const done = await h.finished(jobId);
      expect(await done.getState(), done.failedReason).toBe("completed");
      expect(await h.store.listSnapshots(target.tenantId)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test("a burst of events on one resource costs one read: the subscription's events of the debounce window make one targeted check", async () => {
    const h = await jobsHarness({ seed: "jobs-debounce", debounceMs: 5000, resourcesPerSubscription: 30 });
    try {
      const target = h.target(0);
      const reads: string[] = [];
      const observer = recordingObserver();
      await h.startWorker({
        observer,
        arm: { ...h.server.connection(), onResponse: (info) => reads.push(`${info.method} ${info.url}`) },
      });
      // A targeted check compares with the subscription's latest snapshot: take one first.
      const full = await h.finished((await h.jobs.checkNow(target)).jobId);
      expect(await full.getState(), full.failedReason).toBe("completed");
      // Two resources of the network collector (it reads resources by id) in the subscription.
      const [resourceA, resourceB] = [...h.tenant.resources.values()]
        .filter(
          (resource) =>
            String(resource.id).toLowerCase().startsWith(`/subscriptions/${target.subscriptionId}/`) &&
            /^microsoft\.network\/[a-z]+$/i.test(String(resource.type)),
        )
        .map((resource) => String(resource.id));
      reads.length = 0;
      for (let i = 0; i < 25; i++) {
        // ARM spells ids in mixed case, and so do events: one resource however it is spelled.
        await h.jobs.checkResources(target, [i % 2 ? resourceA!.toLowerCase() : resourceA!]);
      }
      await h.jobs.checkResources(target, [resourceB!]);
      expect(await h.jobs.pending.count(target)).toEqual({ pending: 2, inFlight: 0 });
      const [delayed, ...more] = await h.jobs.queue.getJobs(["delayed"]);
      expect(more).toEqual([]);
      expect({ name: delayed!.name, data: delayed!.data }).toEqual({
        name: JOB_NAMES.targeted,
        data: target,
      });

      const job = await h.finished(delayed!.id!);
      expect(await job.getState(), job.failedReason).toBe("completed");
      expect(job.returnvalue).toEqual({ resources: 2, reportId: expect.any(String) });
      const report = await h.store.getReport(target.tenantId, job.returnvalue.reportId);
      expect(report?.scope).toEqual({
        kind: "resources",
        subscriptionId: target.subscriptionId,
        resourceIds: [resourceA!, resourceB!].sort(),
      });
      // One GET per resource, whatever the burst.
      const gets = (id: string) =>
        reads.filter((read) => read.toLowerCase().startsWith(`get ${h.server.url}${id.toLowerCase()}?`));
      expect(gets(resourceA!)).toHaveLength(1);
      expect(gets(resourceB!)).toHaveLength(1);
      expect(await h.jobs.pending.count(target)).toEqual({ pending: 0, inFlight: 0 });
      // Every ARM response reached the observer too (its metrics).
      expect(observer.armStatuses.length).toBeGreaterThan(reads.length);
      expect(observer.checks.map((check) => [check.kind, check.ok])).toEqual([
        ["full", true],
        ["targeted", true],
      ]);

      await expect(
        h.jobs.checkResources(target, [`/subscriptions/${h.target(1).subscriptionId}/resourceGroups/rg`]),
      ).rejects.toMatchObject({ code: "E_INPUT" });
    } finally {
      await h.close();
    }
  });

  test("events on a subscription with no snapshot yet queue its full check instead", async () => {
    const h = await jobsHarness({ seed: "jobs-first-event", debounceMs: 0 });
    try {
      const target = h.target(1);
      const observer = recordingObserver();
      await h.startWorker({ observer });
      const id = [...h.tenant.resources.values()]
        .map((resource) => String(resource.id))
        .find((each) =>
          each.toLowerCase().startsWith(`/subscriptions/${target.subscriptionId}/resourcegroups/`),
        )!;
      await h.jobs.checkResources(target, [id]);
      await waitFor("the full check", () =>
        observer.checks.find((check) => check.kind === "full" && check.ok),
      );
      expect(observer.checks.map((check) => [check.kind, check.ok])).toEqual([
        ["targeted", true],
        ["full", true],
      ]);
      expect((await h.store.listSnapshots(target.tenantId)).map((meta) => meta.scopes)).toEqual([
        [target.subscriptionId],
      ]);
    } finally {
      await h.close();
    }
  });
});

describe("configuration and connections", () => {
  test("a Redis that does not answer is E_NETWORK naming it, without its password", async () => {
    const url = testRedisUrl().replace(/:(\d+)$/, ":1");
    await expect(
      connectRedis(url.replace("redis://", "redis://user:s3cret@"), "producer", { timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      code: "E_NETWORK",
      message: expect.stringMatching(
        /^Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1 does not answer .*: start it, or point REDIS_URL at a Redis that runs\.$/,
      ),
    });
  });

  test("the worker's environment is checked, each fault named with what to set", () => {
    const base = { REDIS_URL: "redis://127.0.0.1:6379", MONGODB_URI: "mongodb://127.0.0.1:27017/azd" };
    expect(readWorkerConfig(base)).toMatchObject({
      concurrency: 2,
      requestConcurrency: 8,
      lockDurationMs: 30_000,
      stalledIntervalMs: 15_000,
      shutdownGraceMs: 30_000,
      queuePrefix: "azure-drift",
      attribution: true,
    });
    expect(() => readWorkerConfig({ MONGODB_URI: base.MONGODB_URI })).toThrow(
      "REDIS_URL is not set: set it to redis://host:6379.",
    );
    expect(() => readWorkerConfig({ ...base, MONGODB_URI: "postgres://x" })).toThrow(
      "MONGODB_URI must look like mongodb://host:27017/azure_drift.",
    );
    expect(() => readWorkerConfig({ ...base, METRICS_PORT: "9100" })).toThrow(
      "METRICS_PORT is set but METRICS_TOKEN is not: set the token Prometheus scrapes with (the API's METRICS_TOKEN).",
    );
    expect(readWorkerConfig({ ...base, METRICS_PORT: "9100", METRICS_TOKEN: "t" })).toMatchObject({
      metricsPort: 9100,
      metricsToken: "t",
    });
    expect(() => readWorkerConfig({ ...base, WORKER_CONCURRENCY: "0" })).toThrow(
      'WORKER_CONCURRENCY must be a whole number from 1 to 256; got "0".',
    );
  });
});
