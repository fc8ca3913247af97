import {
  type AttributedOperation,
  type CollectorContext,
  noopLogger,
  staticTokenCredential,
} from "@azure-drift/core";
import {
  type ArmReplayServer,
  activityEvent,
  activityLogOf,
  generateTenant,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ACTIVITY_LOG_TYPE, activityLogAttribution } from "../src/index.js";

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;
let nsgs: string[];

const T0 = Date.parse("2026-11-30T08:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const window = { from: at(0).toISOString(), to: at(60).toISOString() };

async function attribute(resourceKeys: string[], span = window) {
  const incomplete: { type: string; reason: string }[] = [];
  const context: CollectorContext = {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
    signal: new AbortController().signal,
    limit: pLimit(4),
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: () => {},
  };
  const found = await activityLogAttribution().attribute(context, { subscriptionId, ...span, resourceKeys });
  return { found: Object.fromEntries(found) as Record<string, AttributedOperation[]>, incomplete };
}

beforeAll(async () => {
  tenant = generateTenant({ seed: "attribution", resources: 80, subscriptions: 1 });
  subscriptionId = tenant.subscriptions[0]?.subscriptionId ?? "";
  nsgs = resourcesOf(tenant, { types: ["Microsoft.Network/networkSecurityGroups"] }).map((nsg) =>
    String(nsg.id),
  );
  expect(nsgs.length).toBeGreaterThanOrEqual(3);
  server = await startArmReplayServer({ tenant, pageSize: 5 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  tenant.activityLog = [];
  server.setFaults({});
  server.resetStats();
});

describe("activityLogAttribution, with the real @azure/arm-monitor client", () => {
  test("each drifted resource gets exactly its operations in the window, children included, newest first", async () => {
    const [a = "", b = "", c = ""] = nsgs;
    const log = activityLogOf(tenant);
    const write = (
      resourceId: string,
      caller: string,
      minute: number,
      extra: Partial<Parameters<typeof activityEvent>[0]> = {},
    ) => activityEvent({ subscriptionId, resourceId, operation: "write", caller, at: at(minute), ...extra });
    log.push(
      write(a, "alice@contoso.com", 10),
      write(`${a}/securityRules/Allow-SSH`, "bob@contoso.com", 20, { correlationId: "corr-rule" }),
      // The same operation seen twice: accepted first, then its final status.
      write(b, "c0ffee00-0000-4000-8000-000000000001", 30, { status: "Accepted", correlationId: "corr-b" }),
      { ...write(b, "c0ffee00-0000-4000-8000-000000000001", 31, { correlationId: "corr-b" }) },
      activityEvent({
        subscriptionId,
        resourceId: c,
        operation: "delete",
        caller: "carol@contoso.com",
        at: at(40),
      }),
      write(a, "mallory@contoso.com", -5), // before the window
      write(a, "mallory@contoso.com", 65), // after it
    );
    const { found, incomplete } = await attribute([a, b].map((id) => id.toLowerCase()));
    expect(incomplete).toEqual([]);
    expect(found).toEqual({
      [a.toLowerCase()]: [
        {
          caller: "bob@contoso.com",
          operationName: "Microsoft.Network/networkSecurityGroups/securityRules/write",
          status: "Succeeded",
          timestamp: at(20).toISOString(),
          correlationId: "corr-rule",
        },
        {
          caller: "alice@contoso.com",
          operationName: "Microsoft.Network/networkSecurityGroups/write",
          status: "Succeeded",
          timestamp: at(10).toISOString(),
          correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        },
      ],
      [b.toLowerCase()]: [
        {
          caller: "c0ffee00-0000-4000-8000-000000000001",
          operationName: "Microsoft.Network/networkSecurityGroups/write",
          status: "Succeeded",
          timestamp: at(31).toISOString(),
          correlationId: "corr-b",
        },
      ],
    });
  });

  test("an empty window finds nothing and is not an error", async () => {
    activityLogOf(tenant).push(
      activityEvent({
        subscriptionId,
        resourceId: nsgs[0] ?? "",
        operation: "write",
        caller: "x@contoso.com",
        at: at(120),
      }),
    );
    const { found, incomplete } = await attribute([nsgs[0]?.toLowerCase() ?? ""]);
    expect(found).toEqual({});
    expect(incomplete).toEqual([]);
    expect(server.stats.byRoute["list microsoft.insights/eventtypes/values"]).toBe(1);
  });

  test("pages are followed to the end: one listing per subscription, however many resources drifted", async () => {
    const log = activityLogOf(tenant);
    for (let i = 0; i < 23; i++) {
      log.push(
        activityEvent({
          subscriptionId,
          resourceId: nsgs[i % nsgs.length] ?? "",
          operation: "write",
          caller: `user${i}@contoso.com`,
          at: at(1 + i),
        }),
      );
    }
    const keys = nsgs.map((id) => id.toLowerCase());
    const { found } = await attribute(keys);
    expect(Object.values(found).reduce((sum, operations) => sum + operations.length, 0)).toBe(23);
    // 23 events at 5 per page: 5 pages, whatever the number of resources asked about.
    expect(server.stats.byRoute["list microsoft.insights/eventtypes/values"]).toBe(5);
    expect(server.stats.requests).toBe(5);
  });

  test("a 403 on the log leaves everything unattributed through coverage, without throwing", async () => {
    activityLogOf(tenant).push(
      activityEvent({
        subscriptionId,
        resourceId: nsgs[0] ?? "",
        operation: "write",
        caller: "x@contoso.com",
        at: at(5),
      }),
    );
    server.setFaults({ forbidden: [{ subscriptionId, type: "Microsoft.Insights/eventtypes/values" }] });
    const { found, incomplete } = await attribute([nsgs[0]?.toLowerCase() ?? ""]);
    expect(found).toEqual({});
    expect(incomplete).toHaveLength(1);
    expect(incomplete[0]?.type).toBe(ACTIVITY_LOG_TYPE);
    expect(incomplete[0]?.reason).toMatch(/403|AuthorizationFailed/);
  });
});
