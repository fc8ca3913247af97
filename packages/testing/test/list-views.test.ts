import type { JsonObject } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ArmReplayServer,
  generateTenant,
  RESOURCE_TYPES,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "../src/index.js";
import { LIST_VIEWS } from "../src/replay/list-views.js";
import { rawGet } from "./support/https.js";

const VAULTS_API = "api-version=2024-04-01";
const BACKUP_API = "api-version=2023-06-01";

describe("the list views table", () => {
  test("says what ARM's vault list omits", () => {
    expect(
      LIST_VIEWS.find((view) => view.type === RESOURCE_TYPES.recoveryServicesVault.toLowerCase()),
    ).toEqual({
      type: "microsoft.recoveryservices/vaults",
      omits: ["securitySettings", "redundancySettings"],
    });
  });
});

describe("the replay server serves list views and whole GETs", () => {
  let tenant: Tenant;
  let server: ArmReplayServer;
  let subscriptionId: string;
  let vault: JsonObject;

  beforeAll(async () => {
    tenant = generateTenant({
      seed: "list-views",
      resources: 12,
      subscriptions: 1,
      mix: { recoveryServicesVault: 1 },
    });
    subscriptionId = tenant.subscriptions[0]?.subscriptionId ?? "";
    vault = resourcesOf(tenant, { types: [RESOURCE_TYPES.recoveryServicesVault] })[0] as JsonObject;
    server = await startArmReplayServer({ tenant, pageSize: 5 });
  });
  afterAll(() => server?.close());

  const get = (path: string, target = server) => rawGet(`${target.url}${path}`, { ca: target.ca });

  test("a vault listed lacks its security and redundancy settings; its GET has them", async () => {
    const listed = await get(
      `/subscriptions/${subscriptionId}/providers/Microsoft.RecoveryServices/vaults?${VAULTS_API}`,
    );
    expect(listed.status).toBe(200);
    const items = (listed.body as { value: JsonObject[] }).value;
    const item = items.find((candidate) => candidate.id === vault.id) as JsonObject;
    const { securitySettings, redundancySettings, ...rest } = vault.properties as JsonObject;
    expect(securitySettings).toBeDefined();
    expect(redundancySettings).toBeDefined();
    expect(item).toEqual({ ...vault, properties: rest });

    const got = await get(`${String(vault.id)}?${VAULTS_API}`);
    expect(got).toMatchObject({ status: 200, body: vault });
    // The tenant itself keeps the settings.
    expect((vault.properties as JsonObject).securitySettings).toBe(securitySettings);
  });

  test("backupProtectedItems lists the protected items under every fabric and container of the vault", async () => {
    const expected = resourcesOf(tenant, { types: [RESOURCE_TYPES.backupProtectedItem] })
      .filter((item) =>
        String(item.id)
          .toLowerCase()
          .startsWith(`${String(vault.id).toLowerCase()}/`),
      )
      .map((item) => item.id);
    expect(expected.length).toBeGreaterThan(0);
    const listed = await get(`${String(vault.id)}/backupProtectedItems?${BACKUP_API}`);
    expect(listed.status).toBe(200);
    expect((listed.body as { value: JsonObject[] }).value.map((item) => item.id)).toEqual(expected);
  });

  test("a forbidden resourceId fails that resource's GET only", async () => {
    server.setFaults({ forbidden: [{ resourceId: String(vault.id).toUpperCase() }] });
    try {
      expect((await get(`${String(vault.id)}?${VAULTS_API}`)).status).toBe(403);
      const listed = await get(
        `/subscriptions/${subscriptionId}/providers/Microsoft.RecoveryServices/vaults?${VAULTS_API}`,
      );
      expect(listed.status).toBe(200);
      expect((await get(`${String(vault.id)}/backupPolicies?${BACKUP_API}`)).status).toBe(200);
      expect(
        (await get(`${String(vault.id)}/backupstorageconfig/vaultstorageconfig?${BACKUP_API}`)).status,
      ).toBe(200);
    } finally {
      server.setFaults({});
    }
  });

  test("forbidding the protected items' type forbids the route that lists them", async () => {
    server.setFaults({ forbidden: [{ type: RESOURCE_TYPES.backupProtectedItem }] });
    try {
      expect((await get(`${String(vault.id)}/backupProtectedItems?${BACKUP_API}`)).status).toBe(403);
      expect((await get(`${String(vault.id)}/backupPolicies?${BACKUP_API}`)).status).toBe(200);
    } finally {
      server.setFaults({});
    }
  });
});
