import { SqlManagementClient } from "@azure/arm-sql";
import { armClientOptions, getRaw } from "@azure-drift/arm";
import type { CollectorContext, JsonObject, Limiter, ProgressEvent } from "@azure-drift/core";
import { isDriftError, noopLogger, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { NAME, SECURITY_TYPES, SQL_SERVER_CHILD_KINDS, securityCollector } from "../src/index.js";

const ALL_TYPES = Object.values(SECURITY_TYPES);
const CHILD_TYPES = SQL_SERVER_CHILD_KINDS.map((kind) => SECURITY_TYPES[kind]);
let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

interface Run {
  records: JsonObject[];
  incomplete: { type: string; reason: string }[];
  events: ProgressEvent[];
}

function context(
  incomplete: Run["incomplete"],
  events: ProgressEvent[],
  options: { limit?: Limiter } = {},
): CollectorContext {
  return {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: staticTokenCredential("replay-token"),
    arm: { retry: { maxRetries: 6, maxRetryDelayMs: 20 }, ...server.connection() },
    signal: new AbortController().signal,
    limit: options.limit ?? pLimit(8),
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: (event) => events.push(event),
  };
}

async function collect(
  options: { collector?: ReturnType<typeof securityCollector>; limit?: Limiter } = {},
): Promise<Run> {
  const incomplete: Run["incomplete"] = [];
  const events: ProgressEvent[] = [];
  const records: JsonObject[] = [];
  const collector = options.collector ?? securityCollector();
  for await (const record of collector.collect(context(incomplete, events, options))) records.push(record);
  return { records, incomplete, events };
}

const byId = (a: JsonObject, b: JsonObject) =>
  String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());
const expected = (types: readonly string[]) => resourcesOf(tenant, { types, subscriptionId }).sort(byId);

