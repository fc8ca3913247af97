import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { activityLogAttribution } from "@azure-drift/attribution";
import { defaultCollectors } from "@azure-drift/cli";
import { type DriftReport, staticTokenCredential } from "@azure-drift/core";
import { createMongoStore, type MongoStore } from "@azure-drift/store-mongo";
import {
  type ArmReplayServer,
  filterTruth,
  generateTenant,
  mutateTenant,
  startArmReplayServer,
  summarizeDrift,
  summarizeTruth,
  type Tenant,
  type TruthChange,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from "vitest";
import {
  connectTestClient,
  dropTestDatabases,
  testDatabaseName,
  testMongoUri,
} from "../../../packages/store-mongo/test/server.js";
import type { CheckTarget } from "../src/contracts.js";
import { type BullCheckJobs, createCheckDetector, createCheckJobs, JOB_NAMES } from "../src/jobs/index.js";
import { scheduleOffset } from "../src/jobs/job-model.js";
import {
  connectTestRedis,
  dropTestQueues,
  testQueuePrefix,
  testRedisUrl,
  usePrefix,
  waitFor,
} from "./services.js";

// Many machines, with the real parts: three worker processes (worker-main, as deployed) take the
// check jobs of a 20-subscription replay tenant from BullMQ over Redis and write to one MongoDB
// store (FerretDB); one of them is SIGKILLed while it holds a check. Every subscription must still
// be checked once per round, nothing half-written may become visible, and the reports must equal
// those of one process checking the same tenant alone.

const TOKEN = "many-workers-token";
const SUBSCRIPTIONS = 20;
const WORKERS = 3;
const here = fileURLToPath(new URL(".", import.meta.url));
const workerMain = fileURLToPath(new URL("../src/jobs/worker-main.ts", import.meta.url));

/**
 * A schedule period near 3 h whose first tick, for every target, comes at least `marginMs` from
 * now. BullMQ puts an `every` scheduler's first tick at the first `k·every + offset` after now, a
 * wall-clock slot: with a fixed period, a tick falls within this test on some days at some hours
 * (at 17:28:32 UTC for one of these 20 subscriptions) and adds a full check the test does not count.
 */
function quietPeriod(targets: readonly CheckTarget[], marginMs: number, now = Date.now()): number {
  const firstTick = (target: CheckTarget, every: number) => {
    const slot = Math.floor(now / every) * every + scheduleOffset(target, every);
    return slot < now ? slot + every : slot;
  };
  for (let every = 3 * 60 * 60 * 1000; ; every += 60_000) {
    if (targets.every((target) => firstTick(target, every) - now >= marginMs)) return every;
  }
}

/** One JSON log line of a worker process. */
interface LogLine {
  msg: string;
  jobId?: string;
  kind?: string;
  subscriptionId?: string;
  [field: string]: unknown;
}

/** A worker-main process and what it logged. */
interface WorkerProcess {
  name: string;
  child: ChildProcess;
  lines: LogLine[];
  exited: Promise<number | null>;
}

function spawnWorker(name: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", workerMain], {
    env: {
      ...process.env,
      ...env,
      WORKER_NAME: name,
      TSX_TSCONFIG_PATH: join(here, "child", "tsconfig.json"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: `(not JSON) ${line}` });
    }
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      if (code !== 0 && code !== null) console.error(`worker ${name} exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  return { name, child, lines, exited };
}

/** A report without what differs between two runs of the same check: ids and times. */
function comparable(report: DriftReport) {
  const { id: _id, createdAt: _createdAt, base: _base, current: _current, ...rest } = report;
  // Attribution names the window it searched: the two runs' snapshots were taken at other times.
  return JSON.parse(JSON.stringify(rest).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>"));
}

describe("3 worker processes over 20 subscriptions, one SIGKILLed mid-check", { timeout: 180_000 }, () => {
  let tenant: Tenant;
  let server: ArmReplayServer;
  let dir: string;
  let shared: MongoStore;
  let sharedDatabase: string;
  let single: MongoStore;
  let jobs: BullCheckJobs;
  let truth: TruthChange[];
  const workers: WorkerProcess[] = [];
  const targets = (): CheckTarget[] =>
    tenant.subscriptions.map(({ subscriptionId }) => ({ tenantId: tenant.tenantId, subscriptionId }));

  /** Waits until `count` full-check jobs completed in all; fails on a failed one. */
  const completedFullChecks = (count: number, timeoutMs: number) =>
    waitFor(
      `${count} completed full checks`,
      async () => {
        const failed = await jobs.queue.getJobs(["failed"]);
        if (failed.length > 0) throw new Error(`A check job failed: ${failed[0]!.failedReason}`);
        const done = (await jobs.queue.getJobs(["completed"])).filter((job) => job.name === JOB_NAMES.full);
        return done.length >= count ? done : undefined;
      },
      timeoutMs,
      200,
    );

  /** The same tenant checked by one process, this test's, with the same pieces (the reference). */
  const checkInOneProcess = async () => {
    const detector = createCheckDetector({
      store: single,
      credential: staticTokenCredential(TOKEN),
      arm: server.connection(),
      collectors: defaultCollectors(),
      attribution: activityLogAttribution(),
    });
    const reports = new Map<string, DriftReport>();
    const bases = new Map<string, string | undefined>();
    // One check after the other, as one process running the CLI's check per subscription would.
    for (const { tenantId, subscriptionId } of targets()) {
      const { report, base } = await detector.check({ tenantId, subscriptions: [subscriptionId] });
      reports.set(subscriptionId, report);
      bases.set(subscriptionId, base?.id);
    }
    return { reports, bases };
  };

  beforeAll(async () => {
    tenant = generateTenant({
      seed: "many-workers",
      resources: SUBSCRIPTIONS * 6,
      subscriptions: SUBSCRIPTIONS,
    });
    server = await startArmReplayServer({ tenant, token: TOKEN });
    dir = await mkdtemp(join(tmpdir(), "azd-many-workers-"));
    await writeFile(join(dir, "ca.pem"), server.ca);
    sharedDatabase = testDatabaseName();
    shared = await createMongoStore({ uri: testMongoUri(), database: sharedDatabase });
    single = await createMongoStore({ uri: testMongoUri(), database: testDatabaseName() });
    const prefix = usePrefix(testQueuePrefix());
    jobs = createCheckJobs({ connection: await connectTestRedis("producer"), prefix });
    const env = {
      REDIS_URL: testRedisUrl(),
      MONGODB_URI: testMongoUri().replace(/^(mongodb:\/\/[^/?]*)(\/[^?]*)?/i, `$1/${sharedDatabase}`),
      QUEUE_PREFIX: prefix,
      AZURE_DRIFT_ARM_ENDPOINT: server.url,
      AZURE_DRIFT_CA_CERT: join(dir, "ca.pem"),
      AZURE_DRIFT_ACCESS_TOKEN: TOKEN,
      WORKER_CONCURRENCY: "2",
      // Short locks: a job lost with its worker is taken back within about 12 s (long enough that
      // a live worker on a loaded machine renews its locks in time).
      WORKER_LOCK_DURATION_MS: "10000",
      WORKER_STALLED_INTERVAL_MS: "2000",
      LOG_LEVEL: "info",
      // Each worker serves its own metrics, on a port of its choosing here.
      METRICS_PORT: "0",
      METRICS_TOKEN: "scrape-token",
    };
    for (let i = 1; i <= WORKERS; i++) workers.push(spawnWorker(`worker-${i}`, env));
    await waitFor(
      "the worker processes to be ready",
      () => workers.every((worker) => worker.lines.some((line) => line.msg === "worker ready")) || undefined,
      60_000,
      100,
    );
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM");
      await worker.exited;
    }
    await jobs?.close();
    await shared?.close();
    await single?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await dropTestQueues();
    await dropTestDatabases();
  });

  test("every subscription is checked, the SIGKILLed worker's checks are taken over, nothing partial is visible, and the reports equal one process's", async () => {
    // What the workers did, to tell why when this fails.
    onTestFailed(() => {
      for (const worker of workers) {
        console.error(`${worker.name}:\n${worker.lines.map((line) => JSON.stringify(line)).join("\n")}`);
      }
    });
    // Round 1: scheduling 20 new subscriptions checks each at once (and their ticks come after this test).
    const every = quietPeriod(targets(), 10 * 60 * 1000);
    await jobs.schedule(targets(), every);
    const nextTicks = (await jobs.queue.getJobSchedulers()).map((scheduler) => Number(scheduler.next));
    expect(nextTicks).toHaveLength(SUBSCRIPTIONS);
    expect(Math.min(...nextTicks) - Date.now()).toBeGreaterThan(5 * 60 * 1000);
    const [, first] = await Promise.all([completedFullChecks(SUBSCRIPTIONS, 60_000), checkInOneProcess()]);
    expect([...first.bases.values()]).toEqual(targets().map(() => undefined));
    const firstSnapshots = await single.listSnapshots(tenant.tenantId);
    expect(firstSnapshots.map((meta) => meta.scopes.join()).sort()).toEqual(
      targets()
        .map((t) => t.subscriptionId)
        .sort(),
    );

    const mutation = mutateTenant(tenant, { churn: 0.3, seed: 11 });
    truth = filterTruth(
      mutation.changes,
      defaultCollectors().flatMap((collector) => collector.types.map((type) => type.type)),
    );
    expect(truth.length).toBeGreaterThan(SUBSCRIPTIONS);

    // Round 2, slowed (80 ms per ARM request) so that a check is still running when its worker dies.
    server.setFaults({ latencyMs: 80 });
    const victim = workers[1]!;
    const startedBefore = victim.lines.filter((line) => line.msg === "job started").length;
    for (const target of targets()) await jobs.checkNow(target);
    const running = () => {
      const started = victim.lines.filter((line) => line.msg === "job started").slice(startedBefore);
      const finished = new Set(
        victim.lines.filter((line) => line.msg === "job finished").map((line) => line.jobId),
      );
      return started.filter((line) => !finished.has(line.jobId)).map((line) => String(line.jobId));
    };
    await waitFor(`${victim.name} to hold a check`, () => running().length > 0 || undefined, 30_000, 10);
    // Mid-check: its collectors are reading ARM.
    await new Promise((resolve) => setTimeout(resolve, 150));
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBe(null);
    // What it held when it died (its log is written synchronously, so it is whole).
    const lostJobIds = running();
    expect(lostJobIds.length).toBeGreaterThan(0);
    const done = await completedFullChecks(2 * SUBSCRIPTIONS, 90_000);
    server.setFaults({});
    const second = await checkInOneProcess();
    const reference = second.reports;
    // The reference compared each subscription with its first snapshot.
    const firstIds = new Map(firstSnapshots.map((meta) => [meta.scopes.join(), meta.id]));
    expect(Object.fromEntries(second.bases)).toEqual(Object.fromEntries(firstIds));
    // Every round-2 check ran to completion once, the lost ones by a surviving worker.
    const round2 = done.filter((job) => job.data.reason === "requested");
    expect(round2.map((job) => job.data.subscriptionId).sort()).toEqual(
      targets()
        .map((target) => target.subscriptionId)
        .sort(),
    );
    for (const jobId of lostJobIds) {
      const job = round2.find((each) => each.id === jobId)!;
      expect(job, `lost job ${jobId}`).toBeDefined();
      expect(job.attemptsStarted).toBeGreaterThanOrEqual(2);
      expect(job.processedBy).not.toBe(victim.name);
    }

    // Two committed snapshots per subscription, complete and readable; the killed worker's
    // writes stay invisible (at most one uncommitted document per check it held, never listed).
    // One full check per subscription and round, no other (a scheduler's tick would be one more).
    const fullChecks = (await jobs.queue.getJobs(["completed"])).filter((job) => job.name === JOB_NAMES.full);
    expect(fullChecks.map((job) => job.data.reason).sort()).toEqual([
      ...Array<string>(SUBSCRIPTIONS).fill("requested"),
      ...Array<string>(SUBSCRIPTIONS).fill("scheduled"),
    ]);
    const listed = await shared.listSnapshots(tenant.tenantId);
    expect(listed).toHaveLength(2 * SUBSCRIPTIONS);
    for (const target of targets()) {
      const mine = listed.filter((meta) => meta.scopes.join() === target.subscriptionId);
      expect(mine, target.subscriptionId).toHaveLength(2);
      for (const meta of mine) {
        expect(meta.collectors.every((run) => run.outcome === "succeeded")).toBe(true);
        expect(meta.coverage.every((entry) => entry.complete)).toBe(true);
        let records = 0;
        for await (const _ of shared.readRecords(tenant.tenantId, meta.id)) records++;
        expect(records).toBe(meta.resourceCount);
      }
    }
    const client = await connectTestClient();
    const documents = await client
      .db(sharedDatabase)
      .collection("drift_snapshots")
      .find({ tenantId: tenant.tenantId }, { projection: { _id: 0, snapshotId: 1, state: 1 } })
      .toArray();
    const uncommitted = documents.filter((document) => document.state !== "complete");
    expect(uncommitted.length).toBeLessThanOrEqual(lostJobIds.length);
    expect(uncommitted.every((document) => document.state === "writing")).toBe(true);
    const listedIds = new Set(listed.map((meta) => meta.id));
    expect(uncommitted.filter((document) => listedIds.has(String(document.snapshotId)))).toEqual([]);

    // The surviving workers' metrics count the checks they completed, and ARM's answers.
    const survivors = workers.filter((worker) => worker !== victim);
    const scrapes = await Promise.all(
      survivors.map(async (worker) => {
        const url = String(worker.lines.find((line) => line.msg === "worker ready")?.metrics);
        expect((await fetch(url)).status).toBe(401);
        const answer = await fetch(url, { headers: { authorization: "Bearer scrape-token" } });
        expect(answer.status).toBe(200);
        return answer.text();
      }),
    );
    const sample = (text: string, name: string, ...labels: string[]) =>
      text
        .split("\n")
        .filter((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)))
        .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
    const completedBySurvivors = done.filter((job) =>
      survivors.some((worker) => worker.name === job.processedBy),
    ).length;
    expect(
      scrapes.reduce(
        (sum, text) => sum + sample(text, "azure_drift_checks_total", 'kind="full"', 'outcome="ok"'),
        0,
      ),
    ).toBe(completedBySurvivors);
    for (const text of scrapes) {
      expect(sample(text, "azure_drift_arm_responses_total", 'status="200"')).toBeGreaterThan(0);
    }

    // The reports equal those of one process checking the same tenant, and the mutator's truth.
    for (const job of round2) {
      const { subscriptionId } = job.data;
      const report = await shared.getReport(tenant.tenantId, job.returnvalue.reportId);
      expect(comparable(report!), subscriptionId).toEqual(comparable(reference.get(subscriptionId)!));
      // The mutator's truth, resource by resource (its changed paths are the collectors' own tests').
      const statuses = (entries: { key: string; status: string }[]) =>
        entries.map(({ key, status }) => ({ key, status }));
      expect(statuses(summarizeDrift(report!.resources)), subscriptionId).toEqual(
        statuses(summarizeTruth(truth.filter((change) => change.subscriptionId === subscriptionId))),
      );
    }
  });
});
