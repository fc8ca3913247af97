import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DriftReport, STARTING_POINT_NOTICE } from "@azure-drift/core";
import {
  type ArmReplayServer,
  filterTruth,
  generateTenant,
  mutateTenant,
  startArmReplayServer,
  type TruthChange,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { defaultCollectors } from "../src/collectors.js";
import {
  type CliResult,
  truthFindings as expected,
  reportFindings as findings,
  logLines,
  runCli,
} from "./helpers.js";

// The CLI end to end: real collectors and Azure SDK clients over HTTPS against the replay server,
// the file store on disk, a generated 2k-resource tenant mutated with known ground truth.

const TOKEN = "cli-e2e-token";
const COLLECTED_TYPES = defaultCollectors().flatMap((collector) => collector.types.map((type) => type.type));

function parseReport(result: CliResult): DriftReport {
  return JSON.parse(result.stdout) as DriftReport;
}

describe("check against the replay server (2k resources)", { timeout: 120_000 }, () => {
  let server: ArmReplayServer;
  let dir: string;
  let truth: TruthChange[];
  let subscriptions: string[];
  let truthReportId: string;
  const env = { AZURE_DRIFT_ACCESS_TOKEN: TOKEN };

  const arm = () => ["--arm-endpoint", server.url, "--ca-cert", join(dir, "ca.pem")];
  const check = (...extra: string[]) =>
    runCli(["check", ...arm(), "--store", join(dir, "store"), "--format", "json", ...extra], {
      env,
      cwd: dir,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-cli-e2e-"));
    const tenant = generateTenant({ seed: 42, resources: 2000, subscriptions: 2 });
    subscriptions = tenant.subscriptions.map((sub) => sub.subscriptionId);
    server = await startArmReplayServer({ tenant, pageSize: 100, token: TOKEN });
    await writeFile(join(dir, "ca.pem"), server.ca);

    const first = await check();
    expect(first.code, first.stderr).toBe(0);
    // The first check: a report with no drift whose notice says it is the starting point.
    const firstReport = parseReport(first);
    expect(firstReport.resources).toEqual([]);
    expect(firstReport.unknown).toEqual([]);
    expect(firstReport.notices).toContain(STARTING_POINT_NOTICE);
    expect(logLines(first.stderr).map((line) => line.msg)).toContain(
      "first check of these subscriptions: this snapshot is the starting point",
    );
    const accepted = await runCli(
      ["baseline", "accept", "before", "--store", join(dir, "store"), "--tenant", tenant.tenantId],
      { cwd: dir },
    );
    expect(accepted.code, accepted.stderr).toBe(0);

    const mutation = mutateTenant(server.tenant, { churn: 0.02, seed: 7, noise: 0.05 });
    truth = filterTruth(mutation.changes, COLLECTED_TYPES);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  test("the report equals the mutator's ground truth, exit code 2", async () => {
    expect(truth.length).toBeGreaterThan(10);
    const result = await check("--baseline", "before");
    expect(result.code, result.stderr).toBe(2);
    const report = parseReport(result);
    truthReportId = report.id;
    expect(report.unknown).toEqual([]);
    expect(findings(report)).toEqual(expected(truth));
  });

  test("the same with 20 % of requests throttled (429 with Retry-After)", async () => {
    server.setFaults({ throttleRate: 0.2, retryAfter: 1, retryAfterMs: 5, seed: 3 });
    server.resetStats();
    try {
      const result = await check("--baseline", "before", "--log-level", "debug");
      expect(result.code, result.stderr).toBe(2);
      expect(server.stats.throttled).toBeGreaterThan(0);
      const report = parseReport(result);
      expect(report.unknown).toEqual([]);
      expect(findings(report)).toEqual(expected(truth));
      // Retries show up in the structured logs.
      expect(logLines(result.stderr).some((line) => line.event === "retry")).toBe(true);
    } finally {
      server.setFaults({});
    }
  });

  test("without --baseline a check compares with the previous snapshot: no drift since, exit 0", async () => {
    const result = await check();
    expect(result.code, result.stderr).toBe(0);
    const report = parseReport(result);
    expect(report.resources).toEqual([]);
    expect(report.unknown).toEqual([]);
  });

  test("a 403 on one subscription: unknown entries for it, never removals, exit code 2", async () => {
    const [open, denied] = subscriptions as [string, string];
    server.setFaults({ forbidden: [{ subscriptionId: denied }] });
    try {
      const result = await check("--baseline", "before");
      expect(result.code, result.stderr).toBe(2);
      const report = parseReport(result);
      // Nothing of the denied subscription is reported added, removed or modified…
      expect(report.resources.filter((resource) => resource.key.includes(denied))).toEqual([]);
      // …its slices are unknown…
      expect(report.unknown.length).toBeGreaterThan(0);
      expect(report.unknown.every((entry) => entry.scope === denied)).toBe(true);
      // …and the open subscription's drift is still exact.
      expect(findings(report)).toEqual(expected(truth.filter((change) => change.subscriptionId === open)));
    } finally {
      server.setFaults({});
    }
  });

  test("report shows a stored report; --min-severity and --ignore filter it and its exit code", async () => {
    const show = (...extra: string[]) =>
      runCli(
        [
          "report",
          truthReportId,
          "--store",
          join(dir, "store"),
          "--tenant",
          server.tenant.tenantId,
          "--format",
          "json",
          ...extra,
        ],
        {
          cwd: dir,
        },
      );
    const all = await show();
    expect(all.code).toBe(2);
    expect(findings(parseReport(all))).toEqual(expected(truth));
    const critical = parseReport(await show("--min-severity", "critical"));
    const expectedCritical = parseReport(all)
      .resources.map((resource) => ({
        key: resource.key,
        changes: resource.changes
          .filter((change) => change.severity === "critical")
          .map((change) => change.path),
      }))
      .filter((resource) => resource.changes.length > 0);
    expect(
      critical.resources.map((resource) => ({
        key: resource.key,
        changes: resource.changes.map((change) => change.path),
      })),
    ).toEqual(expectedCritical);
    const ignored = await show("--ignore", "**");
    // Every field change is ignored; only resources added or removed remain.
    expect(findings(parseReport(ignored))).toEqual(
      expected(truth.filter((change) => change.status !== "modified")).map((change) => ({
        ...change,
        paths: [],
      })),
    );
  });

  test("collect saves a snapshot and prints its metadata", async () => {
    const result = await runCli(
      ["collect", ...arm(), "--store", join(dir, "store"), "--subscription", subscriptions[0]!],
      {
        env,
        cwd: dir,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.scopes).toEqual([subscriptions[0]]);
    expect(summary.incomplete).toEqual([]);
    expect(summary.resourceCount).toBeGreaterThan(0);
    const listed = await runCli(
      ["snapshots", "--store", join(dir, "store"), "--tenant", server.tenant.tenantId, "--limit", "1"],
      { cwd: dir },
    );
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((row: { id: string }) => row.id)).toEqual([summary.snapshotId]);
  });

  test("prune keeps the newest snapshots and the baseline's", async () => {
    const store = ["--store", join(dir, "store"), "--tenant", server.tenant.tenantId];
    const list = async () =>
      (
        JSON.parse((await runCli(["snapshots", ...store, "--limit", "100"], { cwd: dir })).stdout) as {
          id: string;
        }[]
      ).map((row) => row.id);
    const baseline = JSON.parse((await runCli(["baseline", "list", ...store], { cwd: dir })).stdout) as {
      snapshotId: string;
    }[];
    const before = await list();
    expect(before.length).toBeGreaterThan(3);
    const result = await runCli(["prune", ...store, "--keep-last", "2"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const pruned = JSON.parse(result.stdout) as { snapshotsRemoved: string[] };
    const kept = [...new Set([...before.slice(0, 2), baseline[0]!.snapshotId])];
    expect(await list()).toEqual(before.filter((id) => kept.includes(id)));
    expect([...pruned.snapshotsRemoved].sort()).toEqual(before.filter((id) => !kept.includes(id)).sort());
    const refused = await runCli(["prune", ...store], { cwd: dir });
    expect(refused).toEqual({
      code: 1,
      stdout: "",
      stderr: "azure-drift: E_INPUT: Say what to remove: pass --keep-last N, --older-than DATE, or both.\n",
    });
  });

  test("Ctrl-C (the run's AbortSignal) stops a check: exit 1, one line, no snapshot saved", async () => {
    const list = async () =>
      JSON.parse(
        (
          await runCli(
            [
              "snapshots",
              "--store",
              join(dir, "store"),
              "--tenant",
              server.tenant.tenantId,
              "--limit",
              "100",
            ],
            { cwd: dir },
          )
        ).stdout,
      ) as unknown[];
    const before = await list();
    server.setFaults({ latencyMs: 100 });
    try {
      const controller = new AbortController();
      const running = runCli(["check", ...arm(), "--store", join(dir, "store"), "--format", "json"], {
        env,
        cwd: dir,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error("interrupted")), 1500);
      const result = await running;
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      const lines = result.stderr.split("\n").filter((text) => text && !text.startsWith("{"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^azure-drift: E_ABORTED: .*cancelled/);
    } finally {
      server.setFaults({});
    }
    expect(await list()).toEqual(before);
  });

  describe("bad input: one line, exit 1, nothing written", () => {
    async function expectError(
      argv: string[],
      line: string | RegExp,
      options: { env?: Record<string, string> } = {},
    ) {
      const store = await mkdtemp(join(tmpdir(), "azd-cli-bad-"));
      const result = await runCli([...argv, "--store", join(store, "s"), "--format", "json"], {
        env: options.env ?? env,
        cwd: dir,
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      const lines = result.stderr.split("\n").filter((text) => text && !text.startsWith("{"));
      expect(lines).toHaveLength(1);
      if (typeof line === "string") expect(lines[0]).toBe(line);
      else expect(lines[0]).toMatch(line);
      expect(await readdir(store)).toEqual([]);
    }

    test("an endpoint that does not answer", async () => {
      const port = await closedPort();
      await expectError(
        ["check", "--arm-endpoint", `https://127.0.0.1:${port}`],
        `azure-drift: E_NETWORK: https://127.0.0.1:${port} did not answer (ECONNREFUSED) while listing subscriptions: check --arm-endpoint or --cloud and your network or proxy.`,
      );
    });

    test("a bad or expired token (401)", async () => {
      await expectError(
        ["check", ...arm()],
        `azure-drift: E_AUTH: ${server.url} refused the credential (401) while listing subscriptions: the token is invalid or expired; refresh AZURE_DRIFT_ACCESS_TOKEN or sign in again (az login).`,
        { env: { AZURE_DRIFT_ACCESS_TOKEN: "expired-token" } },
      );
    });

    test("a subscription the credential cannot see", async () => {
      const unknown = "0badc0de-0000-4000-8000-000000000000";
      await expectError(
        ["check", ...arm(), "--subscription", unknown],
        `azure-drift: E_AUTH: Subscription ${unknown} is not visible to this credential: check the id (az account list) and grant the identity the Reader role on it.`,
      );
    });

    test("the replay server's certificate without --ca-cert", async () => {
      await expectError(
        ["check", "--arm-endpoint", server.url],
        /^azure-drift: E_NETWORK: TLS verification of https:\/\/127\.0\.0\.1:\d+ failed \([A-Z_]+\) while listing subscriptions: pass the endpoint's CA certificate with --ca-cert FILE\.$/,
      );
    });

    test("a --tenant that is not the subscriptions' tenant", async () => {
      const other = "0badc0de-0000-4000-8000-0000000000aa";
      await expectError(
        ["check", ...arm(), "--tenant", other, "--subscription", subscriptions[0]!],
        `azure-drift: E_INPUT: Subscription ${subscriptions[0]} belongs to tenant ${server.tenant.tenantId}, not ${other}: pass --tenant ${server.tenant.tenantId}, or only that tenant's subscriptions.`,
      );
    });

    test("a baseline that does not exist", async () => {
      await expectError(
        ["check", ...arm(), "--baseline", "approved"],
        `azure-drift: E_NOT_FOUND: No baseline named "approved" for tenant ${server.tenant.tenantId}: create it with \`azure-drift baseline accept approved\`, or leave out --baseline to compare with the previous snapshot.`,
      );
    });
  });
});

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}
