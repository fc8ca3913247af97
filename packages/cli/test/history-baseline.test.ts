import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffStoredSnapshots } from "@azure-drift/core";
import { createFileStore } from "@azure-drift/store-file";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

const tenant = "72f988bf-0000-4000-8000-00000000de00";
const nsg =
  "/subscriptions/1c6f0e57-0000-4000-8000-000000000001/resourceGroups/rg-network/providers/Microsoft.Network/networkSecurityGroups/nsg-web-frontend";
let dir: string;
let store: string;
let snapshots: { id: string }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "azure-drift-history-"));
  store = join(dir, "store");
  const demo = await runCli(["demo", "--store", store, "--format", "json"], { cwd: dir });
  expect(demo.code).toBe(0);
  const listed = await runCli(["snapshots", "--store", store, "--tenant", tenant], { cwd: dir });
  snapshots = JSON.parse(listed.stdout);
  expect(snapshots).toHaveLength(2);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reportAgainstBaseline() {
  const files = await createFileStore({ directory: store });
  try {
    const baseline = await files.getBaseline(tenant, "approved");
    return await diffStoredSnapshots(files, tenant, baseline?.snapshotId ?? "", snapshots[0]?.id ?? "");
  } finally {
    await files.close();
  }
}

async function findingsAgainstBaseline(): Promise<string[]> {
  const report = await reportAgainstBaseline();
  return report.resources.map((resource) => `${resource.status} ${resource.name}`).sort();
}

/** Findings as `baseline accept` counts them: each field change, or the resource added or removed. */
async function findingCount(): Promise<number> {
  const report = await reportAgainstBaseline();
  return report.resources.reduce(
    (count, resource) => count + (resource.status === "modified" ? resource.changes.length : 1),
    0,
  );
}

describe("azure-drift history and baseline accept --only", () => {
  test("history lists one resource's changes newest first, rated as in the check", async () => {
    const result = await runCli(
      ["history", nsg.toLowerCase(), "--store", store, "--tenant", tenant, "--format", "json"],
      {
        cwd: dir,
      },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const history = JSON.parse(result.stdout);
    expect(history.snapshots).toBe(2);
    expect(history.firstSeen.snapshotId).toBe(snapshots[1]?.id);
    expect(
      history.entries.map(
        (entry: {
          snapshotId: string;
          status: string;
          severity: string;
          changes: { path: string; ruleId: string }[];
        }) => [
          entry.snapshotId,
          entry.status,
          entry.severity,
          entry.changes.map((change) => [change.path, change.ruleId]),
        ],
      ),
    ).toEqual([
      [
        snapshots[0]?.id,
        "modified",
        "critical",
        [["properties.securityRules[name=Allow-SSH-Internet]", "core/nsg-open-management-port"]],
      ],
    ]);
    // Who made the change: the attribution of the stored report of that check, as the report gives it.
    const report = await runCli(["report", "--store", store, "--tenant", tenant, "--format", "json"], {
      cwd: dir,
    });
    const reported = (
      JSON.parse(report.stdout) as { resources: { key: string; attribution?: unknown }[] }
    ).resources.find((resource) => resource.key === nsg.toLowerCase());
    expect(history.entries[0].attribution).toEqual({
      status: "found",
      operations: [
        {
          caller: "dana.ops@contoso.example",
          operationName: "Microsoft.Network/networkSecurityGroups/write",
          status: "Succeeded",
          timestamp: expect.any(String),
          correlationId: expect.any(String),
        },
      ],
    });
    expect(history.entries[0].attribution).toEqual(reported?.attribution);
    const text = await runCli(["history", nsg, "--store", store, "--tenant", tenant, "--format", "text"], {
      cwd: dir,
    });
    expect(text.stdout.split("\n").slice(0, 2)).toEqual([
      `${nsg}: 1 change in 2 snapshots`,
      `${history.entries[0].takenAt}  modified (critical)  snapshot ${snapshots[0]?.id}  by dana.ops@contoso.example`,
    ]);
    const bad = await runCli(["history", "nsg-web-frontend", "--store", store, "--tenant", tenant], {
      cwd: dir,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not an ARM resource id/);
  });

  test("--only accepts just the named drift into the baseline; the rest is still reported", async () => {
    const accept = await runCli(
      [
        "baseline",
        "accept",
        "approved",
        "--snapshot",
        snapshots[1]?.id ?? "",
        "--store",
        store,
        "--tenant",
        tenant,
      ],
      { cwd: dir },
    );
    expect(accept.code).toBe(0);
    const everything = await findingsAgainstBaseline();
    const findings = await findingCount();
    expect(everything).toContain("modified nsg-web-frontend");
    expect(everything).toContain("removed rt-legacy-egress");
    expect(everything).toContain("modified agw-web");

    const partial = await runCli(
      [
        "baseline",
        "accept",
        "approved",
        "--only",
        "properties.securityRules[name=Allow-SSH-Internet]",
        "--only",
        "/subscriptions/*/routeTables/rt-legacy-egress",
        "--store",
        store,
        "--tenant",
        tenant,
      ],
      { cwd: dir },
    );
    expect(partial.stderr).toBe("");
    expect(partial.code).toBe(0);
    const result = JSON.parse(partial.stdout);
    expect(result.accepted).toBe(2);
    // The two accepted are one change each; a resource with several changes counts each of them.
    expect(result.remaining).toBe(findings - 2);
    const after = await findingsAgainstBaseline();
    expect(after).toEqual(
      everything.filter(
        (entry) => entry !== "modified nsg-web-frontend" && entry !== "removed rt-legacy-egress",
      ),
    );

    // The merged snapshot is an approval, not an observation: the timeline does not change.
    const history = await runCli(["history", nsg, "--store", store, "--tenant", tenant, "--format", "json"], {
      cwd: dir,
    });
    expect(JSON.parse(history.stdout).snapshots).toBe(2);
  });
});
