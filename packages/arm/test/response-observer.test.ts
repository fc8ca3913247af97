import { NetworkManagementClient } from "@azure/arm-network";
import type { ArmResponseInfo } from "@azure-drift/core";
import { type ArmReplayServer, startArmReplayServer } from "@azure-drift/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { armClientOptions, getRaw, listRaw } from "../src/index.js";
import { collectAll, GROUP, SUBSCRIPTION, tenantWithNsgs, testContext } from "./helpers.js";

const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
let server: ArmReplayServer;

beforeAll(async () => {
  server = await startArmReplayServer({ tenant: tenantWithNsgs(5), pageSize: 2 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.resetStats();
});

function observed(onResponse: (info: ArmResponseInfo) => void) {
  const context = testContext({ ...server.connection(), onResponse });
  const client = new NetworkManagementClient(
    context.credential,
    context.subscriptionId,
    armClientOptions(context, "network"),
  );
  return { context, client };
}

describe("ArmConnection.onResponse (real @azure/arm-network client, replay server)", () => {
  test("sees every attempt: each throttled page (429 with Retry-After) and its retry, in order", async () => {
    // Every URL's first attempt is throttled (Retry-After: 1 s, retry-after-ms 5), its second answered.
    server.setFaults({ throttleRate: 1, maxConsecutive: 1, retryAfter: 1, retryAfterMs: 5 });
    const seen: ArmResponseInfo[] = [];
    const { context, client } = observed((info) => seen.push(info));
    const items = await collectAll(
      listRaw(context, {
        collector: "network",
        resourceType: NSG_TYPE,
        list: (options) => client.networkSecurityGroups.listAll(options),
      }),
    );
    expect(items).toHaveLength(5);
    expect(context.incomplete).toEqual([]);
    const url = `${server.url}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Network/networkSecurityGroups?api-version=2025-05-01`;
    // Three pages; the $skiptoken of the second and third is cut from the URL passed.
    expect(seen).toEqual(
      [429, 200, 429, 200, 429, 200].map((status) => ({
        status,
        method: "GET",
        url,
        collector: "network",
        subscriptionId: SUBSCRIPTION,
      })),
    );
    expect(server.stats.requests).toBe(6);
    expect(server.stats.throttled).toBe(3);
  });

  test("sees a 404 and a 403; an observer that throws is logged and changes nothing", async () => {
    const seen: number[] = [];
    const { context, client } = observed((info) => {
      seen.push(info.status);
      throw new Error("metrics backend down");
    });
    const gone = await getRaw(context, {
      collector: "network",
      resourceType: NSG_TYPE,
      client,
      path: `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/nope`,
      apiVersion: "2025-05-01",
    });
    expect(gone).toBeUndefined();
    server.setFaults({ forbidden: [{ type: NSG_TYPE }] });
    const denied = await getRaw(context, {
      collector: "network",
      resourceType: NSG_TYPE,
      client,
      path: `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/nsg00`,
      apiVersion: "2025-05-01",
    });
    expect(denied).toBeUndefined();
    expect(seen).toEqual([404, 403]);
    expect(context.warnings.filter((warning) => warning.message.includes("observer"))).toEqual([
      {
        message: "the ARM response observer threw; ignored",
        fields: { error: "metrics backend down" },
      },
      {
        message: "the ARM response observer threw; ignored",
        fields: { error: "metrics backend down" },
      },
    ]);
  });
});
