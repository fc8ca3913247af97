import { NetworkManagementClient } from "@azure/arm-network";
import type { ReadResourcesContext } from "@azure-drift/core";
import { type ArmReplayServer, startArmReplayServer } from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { armClientOptions, getResourceById } from "../src/index.js";
import { GROUP, nsg, tenantWithNsgs, testContext } from "./helpers.js";

const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
let server: ArmReplayServer;

beforeAll(async () => {
  server = await startArmReplayServer({ tenant: tenantWithNsgs(2) });
});
afterAll(async () => {
  await server?.close();
});

function readContext() {
  const unreadable: { id: string; reason: string }[] = [];
  const base = testContext({ ...server.connection(), retry: { maxRetries: 1, maxRetryDelayMs: 5 } });
  const context: ReadResourcesContext = {
    ...base,
    unreadable: (id, reason) => unreadable.push({ id, reason }),
  };
  const client = new NetworkManagementClient(
    base.credential,
    base.subscriptionId,
    armClientOptions(base, "network"),
  );
  return { context, client, unreadable, base };
}

describe("getResourceById (real @azure/arm-network client, replay server)", () => {
  test("the body as ARM sent it; a 404 is undefined with nothing reported; a 403 is reported unreadable", async () => {
    const { context, client, unreadable, base } = readContext();
    const id = `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/nsg00`;
    const read = (path: string) =>
      getResourceById(context, { collector: "network", client, id: path, apiVersion: "2025-05-01" });
    expect(await read(id.toUpperCase().replace("/SUBSCRIPTIONS", "/subscriptions"))).toEqual(nsg("nsg00"));
    expect(await read(`${GROUP}/providers/Microsoft.Network/networkSecurityGroups/gone`)).toBeUndefined();
    expect(unreadable).toEqual([]);
    server.setFaults({ forbidden: [{ type: NSG_TYPE }] });
    expect(await read(id)).toBeUndefined();
    expect(unreadable).toEqual([
      { id, reason: expect.stringMatching(/^HTTP 403 reading Microsoft\.Network\/networkSecurityGroups/) },
    ]);
    // Reported for the id, not for the whole type.
    expect(base.incomplete).toEqual([]);
    server.setFaults({});
  });
});
