import { ManagementGroupsAPI } from "@azure/arm-managementgroups";
import type { TokenCredential } from "@azure/core-auth";
import { isRestError } from "@azure/core-rest-pipeline";
import { staticTokenCredential } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ArmReplayServer, createTenant, startArmReplayServer, type Tenant } from "../src/index.js";
import { rawGet } from "./support/https.js";

// A management group's descendants through the real @azure/arm-managementgroups client, against a
// tenant whose hierarchy is the ground truth:
//
//   tenant root (TENANT)
//   ├── platform
//   │   ├── prod        ── SUB_A
//   │   │   └── prod-eu ── SUB_B
//   │   └── (SUB_C directly)
//   ├── sandbox         ── SUB_D
//   └── empty           (declared, nothing below it)
//   SUB_E sits under the root itself.

const credential = staticTokenCredential("test-token") as TokenCredential;
const TENANT = "7d4c1a00-0000-4000-8000-0000000000aa";
const SUB_A = "aaaaaaaa-0000-4000-8000-000000000001";
const SUB_B = "bbbbbbbb-0000-4000-8000-000000000002";
const SUB_C = "cccccccc-0000-4000-8000-000000000003";
const SUB_D = "dddddddd-0000-4000-8000-000000000004";
const SUB_E = "eeeeeeee-0000-4000-8000-000000000005";
const GROUPS = "/providers/Microsoft.Management/managementGroups";

function hierarchyTenant(): Tenant {
  return createTenant({
    tenantId: TENANT,
    subscriptions: [
      { subscriptionId: SUB_A, displayName: "Prod A", managementGroups: ["prod", "platform"] },
      { subscriptionId: SUB_B, displayName: "Prod EU", managementGroups: ["prod-eu", "prod", "platform"] },
      { subscriptionId: SUB_C, displayName: "Platform C", managementGroups: ["platform"] },
      { subscriptionId: SUB_D, displayName: "Sandbox", managementGroups: ["sandbox"] },
      { subscriptionId: SUB_E, displayName: "Loose" },
    ],
    managementGroups: [{ name: "empty", displayName: "Nothing here yet" }],
  });
}

const subscription = (id: string, displayName: string, parent: string) => ({
  id: `/subscriptions/${id}`,
  type: "Microsoft.Management/managementGroups/subscriptions",
  name: id,
  displayName,
  parent: { id: `${GROUPS}/${parent}` },
});
const group = (name: string, parent: string) => ({
  id: `${GROUPS}/${name}`,
  type: "Microsoft.Management/managementGroups",
  name,
  displayName: name,
  parent: { id: `${GROUPS}/${parent}` },
});

describe("replay server: management group descendants (real @azure/arm-managementgroups 2.0.2)", () => {
  let server: ArmReplayServer;
  let client: ManagementGroupsAPI;

  beforeAll(async () => {
    server = await startArmReplayServer({ tenant: hierarchyTenant(), pageSize: 2 });
    const connection = server.connection();
    client = new ManagementGroupsAPI(credential, {
      endpoint: connection.endpoint,
      $host: connection.endpoint,
      credentialScopes: connection.credentialScopes,
      tlsOptions: { ca: connection.ca },
      retryOptions: { maxRetries: 0 },
    });
  });
  afterAll(() => server.close());

  const descendants = async (groupId: string) => {
    const out: unknown[] = [];
    for await (const item of client.managementGroups.listDescendants(groupId)) out.push(item);
    return out;
  };

  test("every group and subscription below, nested ones included, each naming its parent, in pages", async () => {
    server.resetStats();
    expect(await descendants("platform")).toEqual([
      group("prod", "platform"),
      group("prod-eu", "prod"),
      subscription(SUB_A, "Prod A", "prod"),
      subscription(SUB_B, "Prod EU", "prod-eu"),
      subscription(SUB_C, "Platform C", "platform"),
    ]);
    expect(server.stats.byRoute["list microsoft.management/managementgroups/descendants"]).toBe(3);
    expect(await descendants("PROD")).toEqual([
      group("prod-eu", "prod"),
      subscription(SUB_A, "Prod A", "prod"),
      subscription(SUB_B, "Prod EU", "prod-eu"),
    ]);
  });

  test("the tenant root group (named after the tenant id) holds everything", async () => {
    const all = (await descendants(TENANT)) as { id: string }[];
    expect(all.map((item) => item.id)).toEqual([
      `${GROUPS}/empty`,
      `${GROUPS}/platform`,
      `${GROUPS}/prod`,
      `${GROUPS}/prod-eu`,
      `${GROUPS}/sandbox`,
      `/subscriptions/${SUB_A}`,
      `/subscriptions/${SUB_B}`,
      `/subscriptions/${SUB_C}`,
      `/subscriptions/${SUB_D}`,
      `/subscriptions/${SUB_E}`,
    ]);
    expect(all[0]).toEqual({
      ...group("empty", TENANT),
      displayName: "Nothing here yet",
    });
  });

  test("a declared group with nothing below it lists nothing", async () => {
    expect(await descendants("empty")).toEqual([]);
  });

  test("a group the tenant does not have, and a forbidden listing, are 403 AuthorizationFailed", async () => {
    const failure = async (groupId: string) => {
      try {
        await descendants(groupId);
      } catch (error) {
        if (!isRestError(error)) throw error;
        return { status: error.statusCode, code: error.code };
      }
      throw new Error("expected a 403");
    };
    expect(await failure("no-such-group")).toEqual({ status: 403, code: "AuthorizationFailed" });
    server.setFaults({ forbidden: [{ type: "Microsoft.Management/managementGroups/descendants" }] });
    try {
      expect(await failure("platform")).toEqual({ status: 403, code: "AuthorizationFailed" });
    } finally {
      server.setFaults({});
    }
  });

  test("the api-version is the client's", async () => {
    const connection = server.connection();
    const wrong = await rawGet(`${server.url}${GROUPS}/platform/descendants?api-version=2020-02-01`, {
      ca: connection.ca ?? "",
    });
    expect(wrong.status).toBe(400);
    expect((wrong.body as { error: { code: string } }).error.code).toBe("InvalidApiVersionParameter");
  });
});
