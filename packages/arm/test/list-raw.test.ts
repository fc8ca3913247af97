import { NetworkManagementClient } from "@azure/arm-network";
import { armConnection, isDriftError } from "@azure-drift/core";
import { type ArmReplayServer, startArmReplayServer } from "@azure-drift/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { armClientOptions, getRaw, getRawList, listRaw } from "../src/index.js";
import {
  collectAll,
  GROUP,
  nsg,
  recordingCredential,
  SUBSCRIPTION,
  type TestContext,
  tenantWithNsgs,
  testContext,
} from "./helpers.js";

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

function client(context: TestContext, extra: Parameters<typeof armClientOptions>[2] = {}) {
  return new NetworkManagementClient(
    context.credential,
    context.subscriptionId,
    armClientOptions(context, "network", extra),
  );
}

function listNsgs(context: TestContext, extra: Parameters<typeof armClientOptions>[2] = {}) {
  const network = client(context, extra);
  return listRaw(context, {
    collector: "network",
    resourceType: NSG_TYPE,
    list: (options) => network.networkSecurityGroups.listAll(options),
  });
}

describe("listRaw with the real @azure/arm-network client", () => {
  test("yields the raw ARM JSON of every item across pages, one page request at a time through the limiter", async () => {
    const context = testContext(server.connection());
    const items = await collectAll(listNsgs(context));

    // Exactly what ARM sent: `properties.securityRules`, not the SDK's lifted `securityRules`.
    expect(items).toEqual(
      [...server.tenant.resources.values()].sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
    expect(items[0]).toHaveProperty("properties.securityRules");
    expect(items[0]).not.toHaveProperty("securityRules");
    expect(context.events).toEqual([
      { type: "page", subscriptionId: SUBSCRIPTION, collector: "network", resourceType: NSG_TYPE, items: 2 },
      { type: "page", subscriptionId: SUBSCRIPTION, collector: "network", resourceType: NSG_TYPE, items: 2 },
      { type: "page", subscriptionId: SUBSCRIPTION, collector: "network", resourceType: NSG_TYPE, items: 1 },
    ]);
    expect(server.stats.pages).toBe(3);
    // Three pages plus the call that finds no next page.
    expect(context.limiter.calls).toBe(4);
    expect(context.incomplete).toEqual([]);
  });

  test("the next page is requested while the consumer is still on this one, and no further", async () => {
    const context = testContext(server.connection());
    const items = listNsgs(context)[Symbol.asyncIterator]();
    const first = await items.next();
    expect(first.done).toBe(false);
    // The consumer holds the first item of page 1; page 2 is fetched meanwhile (read-ahead)…
    await vi.waitFor(() => expect(server.stats.pages).toBe(2), { timeout: 5000, interval: 5 });
    await vi.waitFor(() => expect(server.stats.inFlight).toBe(0), { timeout: 5000, interval: 5 });
    // …and page 3 is not: one page ahead at most, however long the consumer takes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.stats.pages).toBe(2);
    expect(context.limiter.calls).toBe(2);
    expect(context.limiter.max).toBe(1);
    const rest: unknown[] = [];
    for (let step = await items.next(); !step.done; step = await items.next()) rest.push(step.value);
    expect(rest).toHaveLength(4);
    expect(server.stats.pages).toBe(3);
  });

  test("a consumer that stops early leaves no read-ahead failure unhandled", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      const controller = new AbortController();
      const context = testContext(server.connection(), { signal: controller.signal });
      const items = listNsgs(context)[Symbol.asyncIterator]();
      expect((await items.next()).done).toBe(false);
      // Page 2 is being read ahead; the abort fails it, and nobody will ever await it.
      controller.abort();
      await items.return?.(undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(context.limiter.calls).toBe(2);
    } finally {
      process.off("unhandledRejection", record);
    }
  });

  test("a consumer that stops early does not wait for the page being read ahead", async () => {
    const slow = await startArmReplayServer({ tenant: tenantWithNsgs(5), pageSize: 2, latencyMs: 2000 });
    try {
      const context = testContext(slow.connection());
      const items = listNsgs(context)[Symbol.asyncIterator]();
      expect((await items.next()).done).toBe(false);
      await vi.waitFor(() => expect(slow.stats.requests).toBe(2), { timeout: 5000, interval: 5 });
      await items.return?.(undefined);
      // Returned while page 2 is still on its way.
      expect(slow.stats.inFlight).toBe(1);
      expect(slow.stats.pages).toBe(1);
    } finally {
      await slow.close();
    }
  });

  test("a sovereign cloud's token scope matches its audience, not the public cloud's", async () => {
    const credential = recordingCredential();
    const arm = armConnection(
      { endpoint: server.url, audience: "https://management.usgovcloudapi.net" },
      { ca: server.ca },
    );
    const context = testContext(arm, { credential });
    expect(await collectAll(listNsgs(context))).toHaveLength(5);
    expect(credential.scopes.length).toBeGreaterThan(0);
    expect(new Set(credential.scopes.flat())).toEqual(
      new Set(["https://management.usgovcloudapi.net/.default"]),
    );
  });

  test("the endpoint's own audience is the default scope", async () => {
    const credential = recordingCredential();
    const context = testContext(server.connection(), { credential });
    await collectAll(listNsgs(context));
    expect(new Set(credential.scopes.flat())).toEqual(new Set([`${server.url}/.default`]));
  });

  test("a 429 without Retry-After is retried with backoff (the SDK alone would give up)", async () => {
    server.setFaults({ throttleRate: 0.5, retryAfter: "none", seed: 7 });
    const context = testContext(server.connection());
    const items = await collectAll(listNsgs(context));
    expect(items.map((item) => item.name)).toEqual(["nsg00", "nsg01", "nsg02", "nsg03", "nsg04"]);
    expect(server.stats.throttled).toBeGreaterThan(0);
    const retries = context.events.filter((event) => event.type === "retry");
    expect(retries.length).toBe(server.stats.throttled);
    expect(
      retries.every((event) => event.type === "retry" && event.status === 429 && event.delayMs <= 20),
    ).toBe(true);
    expect(context.incomplete).toEqual([]);
  });

  test("a Retry-After beyond the cap fails the listing as incomplete instead of waiting an hour", async () => {
    server.setFaults({ throttleRate: 1, retryAfter: 3600, maxConsecutive: Number.POSITIVE_INFINITY });
    const context = testContext(server.connection());
    const items = await collectAll(listNsgs(context, { maxRetryAfterMs: 5_000 }));
    expect(items).toEqual([]);
    expect(context.incomplete).toHaveLength(1);
    expect(context.incomplete[0]?.type).toBe(NSG_TYPE);
    expect(context.incomplete[0]?.reason).toMatch(/asked to wait 3600 s, more than the 5 s cap/);
    expect(server.stats.throttled).toBe(1);
    expect(context.warnings.map((warning) => warning.message)).toContain(
      "ARM asked to wait longer than the cap; giving up on this request",
    );
  });

  test("a 403 on the type makes its coverage incomplete without throwing", async () => {
    server.setFaults({ forbidden: [{ type: NSG_TYPE }] });
    const context = testContext(server.connection());
    expect(await collectAll(listNsgs(context))).toEqual([]);
    expect(context.incomplete).toHaveLength(1);
    expect(context.incomplete[0]?.reason).toMatch(
      /^HTTP 403 AuthorizationFailed listing Microsoft\.Network\/networkSecurityGroups: the credential lacks read access/,
    );
  });

  test("a list whose server never answers: abandoned after the request timeout, the slice incomplete, no hang", async () => {
    server.setFaults({ hang: [{ type: NSG_TYPE }] });
    const context = testContext({ ...server.connection(), requestTimeoutMs: 300 });
    expect(await collectAll(listNsgs(context))).toEqual([]);
    expect(server.stats.hung).toBe(1);
    expect(context.incomplete).toEqual([
      {
        type: NSG_TYPE,
        reason: `ARM did not answer GET /subscriptions/${SUBSCRIPTION}/providers/Microsoft.Network/networkSecurityGroups within 0.3 s; the request was abandoned (raise the timeout with --request-timeout, or ArmConnection.requestTimeoutMs).`,
      },
    ]);
  }, 10_000);

  test("a nextLink back to a page already read (a paging loop) stops the listing: what was read is kept, the slice incomplete", async () => {
    server.setFaults({ nextLinkLoop: [{ type: NSG_TYPE }] });
    const context = testContext(server.connection());
    const items = await collectAll(listNsgs(context));
    expect(items.map((item) => item.name)).toEqual(["nsg00", "nsg01"]);
    expect(server.stats.pages).toBe(1);
    expect(context.incomplete).toEqual([
      {
        type: NSG_TYPE,
        reason: `ARM sent a nextLink to a page already read (a paging loop) listing ${NSG_TYPE}; the listing was stopped after 1 page.`,
      },
    ]);
  }, 10_000);

  test("a listing longer than maxPagesPerListing is stopped there (a loop whose nextLink changes)", async () => {
    const context = testContext({ ...server.connection(), maxPagesPerListing: 2 });
    const items = await collectAll(listNsgs(context));
    expect(items.map((item) => item.name)).toEqual(["nsg00", "nsg01", "nsg02", "nsg03"]);
    expect(server.stats.pages).toBe(2);
    expect(context.incomplete).toEqual([
      {
        type: NSG_TYPE,
        reason: `Listing ${NSG_TYPE} reached 2 pages and was stopped (a paging loop, or raise maxPagesPerListing).`,
      },
    ]);
  });

  test("a nextLink to another host is not followed: the bearer token never leaves for it", async () => {
    // `localhost` is this same server under another name, with a certificate the client trusts, so
    // only the guard stands between the token and the other host: the server counts what arrives.
    server.setFaults({ nextLinkHost: "localhost" });
    const credential = recordingCredential("token-that-must-stay");
    const context = testContext(server.connection(), { credential });
    const items = await collectAll(listNsgs(context));
    expect(items.map((item) => item.name)).toEqual(["nsg00", "nsg01"]);
    expect(server.stats.foreignHost).toEqual({ requests: 0, withAuthorization: 0 });
    expect(context.incomplete).toEqual([
      {
        type: NSG_TYPE,
        reason: `ARM sent a link to another host (https://localhost:${new URL(server.url).port}, not ${server.url}); it was not followed, so the token stays with ${server.url}.`,
      },
    ]);
  });

  test("server errors are retried by the SDK's own policy", async () => {
    server.setFaults({ serverErrorRate: 0.5, seed: 11 });
    const context = testContext(server.connection());
    expect(await collectAll(listNsgs(context))).toHaveLength(5);
    expect(server.stats.byStatus, JSON.stringify(server.stats)).toHaveProperty("500");
    expect(context.events.filter((event) => event.type === "retry")).toHaveLength(server.stats.serverErrors);
    expect(context.incomplete).toEqual([]);
  });

  test("a 401 is an authentication failure: E_AUTH, with what to do", async () => {
    const strict = await startArmReplayServer({ tenant: tenantWithNsgs(1), token: "the-right-token" });
    try {
      const context = testContext(strict.connection(), { credential: recordingCredential("expired-token") });
      const error = await collectAll(listNsgs(context)).catch((caught: unknown) => caught);
      expect(isDriftError(error, "E_AUTH")).toBe(true);
      expect((error as Error).message).toMatch(/invalid, expired/);
      expect((error as Error).message).not.toContain("expired-token");
      expect(context.incomplete).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  test("an aborted signal throws E_ABORTED", async () => {
    const controller = new AbortController();
    const context = testContext(server.connection(), { signal: controller.signal });
    const items: unknown[] = [];
    const error = await (async () => {
      for await (const item of listNsgs(context)) {
        items.push(item);
        controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(isDriftError(error, "E_ABORTED")).toBe(true);
    expect(items.length).toBeLessThan(5);
  });

  test("many listings side by side on one signal raise no listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      server.setFaults({ latencyMs: 20 });
      const context = testContext(server.connection());
      const listings = Array.from({ length: 24 }, () => collectAll(listNsgs(context)));
      const results = await Promise.all(listings);
      expect(results.map((items) => items.length)).toEqual(Array(24).fill(5));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  test("TLS is verified: without the replay server's CA the listing cannot complete", async () => {
    const { ca: _ca, ...withoutCa } = server.connection();
    const context = testContext({ ...withoutCa, retry: { maxRetries: 0 } });
    expect(await collectAll(listNsgs(context))).toEqual([]);
    expect(context.incomplete[0]?.reason).toMatch(/No response listing/);
  });
});

describe("getRaw", () => {
  test("GETs one resource as raw ARM JSON through the client's pipeline; a 404 is undefined", async () => {
    const context = testContext(server.connection());
    const network = client(context);
    const id = `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/nsg03`;
    expect(
      await getRaw(context, {
        collector: "network",
        resourceType: NSG_TYPE,
        client: network,
        path: id,
        apiVersion: "2025-05-01",
      }),
    ).toEqual(nsg("nsg03"));
    const missing = `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/absent`;
    expect(
      await getRaw(context, {
        collector: "network",
        resourceType: NSG_TYPE,
        client: network,
        path: missing,
        apiVersion: "2025-05-01",
      }),
    ).toBe(undefined);
    expect(context.incomplete).toEqual([]);
    expect(context.limiter.calls).toBe(2);
  });

  test("a 403 is reported as incomplete coverage", async () => {
    server.setFaults({ forbidden: [{ type: NSG_TYPE }] });
    const context = testContext(server.connection());
    const id = `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/nsg01`;
    expect(
      await getRaw(context, {
        collector: "network",
        resourceType: NSG_TYPE,
        client: client(context),
        path: id,
        apiVersion: "2025-05-01",
      }),
    ).toBe(undefined);
    expect(context.incomplete.map((entry) => entry.reason)).toEqual([
      "HTTP 403 reading Microsoft.Network/networkSecurityGroups: the credential lacks read access (grant Reader).",
    ]);
  });
});

describe("getRawList", () => {
  const list = (context: TestContext) =>
    getRawList(context, {
      collector: "network",
      resourceType: NSG_TYPE,
      client: client(context),
      path: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Network/networkSecurityGroups`,
      apiVersion: "2025-05-01",
    });

  test("follows nextLink page by page and yields each item raw, one page event per page", async () => {
    const context = testContext(server.connection());
    const items = await collectAll(list(context));
    expect(items).toEqual(["nsg00", "nsg01", "nsg02", "nsg03", "nsg04"].map((name) => nsg(name)));
    expect(context.limiter.calls).toBe(3);
    expect(
      context.events
        .filter((event) => event.type === "page")
        .map((event) => event.type === "page" && event.items),
    ).toEqual([2, 2, 1]);
    expect(context.incomplete).toEqual([]);
  });

  test("a 403 ends the list empty and marks the type incomplete; a 404 scope is an empty list", async () => {
    server.setFaults({ forbidden: [{ type: NSG_TYPE }] });
    const context = testContext(server.connection());
    expect(await collectAll(list(context))).toEqual([]);
    expect(context.incomplete.map((entry) => entry.type)).toEqual([NSG_TYPE]);
    server.setFaults({});
    const gone = testContext(server.connection());
    const items = await collectAll(
      getRawList(gone, {
        collector: "network",
        resourceType: NSG_TYPE,
        client: client(gone),
        path: `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/absent/securityRules`,
        apiVersion: "2025-05-01",
      }),
    );
    expect(items).toEqual([]);
    expect(gone.incomplete).toEqual([]);
  });
});
