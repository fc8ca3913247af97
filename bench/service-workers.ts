// Service benchmark (issue #16): full checks as BullMQ jobs over Redis, run by 1, 2 and 4 worker
// processes (examples/service's worker-main, as deployed) over the same replay tenant, writing to
// the MongoDB store; checks per minute and ARM requests per second, against the 1-worker run of the
// same bench run and against the ideal set by the replay server's latency and ARM's
// per-subscription limits. `--quick` for fewer subscriptions (a smoke run).
//
// How it is measured: the replay server runs in its own process (ARM is remote); each row starts
// its workers afresh on a queue and a database of its own and waits until they are ready; a first
// round of checks (every subscription's first snapshot, and the SDK modules loaded) is not timed;
// the timed round queues one full check per subscription and ends when the last one completes.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type ReplayProcess, startReplayProcess } from "./lib/replay-process.js";
import { serviceUrl } from "./lib/services.js";
import { formatMs, markdownTable, ratio } from "./lib/table.js";

const quick = process.argv.includes("--quick");
const SUBSCRIPTIONS = quick ? 8 : 32;
const RESOURCES_PER_SUBSCRIPTION = 40;
const LATENCY_MS = 50;
const WORKER_COUNTS = [1, 2, 4];
/** Checks at once per worker process (worker-main's default). */
const JOBS_PER_WORKER = 2;
/** ARM requests in flight at once within one check (worker-main's default). */
const REQUESTS_PER_CHECK = 8;
/** ARM's read limits per subscription and principal (token bucket, 2024 on). */
const ARM_BUCKET = 250;
const ARM_REFILL_PER_S = 25;

const root = fileURLToPath(new URL("..", import.meta.url));
const workerMain = `${root}examples/service/src/jobs/worker-main.ts`;

/** CPU (user + system) of a process so far, ms (Linux /proc; NaN elsewhere). */
async function cpuMs(pid: number): Promise<number> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
  } catch {
    return Number.NaN;
  }
}

/** The pids of the store and queue servers of .ci/services, when the benchmark uses them. */
async function serverPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const [name, variable] of [
    ["ferretdb", "MONGODB_URI"],
    ["redis", "REDIS_URL"],
  ] as const) {
    if (process.env[variable]) continue;
    const pid = Number(await readFile(`${root}.services/${name}/pid`, "utf8").catch(() => ""));
    if (pid > 0) pids.push(pid);
  }
  return pids;
}

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
}

