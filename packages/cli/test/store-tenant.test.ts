import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

// The store commands find the tenant themselves when the store holds only one: a newcomer runs
// `azure-drift demo --store s` and then `azure-drift report --store s`, with no tenant id to look up.
describe("store commands without --tenant", { timeout: 90_000 }, () => {
  let dir: string;
  let store: string;
  let tenant: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "azure-drift-tenant-"));
    store = join(dir, "store");
    const demo = await runCli(["demo", "--store", store, "--format", "json"], { cwd: dir });
    expect(demo.code, demo.stderr).toBe(0);
    tenant = (JSON.parse(demo.stdout) as DriftReport).tenantId;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("with one tenant in the store, snapshots, report and baseline use it", async () => {
    const snapshots = await runCli(["snapshots", "--store", store], { cwd: dir });
    expect(snapshots.code, snapshots.stderr).toBe(0);
    expect((JSON.parse(snapshots.stdout) as unknown[]).length).toBe(2);

    const report = await runCli(["report", "--store", store, "--format", "json"], { cwd: dir });
    expect(report.code, report.stderr).toBe(2);
    expect((JSON.parse(report.stdout) as DriftReport).tenantId).toBe(tenant);

    const accepted = await runCli(["baseline", "accept", "approved", "--store", store], { cwd: dir });
    expect(accepted.code, accepted.stderr).toBe(0);
    const list = await runCli(["baseline", "list", "--store", store], { cwd: dir });
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "approved", tenantId: tenant }]);
  });

  test("with several tenants, the error lists them", async () => {
    const several = join(dir, "several");
    await cp(store, several, { recursive: true });
    const other = "0a0a0a0a-0000-4000-8000-000000000001";
    const [folder] = await readdir(join(several, "tenants"));
    await cp(join(several, "tenants", folder!), join(several, "tenants", other), { recursive: true });
    const result = await runCli(["snapshots", "--store", several], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `The store at ${several} holds 2 tenants: pass --tenant with one of ${[other, tenant].sort().join(", ")} (or set AZURE_TENANT_ID).`,
    );
    const chosen = await runCli(["snapshots", "--store", several, "--tenant", tenant], { cwd: dir });
    expect(chosen.code, chosen.stderr).toBe(0);
  });

  test("report with no store at the path says so, not which tenant", async () => {
    const result = await runCli(["report", "--store", "missing"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`No azure-drift store at ${join(dir, "missing")}`);
    expect(result.stderr).not.toContain("Which tenant");
  });
});
