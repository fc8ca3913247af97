import type { ArmConnection, CollectorContext, JsonObject, Limiter, ProgressEvent } from "@azure-drift/core";
import { armConnection, isDriftError, noopLogger, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { NAME, NETWORK_TYPES, networkCollector } from "../src/index.js";

const ALL_TYPES = Object.values(NETWORK_TYPES);
let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

interface Run {
  records: JsonObject[];
  incomplete: { type: string; reason: string }[];
  events: ProgressEvent[];
}

async function collect(
  arm: ArmConnection,
  options: {
    signal?: AbortSignal;
    limit?: Limiter;
    collector?: ReturnType<typeof networkCollector>;
    credential?: CollectorContext["credential"];
  } = {},
): Promise<Run> {
  const incomplete: Run["incomplete"] = [];
  const events: ProgressEvent[] = [];
  const context: CollectorContext = {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: options.credential ?? staticTokenCredential("replay-token"),
    arm: { retry: { maxRetries: 6, maxRetryDelayMs: 20 }, ...arm },
    signal: options.signal ?? new AbortController().signal,
    limit: options.limit ?? pLimit(8),
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: (event) => events.push(event),
  };
  const records: JsonObject[] = [];
  for await (const record of (options.collector ?? networkCollector()).collect(context)) records.push(record);
  return { records, incomplete, events };
}

const byId = (a: JsonObject, b: JsonObject) =>
  String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());