function startWorker(name: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", workerMain], {
    env: { ...process.env, ...env, WORKER_NAME: name, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready`)));
    // Ready once its queue connection is up: the line "worker ready" of its JSON log.
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.includes('"msg":"worker ready"')) resolve();
    });
  });
  return { child, ready };
}

interface RowResult {
  workers: number;
  wallMs: number;
  requests: number;
  throttled: number;
  workerCpuMs: number;
  /** CPU of the store and Redis servers of .ci/services in the timed round (NaN when external). */
  serverCpuMs: number;
  loadBefore: string;
  loadAfter: string;
  serverLateMeanMs: number;
}

async function measure(
  workers: number,
  server: ReplayProcess,
  caFile: string,
  urls: { mongo: string; redis: string },
): Promise<RowResult> {
  const { connectRedis, createCheckJobs } = await import("../examples/service/src/jobs/index.js");
  const prefix = `azd-bench-${randomBytes(4).toString("hex")}`;
  const database = `azd_bench_${randomBytes(4).toString("hex")}`;
  const mongoUri = urls.mongo.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?/i, `$1/${database}`);
  const env = {
    REDIS_URL: urls.redis,
    MONGODB_URI: mongoUri,
    QUEUE_PREFIX: prefix,
    AZURE_DRIFT_ARM_ENDPOINT: server.url,
    AZURE_DRIFT_CA_CERT: caFile,
    AZURE_DRIFT_ACCESS_TOKEN: "bench",
    AZURE_DRIFT_ATTRIBUTION: "off",
    WORKER_CONCURRENCY: String(JOBS_PER_WORKER),
    CHECK_CONCURRENCY: String(REQUESTS_PER_CHECK),
  };
  const processes = Array.from({ length: workers }, (_, i) => startWorker(`bench-${i + 1}`, env));
  const redis = await connectRedis(urls.redis, "producer");
  const jobs = createCheckJobs({ connection: redis, prefix });
  const targets = server.subscriptions.map((subscriptionId) => ({
    tenantId: server.tenantId,
    subscriptionId,
  }));
  const round = async (done: number) => {
    for (const target of targets) await jobs.checkNow(target);
    for (;;) {
      // Counts only (no job bodies): the poll must not load the machine it measures.
      const { completed = 0, failed = 0 } = await jobs.queue.getJobCounts("completed", "failed");
      if (failed > 0) {
        const [job] = await jobs.queue.getJobs(["failed"]);
        throw new Error(`a check failed: ${job?.failedReason}`);
      }
      if (completed >= done) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await Promise.all(processes.map((worker) => worker.ready));
    await round(targets.length);
    await server.resetStats();
    const cpuBefore = await Promise.all(processes.map((worker) => cpuMs(worker.child.pid!)));
    const servers = await serverPids();
    const serverBefore = await Promise.all(servers.map(cpuMs));
    const loadBefore = loadavg()[0]!.toFixed(1);
    const started = performance.now();
    await round(2 * targets.length);
    const wallMs = performance.now() - started;
    const cpuAfter = await Promise.all(processes.map((worker) => cpuMs(worker.child.pid!)));
    const serverAfter = await Promise.all(servers.map(cpuMs));
    const stats = await server.stats();
    return {
      workers,
      wallMs,
      requests: stats.requests,
      throttled: stats.throttled,
      workerCpuMs: cpuAfter.reduce((sum, value, i) => sum + value - cpuBefore[i]!, 0),
      serverCpuMs: servers.length
        ? serverAfter.reduce((sum, value, i) => sum + value - serverBefore[i]!, 0)
        : Number.NaN,
      loadBefore,
      loadAfter: loadavg()[0]!.toFixed(1),
      serverLateMeanMs: stats.lateMs.total / Math.max(1, stats.requests),
    };
  } finally {
    await Promise.all(
      processes.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null) return resolve();
            worker.child.once("exit", () => resolve());
            worker.child.kill("SIGTERM");
          }),
      ),
    );
    await jobs.queue.obliterate({ force: true });
    await jobs.close();
    await redis.quit();
    const { MongoClient } = await import("mongodb");
    const client = new MongoClient(mongoUri);
    await client.db(database).dropDatabase();
    await client.close();
  }
}

async function main() {
  const urls = {
    mongo: serviceUrl("MONGODB_URI", "bench/service-workers"),
    redis: serviceUrl("REDIS_URL", "bench/service-workers"),
  };
  const server = await startReplayProcess({
    resources: SUBSCRIPTIONS * RESOURCES_PER_SUBSCRIPTION,
    subscriptions: SUBSCRIPTIONS,
    pageSize: 100,
    latencyMs: LATENCY_MS,
    throttleRate: 0,
    seed: 1,
    mix: "all",
  });
  const dir = await mkdtemp(join(tmpdir(), "azd-bench-service-"));
  const caFile = join(dir, "ca.pem");
  await writeFile(caFile, server.ca);
  const results: RowResult[] = [];
  try {
    for (const workers of WORKER_COUNTS) results.push(await measure(workers, server, caFile, urls));
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }

  const perCheck = results[0]!.requests / SUBSCRIPTIONS;
  // One check: its requests spread over its limiter, or its longest chain of dependent requests.
  const checkIdealMs = Math.max(
    (perCheck * LATENCY_MS) / REQUESTS_PER_CHECK,
    server.criticalPathRequests * LATENCY_MS,
  );
  // ARM: a check of more than the bucket's requests waits for the refill (none here: each check's
  // requests fit in its subscription's bucket of 250).
  const armWaitMs = (Math.max(0, perCheck - ARM_BUCKET) / ARM_REFILL_PER_S) * 1000;
  const baseline = results[0]!;
  // Checks per minute the machine's cores allow at the CPU this row's checks cost (workers, and
  // the store and Redis when they run here): the bound once latency is no longer the limit.
  const ceiling = (result: RowResult) =>
    (cpus().length * 60_000 * SUBSCRIPTIONS) /
    (result.workerCpuMs + (Number.isNaN(result.serverCpuMs) ? 0 : result.serverCpuMs));
  const rows = results.map((result) => {
    const parallel = result.workers * JOBS_PER_WORKER;
    const idealMs = Math.ceil(SUBSCRIPTIONS / parallel) * (checkIdealMs + armWaitMs);
    const checksPerMinute = (SUBSCRIPTIONS / result.wallMs) * 60_000;
    const requestsPerSecond = (result.requests / result.wallMs) * 1000;
    return [
      `${result.workers} worker process${result.workers > 1 ? "es" : ""} × ${JOBS_PER_WORKER} checks`,
      formatMs(result.wallMs),
      checksPerMinute.toFixed(0),
      `${requestsPerSecond.toFixed(0)}${result.throttled ? ` (${result.throttled} × 429)` : ""}`,
      ratio(checksPerMinute, (SUBSCRIPTIONS / baseline.wallMs) * 60_000),
      formatMs(idealMs),
      ((SUBSCRIPTIONS / idealMs) * 60_000).toFixed(0),
      ratio(result.wallMs, idealMs),
      `${formatMs(result.workerCpuMs)} (${(result.workerCpuMs / SUBSCRIPTIONS).toFixed(0)} ms/check)`,
      Number.isNaN(result.serverCpuMs) ? "-" : `${(result.serverCpuMs / SUBSCRIPTIONS).toFixed(0)} ms/check`,
      ceiling(result).toFixed(0),
      Math.min(ceiling(result), (SUBSCRIPTIONS / idealMs) * 60_000).toFixed(0),
      `${result.loadBefore} → ${result.loadAfter}`,
    ];
  });
  console.log(
    `Full checks of ${SUBSCRIPTIONS} subscriptions (${RESOURCES_PER_SUBSCRIPTION} resources each, every generated type, every built-in collector; ${perCheck.toFixed(0)} ARM requests per check), ${LATENCY_MS} ms per ARM request, queued at once as BullMQ jobs on the Redis of .ci/services, run by worker-main processes (${JOBS_PER_WORKER} checks at once each, ${REQUESTS_PER_CHECK} requests at once per check, attribution off) writing to the MongoDB store (FerretDB unless MONGODB_URI is set); the timed round is every subscription's second check. ${cpus().length} cores. Ideal = ⌈subscriptions ÷ checks at once⌉ × one check's ideal, max(${perCheck.toFixed(0)} requests × ${LATENCY_MS} ms ÷ ${REQUESTS_PER_CHECK}, the longest chain of ${server.criticalPathRequests} dependent requests × ${LATENCY_MS} ms) = ${formatMs(checkIdealMs)}, plus ARM's wait when a check needs more than a subscription's bucket of ${ARM_BUCKET} reads (refilled at ${ARM_REFILL_PER_S}/s): ${formatMs(armWaitMs)} here. ARM's cap on the whole estate is ${ARM_REFILL_PER_S} reads/s per subscription and principal sustained: ${SUBSCRIPTIONS * ARM_REFILL_PER_S} requests/s for these ${SUBSCRIPTIONS} subscriptions.\n`,
  );
  console.log(
    markdownTable(
      [
        "workers",
        "wall (timed round)",
        "checks/min",
        "ARM requests/s",
        "checks/min × 1 worker",
        "ideal",
        "ideal checks/min",
        "wall ÷ ideal",
        "worker CPU",
        "store + Redis CPU",
        "CPU ceiling (checks/min)",
        "min(ideal, CPU ceiling)",
        "load average",
      ],
      rows,
    ),
  );
  console.log(
    `\nCPU ceiling = ${cpus().length} cores × 60 s ÷ the CPU one check cost (workers, store and Redis): what the machine allows once latency is not the limit; min(ideal, CPU ceiling) is what the row's workers could reach on this machine with its cores to themselves. Worker CPU is measured per process (/proc), so it holds under load; wall time does not.`,
  );
  console.log(
    `\nReplay server late by ${results.map((result) => result.serverLateMeanMs.toFixed(1)).join(" / ")} ms per response on average (1 / 2 / 4 workers).`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
