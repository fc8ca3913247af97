import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testDatabaseUri } from "../../../packages/store-mongo/test/server.js";
import { CHECK_QUEUE, schedulerId } from "../src/jobs/index.js";
import { SUB_A as SUB, TENANT } from "./estate.js";
import { dropTestDatabases, ROLES } from "./harness.js";
import { startTestIssuer, type TestIssuer } from "./oidc-issuer.js";
import { connectTestRedis, dropTestQueues, testQueuePrefix, testRedisUrl, usePrefix } from "./services.js";

afterAll(dropTestDatabases);
afterAll(dropTestQueues);

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** The API as operators run it: its own process, configured by environment variables. */
function startApi(env: Record<string, string>): {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  listening: Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk) => {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        const address = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(line.msg));
        if (address) resolve(address[1]!);
        newline = buffer.indexOf("\n");
      }
    });
    void exit.then((code) => reject(new Error(`the API exited with ${code} before listening: ${stderr}`)));
  });
  // A test that expects no listening does not await it.
  listening.catch(() => {});
  return { child, lines, listening, exit };
}

describe("the API process", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => issuer?.close());

  test("serves with the real store and queue, and stops on SIGTERM closing everything", async () => {
    const prefix = usePrefix(testQueuePrefix());
    const api = startApi({
      HOST: "127.0.0.1",
      PORT: "0",
      MONGODB_URI: testDatabaseUri(),
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      SCHEDULE: `${TENANT}/${SUB.toUpperCase()}`,
      SCHEDULE_EVERY_MINUTES: "60",
      OIDC_ISSUER: issuer.issuer,
      OIDC_AUDIENCE: issuer.audience,
      METRICS_TOKEN: "m".repeat(40),
    });
    const token = await issuer.token({ roles: [ROLES.read, ROLES.check] });
    try {
      const base = await api.listening;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // The schedule was upserted in the queue: one job scheduler for the subscription, every hour.
      const queue = new Queue(CHECK_QUEUE, { connection: await connectTestRedis(), prefix });
      try {
        const schedulers = await queue.getJobSchedulers();
        expect(schedulers.map((scheduler) => [scheduler.key, scheduler.every])).toEqual([
          [schedulerId({ tenantId: TENANT, subscriptionId: SUB }), 3_600_000],
        ]);
      } finally {
        await queue.close();
      }
      const headers = { authorization: `Bearer ${token}` };
      const snapshots = await fetch(`${base}/tenants/${TENANT}/snapshots`, { headers });
      expect(await snapshots.json()).toEqual({ snapshots: [] });
      const check = await fetch(`${base}/tenants/${TENANT}/subscriptions/${SUB}/checks`, {
        method: "POST",
        headers,
      });
      expect(check.status).toBe(202);
      expect(typeof ((await check.json()) as { jobId: unknown }).jobId).toBe("string");
      const metrics = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${"m".repeat(40)}` },
      });
      expect(await metrics.text()).toContain(
        'azure_drift_http_requests_total{method="POST",route="/tenants/:tenantId/subscriptions/:subscriptionId/checks",status="202",process="api"} 1',
      );
    } finally {
      api.child.kill("SIGTERM");
    }
    expect(await api.exit).toBe(0);
    const closing = api.lines.filter((line) =>
      ["shutting down", "closed", "could not close"].includes(String(line.msg)),
    );
    expect(
      closing.map((line) => line.step ?? line.msg),
      JSON.stringify(closing),
    ).toEqual(["shutting down", "http", "jobs", "redis", "store", "mongodb"]);
    // The request log has the headers, redacted.
    expect(JSON.stringify(api.lines)).toContain('"authorization":"[redacted]"');
    expect(JSON.stringify(api.lines)).not.toContain(token);
  });

  test("a configuration that is wrong stops the start with one line naming the variables", async () => {
    const api = startApi({
      MONGODB_URI: "mongodb://user:hunter2@127.0.0.1:1/x",
      OIDC_ISSUER: "http://login.example",
    });
    expect(await api.exit).toBe(1);
    const fatal = api.lines.find((line) => line.level === 60);
    expect(fatal).toMatchObject({ msg: "azure-drift API could not start", code: "E_INPUT" });
    expect(String(fatal?.error)).toMatch(/OIDC_ISSUER: must be https:\/\/.*OIDC_AUDIENCE:/);
    expect(JSON.stringify(api.lines)).not.toContain("hunter2");
  });
});