beforeAll(async () => {
  // A network landing zone with storage and key vaults beside it (private endpoints point at them);
  // explicit, so other domains joining the default mix do not move these resources around.
  tenant = generateTenant({
    seed: "network-collector",
    resources: 400,
    subscriptions: 2,
    mix: {
      networkSecurityGroup: 16,
      virtualNetwork: 8,
      routeTable: 6,
      publicIpAddress: 8,
      firewallPolicy: 1,
      azureFirewall: 1,
      applicationGateway: 2,
      privateEndpoint: 6,
      storageAccount: 10,
      keyVault: 6,
      roleAssignment: 20,
    },
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: 7 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.resetStats();
});

describe("networkCollector against the ARM replay server", () => {
  test("collects every network resource of the subscription as raw ARM JSON, listing each type once", async () => {
    const expected = resourcesOf(tenant, { types: ALL_TYPES, subscriptionId }).sort(byId);
    const { records, incomplete } = await collect(server.connection());

    expect(incomplete).toEqual([]);
    expect(records.sort(byId)).toEqual(expected);
    // Every type the collector declares is present, rule collection groups included.
    const types = new Set(records.map((record) => String(record.type).toLowerCase()));
    for (const type of ALL_TYPES.filter((type) => !type.includes("WebApplicationFirewall")))
      expect(types).toContain(type.toLowerCase());
    // Lists only: no GET per resource.
    expect(Object.keys(server.stats.byRoute).filter((route) => !route.startsWith("list "))).toEqual([]);
  });

  test("records keep ARM's shape: rules under properties, not the SDK's flattened model", async () => {
    const { records } = await collect(server.connection());
    const nsg = records.find((record) => record.type === NETWORK_TYPES.networkSecurityGroup);
    expect(nsg).toHaveProperty("properties.securityRules");
    expect(nsg).not.toHaveProperty("securityRules");
    const vnet = records.find((record) => record.type === NETWORK_TYPES.virtualNetwork);
    expect(vnet).toHaveProperty("properties.subnets");
    expect(vnet).not.toHaveProperty("subnets");
  });

  test("survives 20 % throttling (with and without Retry-After) with identical output", async () => {
    const clean = await collect(server.connection());
    server.setFaults({ throttleRate: 0.2, retryAfter: 1, retryAfterMs: 5, seed: 5 });
    const throttled = await collect(server.connection());
    server.setFaults({ throttleRate: 0.2, retryAfter: "none", seed: 6 });
    const noHeader = await collect(server.connection());
    expect(server.stats.throttled).toBeGreaterThan(0);
    expect(throttled.incomplete).toEqual([]);
    expect(noHeader.incomplete).toEqual([]);
    expect(throttled.records.sort(byId)).toEqual(clean.records.sort(byId));
    expect(noHeader.records.sort(byId)).toEqual(clean.records.sort(byId));
    expect(noHeader.events.some((event) => event.type === "retry" && event.status === 429)).toBe(true);
  });

  test("a sovereign cloud: every token is requested for that cloud's audience", async () => {
    const scopes = new Set<string>();
    const credential = {
      async getToken(requested: string | string[]) {
        for (const scope of Array.isArray(requested) ? requested : [requested]) scopes.add(scope);
        return { token: "replay-token", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const arm = armConnection(
      { endpoint: server.url, audience: "https://management.chinacloudapi.cn" },
      { ca: server.ca },
    );
    const { records, incomplete } = await collect(arm, { credential });
    expect(incomplete).toEqual([]);
    expect(records.length).toBeGreaterThan(0);
    expect([...scopes]).toEqual(["https://management.chinacloudapi.cn/.default"]);
  });

  test("an hour-long Retry-After is capped: the types it hit are incomplete, nothing hangs", async () => {
    server.setFaults({ throttleRate: 1, retryAfter: 3600, maxConsecutive: Number.POSITIVE_INFINITY });
    const { records, incomplete } = await collect(server.connection(), {
      collector: networkCollector({ maxRetryAfterMs: 1000 }),
    });
    expect(records).toEqual([]);
    expect(incomplete.map((entry) => entry.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(
      incomplete.every(
        (entry) =>
          /asked to wait 3600 s/.test(entry.reason) || entry.type === NETWORK_TYPES.ruleCollectionGroup,
      ),
    ).toBe(true);
  });

  test("a 403 on one type makes that type incomplete and still collects the others", async () => {
    server.setFaults({ forbidden: [{ type: NETWORK_TYPES.routeTable }] });
    const { records, incomplete } = await collect(server.connection());
    expect(incomplete.map((entry) => entry.type)).toEqual([NETWORK_TYPES.routeTable]);
    expect(incomplete[0]?.reason).toMatch(/HTTP 403/);
    const expected = resourcesOf(tenant, {
      types: ALL_TYPES.filter((type) => type !== NETWORK_TYPES.routeTable),
      subscriptionId,
    });
    expect(records.sort(byId)).toEqual(expected.sort(byId));
  });

  test("when firewall policies cannot be listed, their rule collection groups are incomplete too", async () => {
    server.setFaults({ forbidden: [{ type: NETWORK_TYPES.firewallPolicy }] });
    const { records, incomplete } = await collect(server.connection());
    expect(incomplete.map((entry) => entry.type).sort()).toEqual(
      [NETWORK_TYPES.firewallPolicy, NETWORK_TYPES.ruleCollectionGroup].sort(),
    );
    expect(records.some((record) => String(record.type).startsWith(NETWORK_TYPES.firewallPolicy))).toBe(
      false,
    );
  });

  test("listings run side by side, never beyond the shared limiter", async () => {
    server.setFaults({ latencyMs: 10 });
    const { records } = await collect(server.connection(), { limit: pLimit(3) });
    expect(records.length).toBeGreaterThan(0);
    expect(server.stats.maxInFlight).toBeGreaterThan(1);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
  });

  test("include collects only the chosen types", async () => {
    const collector = networkCollector({ include: ["publicIpAddress"] });
    expect(collector.types.map((type) => type.type)).toEqual([NETWORK_TYPES.publicIpAddress]);
    const { records } = await collect(server.connection(), { collector });
    expect(records.sort(byId)).toEqual(
      resourcesOf(tenant, { types: [NETWORK_TYPES.publicIpAddress], subscriptionId }).sort(byId),
    );
    expect(Object.keys(server.stats.byRoute)).toEqual(["list microsoft.network/publicipaddresses"]);
  });

  test("include with an unknown type is a DriftError E_INPUT that lists the known ones", () => {
    const error = (() => {
      try {
        networkCollector({ include: ["loadBalancer" as never] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(isDriftError(error, "E_INPUT")).toBe(true);
    expect((error as Error).message).toMatch(
      /unknown types \(loadBalancer\); use some of networkSecurityGroup, /,
    );
  });

  test("the collector is named and declares its types with hints", () => {
    const collector = networkCollector();
    expect(collector.name).toBe(NAME);
    expect(collector.domain).toBe("network");
    expect(collector.types.map((type) => type.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(
      collector.types.find((type) => type.type === NETWORK_TYPES.networkSecurityGroup)?.volatile,
    ).toContain("properties.defaultSecurityRules");
  });
});
