import type { DriftReport } from "@azure-drift/core";
import { demoTenant } from "@azure-drift/testing";
import { afterAll, describe, expect, test } from "vitest";
import { connectTestClient, dropTestDatabases, testDatabaseUri } from "../../store-mongo/test/server.js";
import { runCli } from "./helpers.js";

afterAll(dropTestDatabases);

const tenant = demoTenant().tenantId.toLowerCase();

describe("--store mongodb://… (against the test server of .ci/services)", { timeout: 120_000 }, () => {
  test("store init creates the indexes, and running it again changes nothing", async () => {
    const uri = testDatabaseUri();
    const first = await runCli(["store", "init", "--store", uri]);
    expect(first.code, first.stderr).toBe(0);
    const answer = JSON.parse(first.stdout) as { store: string; indexes: Record<string, string[]> };
    expect(answer.indexes.drift_snapshots).toEqual([
      "tenant_snapshot",
      "tenant_state_started",
      "tenant_state_scope_started",
    ]);
    expect(answer.indexes.drift_documents).toEqual(["tenant_hash"]);
    const again = await runCli(["store", "init", "--store", uri]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(answer);
    const client = await connectTestClient();
    const database = new URL(uri.replace(/^mongodb/, "http")).pathname.slice(1);
    const names = (await client.db(database).collection("drift_snapshots").indexes()).map(
      (index) => index.name,
    );
    expect(names.sort()).toEqual([
      "_id_",
      "tenant_snapshot",
      "tenant_state_scope_started",
      "tenant_state_started",
    ]);
  });

  test("demo keeps its snapshots and report in MongoDB; snapshots, report, baseline and prune read them", async () => {
    const uri = testDatabaseUri();
    const demo = await runCli(["demo", "--format", "json", "--store", uri]);
    expect(demo.code, demo.stderr).toBe(0);
    const demoReport = JSON.parse(demo.stdout) as DriftReport;
    expect(demoReport.resources.length).toBeGreaterThan(0);

    const listed = await runCli(["snapshots", "--store", uri, "--tenant", tenant]);
    expect(listed.code, listed.stderr).toBe(0);
    const snapshots = JSON.parse(listed.stdout) as { id: string; resourceCount: number }[];
    expect(snapshots).toHaveLength(2);
    expect(snapshots[0]?.resourceCount).toBeGreaterThan(0);

    const report = await runCli(["report", "--store", uri, "--tenant", tenant, "--format", "json"]);
    expect(report.code, report.stderr).toBe(2);
    expect(JSON.parse(report.stdout)).toEqual(demoReport);

    const accepted = await runCli(["baseline", "accept", "approved", "--store", uri, "--tenant", tenant]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ name: "approved", snapshotId: snapshots[0]?.id });

    const pruned = await runCli(["prune", "--keep-last", "0", "--store", uri, "--tenant", tenant]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout).snapshotsRemoved).toEqual([snapshots[1]?.id]);
  });

  test("operator-shaped arguments are plain strings that match nothing, never widened queries", async () => {
    const uri = testDatabaseUri();
    const demo = await runCli(["demo", "--format", "json", "--store", uri]);
    expect(demo.code, demo.stderr).toBe(0);
    for (const crafted of ['{"$gt":""}', '{"$ne":null}', "$where", ".*"]) {
      const report = await runCli(["report", crafted, "--store", uri, "--tenant", tenant]);
      expect(report.code).toBe(1);
      expect(report.stderr).toBe(
        `azure-drift: E_NOT_FOUND: No report ${crafted} for tenant ${tenant}: run \`azure-drift check\` to make one.\n`,
      );
      const accepted = await runCli([
        "baseline",
        "accept",
        "x",
        "--snapshot",
        crafted,
        "--store",
        uri,
        "--tenant",
        tenant,
      ]);
      expect(accepted.code).toBe(1);
      expect(accepted.stderr).toMatch(/^azure-drift: E_NOT_FOUND: /);
    }
    const notATenant = await runCli(["snapshots", "--store", uri, "--tenant", '{"$ne":null}']);
    expect(notATenant.code).toBe(1);
    expect(notATenant.stderr).toMatch(/^azure-drift: E_INPUT: Invalid tenant id/);
    const baselines = await runCli(["baseline", "list", "--store", uri, "--tenant", tenant]);
    expect(JSON.parse(baselines.stdout)).toEqual([]);
  });

  test("a password in the URI never reaches the output", async () => {
    const uri = testDatabaseUri().replace("mongodb://", "mongodb://drift:hunter2-secret@");
    const result = await runCli(["store", "init", "--store", uri]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^azure-drift: E_STORE: /);
    expect(result.stderr + result.stdout).not.toContain("hunter2-secret");
  });
});
