import { readdir } from "node:fs/promises";
import type { DriftReport, JsonObject } from "@azure-drift/core";
import { generateTenant, resourcesOf, type Tenant } from "@azure-drift/testing";
import { describe, expect, test } from "vitest";
import { logLines, replayWorkspace } from "./helpers.js";

// A check scoped by management group, end to end: the real CLI resolves the group's subscriptions
// through @azure/arm-managementgroups over HTTPS against the replay server, whose tenant is the
// ground truth:
//
//   platform ── SUB_A
//   ├── prod  ── SUB_B
//   │   └── prod-eu ── SUB_C
//   sandbox  ── SUB_D
//   empty    (declared, nothing below it)

const TOKEN = "mg-token";
const SUB_A = "aaaaaaaa-0000-4000-8000-000000000001";
const SUB_B = "bbbbbbbb-0000-4000-8000-000000000002";
const SUB_C = "cccccccc-0000-4000-8000-000000000003";
const SUB_D = "dddddddd-0000-4000-8000-000000000004";
const NSG = "Microsoft.Network/networkSecurityGroups";
const DESCENDANTS_ROUTE = "list microsoft.management/managementgroups/descendants";

function hierarchyTenant(): Tenant {
  const tenant = generateTenant({
    seed: 11,
    resources: 80,
    subscriptions: [
      { subscriptionId: SUB_A, displayName: "Platform", state: "Enabled", managementGroups: ["platform"] },
      {
        subscriptionId: SUB_B,
        displayName: "Prod",
        state: "Enabled",
        managementGroups: ["prod", "platform"],
      },
      {
        subscriptionId: SUB_C,
        displayName: "Prod EU",
        state: "Enabled",
        managementGroups: ["prod-eu", "prod", "platform"],
      },
      { subscriptionId: SUB_D, displayName: "Sandbox", state: "Enabled", managementGroups: ["sandbox"] },
    ],
  });
  tenant.managementGroups = [{ name: "empty", displayName: "Nothing here yet" }];
  return tenant;
}

describe("check --management-group / managementGroup (real @azure/arm-managementgroups)", {
  timeout: 60_000,
}, () => {
  const workspace = replayWorkspace({
    tenant: hierarchyTenant,
    token: TOKEN,
    pageSize: 2,
    defaults: { logFormat: "json", collectors: ["network"], attribution: false },
  });
  const { config, run } = workspace;
  const scopesOfSnapshots = async () => {
    const listed = await run("snapshots", "--store", "store");
    expect(listed.code, listed.stderr).toBe(0);
    return (JSON.parse(listed.stdout) as { scopes: string[] }[]).map((snapshot) => snapshot.scopes);
  };
  const firstNsg = (subscriptionId: string) =>
    resourcesOf(workspace.server.tenant, { types: [NSG], subscriptionId })[0] as JsonObject;

  test("a configuration with managementGroup checks exactly the subscriptions below it, nested groups included", async () => {
    await config({ managementGroup: "platform" });
    const first = await run("check");
    expect(first.code, first.stderr).toBe(0);
    // Five descendants (prod, prod-eu, three subscriptions) in pages of two.
    expect(workspace.server.stats.byRoute[DESCENDANTS_ROUTE]).toBe(3);
    expect(logLines(first.stderr).find((line) => line.msg === "subscriptions resolved")).toMatchObject({
      managementGroup: "platform",
      subscriptions: [SUB_A, SUB_B, SUB_C],
    });
    expect(await scopesOfSnapshots()).toEqual([[SUB_A, SUB_B, SUB_C]]);

    // Drift inside the group is reported; drift in the sandbox, outside it, is not looked at.
    const inside = firstNsg(SUB_C);
    const outside = firstNsg(SUB_D);
    // An empty tags object is no tags at all to the diff: the new tag comes as `tags` added.
    expect(inside.tags).toEqual({});
    inside.tags = { owner: "prod-eu-team" };
    outside.tags = { ...(outside.tags as JsonObject), owner: "sandbox-team" };
    const second = await run("check");
    expect(second.code, second.stderr).toBe(2);
    const report = JSON.parse(second.stdout) as DriftReport;
    expect(
      report.resources.map((resource) => ({
        key: resource.key,
        status: resource.status,
        changes: resource.changes.map(({ path, kind, before, after }) => ({ path, kind, before, after })),
      })),
    ).toEqual([
      {
        key: String(inside.id).toLowerCase(),
        status: "modified",
        changes: [{ path: "tags", kind: "added", before: undefined, after: { owner: "prod-eu-team" } }],
      },
    ]);
  });

  test("--management-group on the command line replaces the configuration's subscriptions", async () => {
    await config({ subscriptions: [SUB_A] });
    const result = await run("collect", "--management-group", "sandbox");
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { scopes: string[] }).scopes).toEqual([SUB_D]);
    const bySubscription = await run("collect", "--subscription", SUB_B);
    expect(bySubscription.code, bySubscription.stderr).toBe(0);
    expect((JSON.parse(bySubscription.stdout) as { scopes: string[] }).scopes).toEqual([SUB_B]);
  });

  test("subscriptions and a management group together are bad input, on the command line and in the file", async () => {
    await config({});
    const flags = await run("check", "--subscription", SUB_A, "--management-group", "platform");
    expect(flags).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "azure-drift: E_INPUT: --subscription and --management-group name the scope two ways: pass one of them (a flag also replaces the configuration's subscriptions or managementGroup).\n",
    });
    await config({ subscriptions: [SUB_A], managementGroup: "platform" });
    const file = await run("check");
    expect(file.code).toBe(1);
    expect(file.stderr).toBe(
      "azure-drift: E_INPUT: azure-drift.config.json: managementGroup: give subscriptions or managementGroup, not both. Fix the file (its schema: azure-drift.config.schema.json).\n",
    );
    await config({});
    const badId = await run("check", "--management-group", "Platform Team/");
    expect(badId.stderr).toBe(
      'azure-drift: E_INPUT: Invalid management group id "Platform Team/": give the group\'s id (up to 90 letters, digits, -, _, ., ( or ); see az account management-group list), not its display name.\n',
    );
    expect(workspace.server.stats.requests).toBe(0);
  });

  test("a 403 on the descendants names the role to grant, and writes nothing", async () => {
    await config({ managementGroup: "platform" });
    workspace.server.setFaults({
      forbidden: [{ type: "Microsoft.Management/managementGroups/descendants" }],
    });
    const result = await run("check");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      `azure-drift: E_AUTH: ${workspace.server.url} denied listing the descendants of management group platform (403): check the group id (not its display name) and grant the identity the Management Group Reader role on the group (it carries Microsoft.Management/managementGroups/descendants/read), and Reader there so its subscriptions can be read.`,
    );
    expect(await readdir(workspace.dir)).toEqual(["azure-drift.config.json", "ca.pem"]);
  });

  test("a group with no subscription below it is bad input, and writes nothing", async () => {
    await config({ managementGroup: "empty" });
    const result = await run("check");
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      "azure-drift: E_INPUT: Management group empty holds no subscription, directly or in a group below it: nothing to check. Move subscriptions under it, or name another group.",
    );
    expect(workspace.server.stats.byRoute[DESCENDANTS_ROUTE]).toBe(1);
    expect(await readdir(workspace.dir)).toEqual(["azure-drift.config.json", "ca.pem"]);
  });
});
