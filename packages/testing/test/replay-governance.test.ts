import type { JsonObject } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ArmReplayServer,
  GOVERNANCE_TYPES,
  generateTenant,
  putResource,
  RESOURCE_TYPES,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "../src/index.js";
import { rawGet } from "./support/https.js";

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

const values = (body: unknown) =>
  ((body as { value: JsonObject[] }).value ?? []).map((item) => String(item.id));

beforeAll(async () => {
  tenant = generateTenant({ seed: "replay-governance", resources: 300, subscriptions: 1 });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: 1000 });
});
afterAll(async () => {
  await server?.close();
});

describe("governance routes of the replay server", () => {
  test("the generator makes every governance type, with diagnostic settings on the subscription and on resources", () => {
    const types = new Set(resourcesOf(tenant, { types: GOVERNANCE_TYPES }).map((item) => String(item.type)));
    expect([...types].sort()).toEqual([...GOVERNANCE_TYPES].sort());
    const settings = resourcesOf(tenant, { types: [RESOURCE_TYPES.diagnosticSetting] }).map((item) =>
      String(item.id),
    );
    expect(settings.some((id) => /^\/subscriptions\/[^/]+\/providers\//i.test(id))).toBe(true);
    expect(settings.some((id) => /\/Microsoft\.KeyVault\/vaults\/[^/]+\/providers\//i.test(id))).toBe(true);
  });

  test("diagnostic settings are listed at exactly the scope asked, not below it", async () => {
    const all = resourcesOf(tenant, { types: [RESOURCE_TYPES.diagnosticSetting] }).map((item) =>
      String(item.id),
    );
    const own = all.filter((id) => /^\/subscriptions\/[^/]+\/providers\//i.test(id));
    const response = await rawGet(
      `${server.url}/subscriptions/${subscriptionId}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview`,
      { ca: server.ca },
    );
    expect(response.status).toBe(200);
    expect(values(response.body)).toEqual(own);
    const onVault = all.find((id) => /\/vaults\//i.test(id))!;
    const vault = onVault.slice(0, onVault.toLowerCase().indexOf("/providers/microsoft.insights"));
    const vaultList = await rawGet(
      `${server.url}${vault}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview`,
      { ca: server.ca },
    );
    expect(values(vaultList.body)).toEqual(
      all.filter((id) => id.toLowerCase().startsWith(`${vault.toLowerCase()}/`)),
    );
  });

  test("activity-log alerts and diagnostic settings are one page however small the page size, as ARM lists them", async () => {
    const small = await startArmReplayServer({ tenant, pageSize: 1 });
    try {
      const alerts = resourcesOf(tenant, { types: [RESOURCE_TYPES.activityLogAlert], subscriptionId });
      expect(alerts.length).toBeGreaterThan(1);
      const response = await rawGet(
        `${small.url}/subscriptions/${subscriptionId}/providers/microsoft.insights/activityLogAlerts?api-version=2017-04-01`,
        { ca: small.ca },
      );
      expect(values(response.body)).toEqual(alerts.map((alert) => String(alert.id)));
      expect(response.body).not.toHaveProperty("nextLink");
      const locks = await rawGet(
        `${small.url}/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/locks?api-version=2020-05-01`,
        { ca: small.ca },
      );
      expect(values(locks.body)).toHaveLength(1);
      expect(locks.body).toHaveProperty("nextLink");
    } finally {
      await small.close();
    }
  });

  test("policy definitions honour $filter=policyType eq 'Custom'", async () => {
    const [custom] = resourcesOf(tenant, { types: [RESOURCE_TYPES.policyDefinition] });
    const builtInTyped: JsonObject = {
      ...structuredClone(custom!),
      id: `${custom!.id}-static`,
      name: `${custom!.name}-static`,
    };
    (builtInTyped.properties as JsonObject).policyType = "Static";
    putResource(tenant, builtInTyped);
    const url = `${server.url}/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/policyDefinitions?api-version=2024-05-01`;
    const filtered = await rawGet(`${url}&$filter=${encodeURIComponent("policyType eq 'Custom'")}`, {
      ca: server.ca,
    });
    const unfiltered = await rawGet(url, { ca: server.ca });
    expect(values(filtered.body)).not.toContain(builtInTyped.id);
    expect(values(unfiltered.body)).toContain(builtInTyped.id);
    expect(values(filtered.body).length).toBe(values(unfiltered.body).length - 1);
  });

  test("the generic resources list returns top-level resources of the filtered types, envelope only", async () => {
    const filter = encodeURIComponent(
      "resourceType eq 'Microsoft.KeyVault/vaults' or resourceType eq 'Microsoft.Network/networkSecurityGroups'",
    );
    const response = await rawGet(
      `${server.url}/subscriptions/${subscriptionId}/resources?api-version=2021-04-01&$filter=${filter}`,
      { ca: server.ca },
    );
    expect(response.status).toBe(200);
    const expected = resourcesOf(tenant, {
      types: [RESOURCE_TYPES.keyVault, RESOURCE_TYPES.networkSecurityGroup],
      subscriptionId,
    });
    expect(values(response.body)).toEqual(expected.map((item) => String(item.id)));
    const [first] = (response.body as { value: JsonObject[] }).value;
    expect(first).not.toHaveProperty("properties");
    expect(Object.keys(first!).sort()).toEqual(
      Object.keys(expected[0]!)
        .filter((key) => ["id", "name", "type", "kind", "location", "managedBy", "sku", "tags"].includes(key))
        .sort(),
    );
  });
});