beforeAll(async () => {
  tenant = generateTenant({
    seed: "security-collector",
    resources: 60,
    subscriptions: 2,
    mix: {
      storageAccount: 2,
      sqlServer: 1,
      defenderPricing: 1,
      securityContact: 1,
      autoProvisioningSetting: 1,
      securitySetting: 1,
      networkSecurityGroup: 1,
    },
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: 4 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.resetStats();
});

describe("securityCollector against the ARM replay server", () => {
  test("collects every security resource of the subscription as raw ARM JSON", async () => {
    const { records, incomplete } = await collect();
    expect(incomplete).toEqual([]);
    expect(records.sort(byId)).toEqual(expected(ALL_TYPES));
    const types = new Set(records.map((record) => String(record.type)));
    expect([...types].sort()).toEqual([...ALL_TYPES].sort());
    // Raw ARM shapes, not the SDKs' flattened models.
    const pricing = records.find(
      (record) => record.type === SECURITY_TYPES.pricing && record.name === "VirtualMachines",
    );
    expect(pricing).toHaveProperty("properties.pricingTier");
    expect(pricing).not.toHaveProperty("pricingTier");
    const account = records.find((record) => record.type === SECURITY_TYPES.storageAccount);
    expect(account).toHaveProperty("properties.encryption.keySource");
  });

  test("one request per type, one per SQL server and child type, pricings in one unpaged GET", async () => {
    const servers = expected([SECURITY_TYPES.sqlServer]).length;
    expect(servers).toBeGreaterThan(1);
    const pages = (type: string) => Math.max(1, Math.ceil(expected([type]).length / 4));
    await collect();
    const requests = (route: string) => server.stats.byRoute[route] ?? 0;
    expect(requests("list microsoft.security/pricings")).toBe(1);
    expect(expected([SECURITY_TYPES.pricing]).length).toBeGreaterThan(4);
    expect(requests("list microsoft.security/securitycontacts")).toBe(pages(SECURITY_TYPES.securityContact));
    expect(requests("list microsoft.storage/storageaccounts")).toBe(pages(SECURITY_TYPES.storageAccount));
    expect(requests("list microsoft.sql/servers")).toBe(pages(SECURITY_TYPES.sqlServer));
    // Each server's child collections fit in one page each.
    for (const type of [
      "firewallrules",
      "auditingsettings",
      "securityalertpolicies",
      "azureadonlyauthentications",
    ])
      expect(requests(`list microsoft.sql/servers/${type}`)).toBe(servers);
    expect(Object.keys(server.stats.byRoute).filter((route) => !route.startsWith("list "))).toEqual([]);
  });

  test("SQL servers keep their Entra administrator, which ARM's list returns only with $expand", async () => {
    const { records } = await collect();
    const servers = records.filter((record) => record.type === SECURITY_TYPES.sqlServer);
    expect(servers.length).toBeGreaterThan(0);
    for (const sqlServer of servers) expect(sqlServer).toHaveProperty("properties.administrators.sid");
    // The same list without $expand, as ARM (and the replay server) serves it: no administrator.
    const incomplete: Run["incomplete"] = [];
    const ctx = context(incomplete, []);
    const client = new SqlManagementClient(ctx.credential, subscriptionId, armClientOptions(ctx, NAME));
    const plain = await getRaw(ctx, {
      collector: NAME,
      resourceType: SECURITY_TYPES.sqlServer,
      client,
      path: `/subscriptions/${subscriptionId}/providers/Microsoft.Sql/servers`,
      apiVersion: "2022-08-01-preview",
    });
    const listed = (plain?.value ?? []) as JsonObject[];
    expect(listed.length).toBeGreaterThan(0);
    for (const sqlServer of listed) expect(sqlServer).not.toHaveProperty("properties.administrators");
  });

  test("survives 20 % throttling with identical output", async () => {
    const clean = await collect();
    server.setFaults({ throttleRate: 0.2, retryAfter: 1, retryAfterMs: 5, seed: 7 });
    const throttled = await collect();
    expect(server.stats.throttled).toBeGreaterThan(0);
    expect(throttled.incomplete).toEqual([]);
    expect(throttled.records.sort(byId)).toEqual(clean.records.sort(byId));
  });

  test("a 403 on pricings makes only pricings incomplete", async () => {
    server.setFaults({ forbidden: [{ type: SECURITY_TYPES.pricing }] });
    const { records, incomplete } = await collect();
    expect(incomplete.map((entry) => entry.type)).toEqual([SECURITY_TYPES.pricing]);
    expect(incomplete[0]?.reason).toMatch(/HTTP 403/);
    expect(records.sort(byId)).toEqual(expected(ALL_TYPES.filter((type) => type !== SECURITY_TYPES.pricing)));
  });

  test("a 403 on one child type of SQL servers makes that type incomplete, the rest complete", async () => {
    server.setFaults({ forbidden: [{ type: SECURITY_TYPES.sqlAuditingSetting }] });
    const { records, incomplete } = await collect();
    // One failure per server, each reported for the same type.
    expect(new Set(incomplete.map((entry) => entry.type))).toEqual(
      new Set([SECURITY_TYPES.sqlAuditingSetting]),
    );
    expect(records.sort(byId)).toEqual(
      expected(ALL_TYPES.filter((type) => type !== SECURITY_TYPES.sqlAuditingSetting)),
    );
  });

  test("when SQL servers cannot be listed, their children are incomplete too", async () => {
    server.setFaults({ forbidden: [{ type: SECURITY_TYPES.sqlServer }] });
    const { records, incomplete } = await collect();
    expect(incomplete.map((entry) => entry.type).sort()).toEqual(
      [SECURITY_TYPES.sqlServer, ...CHILD_TYPES].sort(),
    );
    expect(records.some((record) => String(record.type).startsWith(SECURITY_TYPES.sqlServer))).toBe(false);
    expect(records.sort(byId)).toEqual(
      expected(ALL_TYPES.filter((type) => !type.startsWith(SECURITY_TYPES.sqlServer))),
    );
  });

  test("listings run side by side, never beyond the shared limiter", async () => {
    server.setFaults({ latencyMs: 10 });
    const { records } = await collect({ limit: pLimit(3) });
    expect(records.length).toBeGreaterThan(0);
    expect(server.stats.maxInFlight).toBeGreaterThan(1);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
  });

  test("include collects only the chosen types; SQL children alone still list the servers, without yielding them", async () => {
    const storageOnly = securityCollector({ include: ["storageAccount"] });
    expect(storageOnly.types.map((type) => type.type)).toEqual([SECURITY_TYPES.storageAccount]);
    expect((await collect({ collector: storageOnly })).records.sort(byId)).toEqual(
      expected([SECURITY_TYPES.storageAccount]),
    );
    expect(Object.keys(server.stats.byRoute)).toEqual(["list microsoft.storage/storageaccounts"]);

    const rulesOnly = securityCollector({ include: ["sqlFirewallRule"] });
    const { records, incomplete } = await collect({ collector: rulesOnly });
    expect(incomplete).toEqual([]);
    expect(records.sort(byId)).toEqual(expected([SECURITY_TYPES.sqlFirewallRule]));
  });

  test("include with an unknown type is a DriftError E_INPUT that lists the known ones", () => {
    const error = (() => {
      try {
        securityCollector({ include: ["keyVault" as never] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(isDriftError(error, "E_INPUT")).toBe(true);
    expect((error as Error).message).toMatch(
      /unknown types \(keyVault\); use some of pricing, securityContact, /,
    );
  });

  test("the collector is named and declares its types with hints", () => {
    const collector = securityCollector();
    expect(collector.name).toBe(NAME);
    expect(collector.domain).toBe("security");
    expect(collector.types.map((type) => type.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(collector.types.find((type) => type.type === SECURITY_TYPES.pricing)?.volatile).toContain(
      "properties.freeTrialRemainingTime",
    );
    expect(
      collector.rules?.every((rule) => rule.id.startsWith("security/") && Boolean(rule.remediation)),
    ).toBe(true);
  });
});
