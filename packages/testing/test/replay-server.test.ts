import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { NetworkManagementClient } from "@azure/arm-network";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import type { TokenCredential } from "@azure/core-auth";
import { isRestError } from "@azure/core-rest-pipeline";
import { type JsonObject, staticTokenCredential } from "@azure-drift/core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  type ArmReplayServer,
  BUILT_IN_ROLES,
  cloneTenant,
  generateTenant,
  putResource,
  RESOURCE_TYPES,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "../src/index.js";
import { rawGet } from "./support/https.js";

const credential = staticTokenCredential("test-token") as TokenCredential;

function clientOptions(server: ArmReplayServer, extra: Record<string, unknown> = {}) {
  const connection = server.connection();
  return {
    endpoint: connection.endpoint,
    credentialScopes: connection.credentialScopes,
    tlsOptions: { ca: connection.ca },
    // Keep retries quick and bounded in tests.
    retryOptions: { maxRetries: 4, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
    ...extra,
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const ids = (items: { id?: string }[]) => items.map((item) => String(item.id).toLowerCase()).sort();
const expectedIds = (tenant: Tenant, type: string, subscriptionId: string) =>
  resourcesOf(tenant, { types: [type], subscriptionId }).map((resource) => String(resource.id).toLowerCase());

describe("ARM replay server with the real Azure SDK clients", () => {
  let tenant: Tenant;
  let server: ArmReplayServer;
  let subscriptionId: string;

  beforeAll(async () => {
    tenant = generateTenant({ seed: 7, resources: 400 });
    subscriptionId = tenant.subscriptions[0]?.subscriptionId ?? "";
    server = await startArmReplayServer({ tenant, pageSize: 5 });
  });
  afterAll(() => server.close());

  test("networkSecurityGroups.listAll follows nextLink to the end", async () => {
    server.resetStats();
    const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
    const listed = await collect(network.networkSecurityGroups.listAll());
    const expected = expectedIds(tenant, RESOURCE_TYPES.networkSecurityGroup, subscriptionId);
    expect(expected.length).toBeGreaterThan(10);
    expect(ids(listed)).toEqual(expected);
    expect(server.stats.pages).toBe(Math.ceil(expected.length / 5));
  });

  test("resource-group level lists and GET by id return the raw ARM JSON", async () => {
    const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
    const nsg = resourcesOf(tenant, {
      types: [RESOURCE_TYPES.networkSecurityGroup],
      subscriptionId,
    })[0] as JsonObject;
    const [, , , , group = "", , , , name = ""] = String(nsg.id).split("/");
    const inGroup = await collect(network.networkSecurityGroups.list(group));
    expect(ids(inGroup)).toEqual(
      expectedIds(tenant, RESOURCE_TYPES.networkSecurityGroup, subscriptionId).filter((id) =>
        id.includes(`/resourcegroups/${group.toLowerCase()}/`),
      ),
    );
    let raw: unknown;
    const got = await network.networkSecurityGroups.get(group, name, {
      onResponse: (response) => {
        raw = JSON.parse(response.bodyAsText ?? "null");
      },
    });
    expect(got.name).toBe(name);
    expect(raw).toEqual(nsg);
  });

  test("paths match case-insensitively, as ARM does", async () => {
    const nsg = resourcesOf(tenant, {
      types: [RESOURCE_TYPES.networkSecurityGroup],
      subscriptionId,
    })[0] as JsonObject;
    const response = await rawGet(`${server.url}${String(nsg.id).toUpperCase()}?api-version=2025-05-01`, {
      ca: server.ca,
    });
    expect(response.status).toBe(200);
    expect((response.body as JsonObject).id).toBe(nsg.id);
  });

  test("child collections: subnets embedded in a VNet, federated credentials as child resources", async () => {
    const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
    const vnet = resourcesOf(tenant, {
      types: [RESOURCE_TYPES.virtualNetwork],
      subscriptionId,
    })[0] as JsonObject;
    const [, , , , group = "", , , , name = ""] = String(vnet.id).split("/");
    const subnets = await collect(network.subnets.list(group, name));
    const embedded = (vnet.properties as { subnets: JsonObject[] }).subnets;
    expect(subnets.map((subnet) => subnet.name).sort()).toEqual(
      embedded.map((subnet) => String(subnet.name)).sort(),
    );
    const one = await network.subnets.get(group, name, String(embedded[0]?.name));
    expect(one.id).toBe(embedded[0]?.id);
    // An NSG's `subnets` are references to the VNet's subnets, not children of the NSG.
    const nsgId = `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Network/networkSecurityGroups/nsg-refs`;
    putResource(tenant, {
      id: nsgId,
      name: "nsg-refs",
      type: "Microsoft.Network/networkSecurityGroups",
      location: "westeurope",
      properties: { securityRules: [], subnets: [{ id: String(embedded[0]?.id) }] },
    });
    const references = await rawGet(`${server.url}${nsgId}/subnets?api-version=2025-05-01`, {
      ca: server.ca,
    });
    expect(references).toMatchObject({ status: 200, body: { value: [] } });

    const msi = new ManagedServiceIdentityClient(credential, subscriptionId, clientOptions(server));
    const identities = await collect(msi.userAssignedIdentities.listBySubscription());
    expect(ids(identities)).toEqual(expectedIds(tenant, RESOURCE_TYPES.userAssignedIdentity, subscriptionId));
    const credentials = [];
    for (const identity of identities) {
      const rg = String(identity.id).split("/")[4] ?? "";
      credentials.push(...(await collect(msi.federatedIdentityCredentials.list(rg, String(identity.name)))));
    }
    expect(ids(credentials)).toEqual(
      expectedIds(tenant, RESOURCE_TYPES.federatedIdentityCredential, subscriptionId),
    );
  });

  test("authorization: assignments at every scope, custom and built-in role definitions, deny assignments", async () => {
    const authorization = new AuthorizationManagementClient(
      credential,
      subscriptionId,
      clientOptions(server),
    );
    const assignments = await collect(authorization.roleAssignments.listForSubscription());
    const expected = expectedIds(tenant, RESOURCE_TYPES.roleAssignment, subscriptionId);
    expect(ids(assignments)).toEqual(expected);
    const scopes = new Set(
      assignments.map((assignment) =>
        (assignment.scope?.split("/").length ?? 0) > 5
          ? "deep"
          : assignment.scope?.includes("resourcegroups")
            ? "group"
            : "subscription",
      ),
    );
    expect([...scopes].sort()).toEqual(["deep", "group", "subscription"]);

    const atScope = await collect(authorization.roleAssignments.listForSubscription({ filter: "atScope()" }));
    expect(ids(atScope)).toEqual(
      ids(
        assignments.filter(
          (assignment) => assignment.scope?.toLowerCase() === `/subscriptions/${subscriptionId}`,
        ),
      ),
    );

    const custom = await collect(
      authorization.roleDefinitions.list(`/subscriptions/${subscriptionId}`, {
        filter: "type eq 'CustomRole'",
      }),
    );
    expect(ids(custom)).toEqual(expectedIds(tenant, RESOURCE_TYPES.roleDefinition, subscriptionId));
    expect(custom.every((definition) => definition.roleType === "CustomRole")).toBe(true);
    const all = await collect(authorization.roleDefinitions.list(`/subscriptions/${subscriptionId}`));
    expect(all.length).toBe(custom.length + Object.keys(BUILT_IN_ROLES).length);

    const owner = await authorization.roleDefinitions.getById(
      `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.Owner}`,
    );
    expect(owner.roleName).toBe("Owner");
    expect(owner.id).toBe(
      `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.Owner}`,
    );
    const tenantLevel = await authorization.roleDefinitions.getById(
      `/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.Reader}`,
    );
    expect(tenantLevel.roleName).toBe("Reader");

    const deny = await collect(authorization.denyAssignments.list());
    expect(ids(deny)).toEqual(expectedIds(tenant, RESOURCE_TYPES.denyAssignment, subscriptionId));
  });

  test("subscriptions: list and get", async () => {
    const subscriptions = new SubscriptionClient(credential, clientOptions(server));
    const listed = await collect(subscriptions.subscriptions.list());
    expect(listed.map((subscription) => subscription.subscriptionId).sort()).toEqual(
      tenant.subscriptions.map((s) => s.subscriptionId).sort(),
    );
    const one = await subscriptions.subscriptions.get(subscriptionId);
    expect(one.displayName).toBe(tenant.subscriptions[0]?.displayName);
  });

  test("404s surface as RestError with ARM codes", async () => {
    const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
    const group =
      String(
        resourcesOf(tenant, { types: [RESOURCE_TYPES.networkSecurityGroup], subscriptionId })[0]?.id,
      ).split("/")[4] ?? "";
    const missing = await network.networkSecurityGroups
      .get(group, "nsg-that-does-not-exist")
      .catch((error: unknown) => error);
    expect(isRestError(missing) && [missing.statusCode, missing.code]).toEqual([404, "ResourceNotFound"]);
    const noGroup = await network.networkSecurityGroups
      .get("rg-missing", "x")
      .catch((error: unknown) => error);
    expect(isRestError(noGroup) && [noGroup.statusCode, noGroup.code]).toEqual([
      404,
      "ResourceGroupNotFound",
    ]);
    const other = new NetworkManagementClient(
      credential,
      "00000000-0000-0000-0000-000000000bad",
      clientOptions(server),
    );
    const noSubscription = await collect(other.networkSecurityGroups.listAll()).catch(
      (error: unknown) => error,
    );
    expect(isRestError(noSubscription) && [noSubscription.statusCode, noSubscription.code]).toEqual([
      404,
      "SubscriptionNotFound",
    ]);
  });

  test("api-version is required and checked", async () => {
    const path = `${server.url}/subscriptions/${subscriptionId}/providers/Microsoft.Network/networkSecurityGroups`;
    const missing = await rawGet(path, { ca: server.ca });
    expect([missing.status, (missing.body as { error: { code: string } }).error.code]).toEqual([
      400,
      "MissingApiVersionParameter",
    ]);
    const wrong = await rawGet(`${path}?api-version=2019-01-01`, { ca: server.ca });
    expect([wrong.status, (wrong.body as { error: { code: string } }).error.code]).toEqual([
      400,
      "InvalidApiVersionParameter",
    ]);
    // A server that wants another version than the pinned SDK sends: the SDK surfaces the 400.
    const strict = await startArmReplayServer({
      tenant,
      apiVersions: { "Microsoft.Network": ["2099-01-01"] },
    });
    try {
      const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(strict));
      const error = await collect(network.networkSecurityGroups.listAll()).catch((caught: unknown) => caught);
      expect(isRestError(error) && [error.statusCode, error.code]).toEqual([
        400,
        "InvalidApiVersionParameter",
      ]);
    } finally {
      await strict.close();
    }
  });

  test("tenant state is live: added, removed and modified resources show in the next collection", async () => {
    const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
    const before = resourcesOf(tenant, { types: [RESOURCE_TYPES.routeTable], subscriptionId });
    const removed = before[0] as JsonObject;
    const modified = before[1] as JsonObject;
    const added = structuredClone(modified);
    added.id = `${String(modified.id)}-copy`;
    added.name = `${String(modified.name)}-copy`;
    tenant.resources.delete(String(removed.id).toLowerCase());
    putResource(tenant, added);
    (modified.properties as JsonObject).disableBgpRoutePropagation = "changed-in-test";
    const listed = await collect(network.routeTables.listAll());
    expect(ids(listed)).toEqual(expectedIds(tenant, RESOURCE_TYPES.routeTable, subscriptionId));
    expect(ids(listed)).toContain(String(added.id).toLowerCase());
    expect(ids(listed)).not.toContain(String(removed.id).toLowerCase());
    putResource(tenant, removed);
    tenant.resources.delete(String(added.id).toLowerCase());
  });

  test("the certificate is trusted through the CA option only", async () => {
    const path = `${server.url}/subscriptions?api-version=2022-12-01`;
    const untrusted = await rawGet(path).catch((error: NodeJS.ErrnoException) => error.code);
    expect(untrusted).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    expect((await rawGet(path, { ca: server.ca })).status).toBe(200);
    expect((await rawGet(path.replace("127.0.0.1", "localhost"), { ca: server.ca })).status).toBe(200);
  });

  test("a request without a bearer token gets 401", async () => {
    const response = await rawGet(`${server.url}/subscriptions?api-version=2022-12-01`, {
      ca: server.ca,
      token: null,
    });
    expect([response.status, (response.body as { error: { code: string } }).error.code]).toEqual([
      401,
      "AuthenticationFailed",
    ]);
  });
});

describe("ARM replay server faults", () => {
  let tenant: Tenant;
  let subscriptionId: string;
  let expected: string[];

  beforeAll(() => {
    tenant = generateTenant({
      seed: 11,
      resources: 150,
      mix: { networkSecurityGroup: 1, routeTable: 1, roleAssignment: 1 },
    });
    subscriptionId = tenant.subscriptions[0]?.subscriptionId ?? "";
    expected = expectedIds(tenant, RESOURCE_TYPES.networkSecurityGroup, subscriptionId);
  });

  test("429s with Retry-After are retried by the SDK and the result is identical", async () => {
    const server = await startArmReplayServer({
      tenant,
      pageSize: 3,
      faults: { throttleRate: 0.3, retryAfterMs: 5, seed: 3 },
    });
    try {
      const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
      expect(ids(await collect(network.networkSecurityGroups.listAll()))).toEqual(expected);
      expect(server.stats.throttled).toBeGreaterThan(0);
      expect(server.stats.byStatus["429"]).toBe(server.stats.throttled);
    } finally {
      await server.close();
    }
  });

  test("Retry-After in seconds, none, or very long", async () => {
    const server = await startArmReplayServer({
      tenant,
      faults: { throttleRate: 1, maxConsecutive: 1, retryAfter: 1 },
    });
    try {
      const path = `${server.url}/subscriptions/${subscriptionId}/providers/Microsoft.Network/routeTables?api-version=2025-05-01`;
      const first = await rawGet(path, { ca: server.ca });
      expect([first.status, first.headers["retry-after"]]).toEqual([429, "1"]);
      expect((first.body as { error: { code: string } }).error.code).toBe("TooManyRequests");
      expect((await rawGet(path, { ca: server.ca })).status).toBe(200);

      server.setFaults({ throttleRate: 1, maxConsecutive: 1, retryAfter: "none" });
      const bare = await rawGet(path, { ca: server.ca });
      expect([bare.status, bare.headers["retry-after"], bare.headers["retry-after-ms"]]).toEqual([
        429,
        undefined,
        undefined,
      ]);

      server.setFaults({ throttleRate: 1, maxConsecutive: 1, retryAfter: 3600 });
      const long = await rawGet(path, { ca: server.ca });
      expect([long.status, long.headers["retry-after"]]).toEqual([429, "3600"]);
    } finally {
      await server.close();
    }
  });

  test("the SDK waits a whole-second Retry-After and then succeeds", async () => {
    const server = await startArmReplayServer({
      tenant,
      pageSize: 1000,
      faults: { throttleRate: 1, maxConsecutive: 1, retryAfter: 1 },
    });
    try {
      const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
      expect(ids(await collect(network.networkSecurityGroups.listAll()))).toEqual(expected);
      expect(server.stats.throttled).toBe(1);
      expect(server.stats.requests).toBe(2);
    } finally {
      await server.close();
    }
  });

  test("500/503 responses are retried by the SDK", async () => {
    const server = await startArmReplayServer({
      tenant,
      pageSize: 3,
      faults: { serverErrorRate: 0.3, seed: 5 },
    });
    try {
      const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
      expect(ids(await collect(network.networkSecurityGroups.listAll()))).toEqual(expected);
      expect(server.stats.serverErrors).toBeGreaterThan(0);
      expect(Object.keys(server.stats.byStatus).sort()).toEqual(
        ["200", "500", "503"].filter((status) => server.stats.byStatus[status]),
      );
    } finally {
      await server.close();
    }
  });

  test("a connection dropped mid-body fails the request; the SDK surfaces it (it does not retry a body read)", async () => {
    const server = await startArmReplayServer({
      tenant,
      pageSize: 3,
      faults: { dropRate: 1, maxConsecutive: 1 },
    });
    try {
      const path = `${server.url}/subscriptions/${subscriptionId}/providers/Microsoft.Network/routeTables?api-version=2025-05-01`;
      await expect(rawGet(path, { ca: server.ca })).rejects.toThrow(/aborted/);
      expect((await rawGet(path, { ca: server.ca })).status).toBe(200);
      server.setFaults({ dropRate: 1, maxConsecutive: 1 });
      const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
      const error = await collect(network.networkSecurityGroups.listAll()).catch((caught: unknown) => caught);
      expect(isRestError(error) && error.message).toMatch(/aborted/);
      expect(server.stats.dropped).toBe(2);
    } finally {
      await server.close();
    }
  });

  test("403 on a chosen resource type or subscription, with an ARM body", async () => {
    const server = await startArmReplayServer({
      tenant,
      faults: {
        forbidden: [
          { type: RESOURCE_TYPES.routeTable },
          { subscriptionId: tenant.subscriptions[1]?.subscriptionId ?? "" },
        ],
      },
    });
    try {
      const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
      const denied = await collect(network.routeTables.listAll()).catch((error: unknown) => error);
      expect(isRestError(denied) && [denied.statusCode, denied.code]).toEqual([403, "AuthorizationFailed"]);
      expect(ids(await collect(network.networkSecurityGroups.listAll()))).toEqual(expected);
      const other = new NetworkManagementClient(
        credential,
        tenant.subscriptions[1]?.subscriptionId ?? "",
        clientOptions(server),
      );
      const deniedSubscription = await collect(other.networkSecurityGroups.listAll()).catch(
        (error: unknown) => error,
      );
      expect(isRestError(deniedSubscription) && deniedSubscription.statusCode).toBe(403);
    } finally {
      await server.close();
    }
  });

  test("a token other than the expected one gets 401 InvalidAuthenticationToken", async () => {
    const server = await startArmReplayServer({ tenant, token: "the-right-token" });
    try {
      const wrong = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
      const error = await collect(wrong.networkSecurityGroups.listAll()).catch((caught: unknown) => caught);
      expect(isRestError(error) && [error.statusCode, error.code]).toEqual([
        401,
        "InvalidAuthenticationToken",
      ]);
      const right = new NetworkManagementClient(
        staticTokenCredential("the-right-token") as TokenCredential,
        subscriptionId,
        clientOptions(server),
      );
      expect(ids(await collect(right.networkSecurityGroups.listAll()))).toEqual(expected);
    } finally {
      await server.close();
    }
  });

  test("faults are reproducible: the same seed throttles the same requests", async () => {
    const run = async () => {
      const server = await startArmReplayServer({
        tenant: cloneTenant(tenant),
        pageSize: 2,
        faults: { throttleRate: 0.4, retryAfterMs: 1, seed: 42 },
      });
      try {
        const network = new NetworkManagementClient(credential, subscriptionId, clientOptions(server));
        await collect(network.networkSecurityGroups.listAll());
        return { throttled: server.stats.throttled, requests: server.stats.requests };
      } finally {
        await server.close();
      }
    };
    const first = await run();
    expect(first.throttled).toBeGreaterThan(0);
    expect(await run()).toEqual(first);
  });

  test("latencyMs is the time from request to response, for answers and faults alike", async () => {
    const server = await startArmReplayServer({
      tenant: cloneTenant(tenant),
      latencyMs: 80,
      faults: { forbidden: [{ type: RESOURCE_TYPES.routeTable }] },
    });
    try {
      const base = `${server.url}/subscriptions/${subscriptionId}/providers`;
      const timed = async (url: string, token?: string | null) => {
        const started = performance.now();
        const { status } = await rawGet(url, { ca: server.ca, ...(token === undefined ? {} : { token }) });
        return { status, atLeastLatency: performance.now() - started >= 79 };
      };
      expect(
        await Promise.all([
          timed(`${base}/Microsoft.Network/networkSecurityGroups?api-version=2025-05-01`),
          timed(`${base}/Microsoft.Network/routeTables?api-version=2025-05-01`),
          timed(`${base}/Microsoft.Network/networkSecurityGroups?api-version=1999-01-01`),
          timed(`${base}/Microsoft.Network/networkSecurityGroups?api-version=2025-05-01`, null),
        ]),
      ).toEqual([
        { status: 200, atLeastLatency: true },
        { status: 403, atLeastLatency: true },
        { status: 400, atLeastLatency: true },
        { status: 401, atLeastLatency: true },
      ]);
    } finally {
      await server.close();
    }
  });

  test("lateMs says how late responses went out when the server itself was busy", async () => {
    // A latency long enough that the busy loop below starts before the response is due, however
    // loaded the machine: the response then goes out at least 100 ms late.
    const server = await startArmReplayServer({ tenant: cloneTenant(tenant), latencyMs: 300 });
    try {
      const url = `${server.url}/subscriptions/${subscriptionId}/providers/Microsoft.Network/networkSecurityGroups?api-version=2025-05-01`;
      const answered = rawGet(url, { ca: server.ca });
      // Once the request has arrived, hold this process's event loop (the server's too) well past
      // the response's due time.
      await vi.waitFor(() => expect(server.stats.requests).toBe(1), { timeout: 5000, interval: 1 });
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // busy: the server cannot send
      }
      expect((await answered).status).toBe(200);
      expect(server.stats.lateMs.max).toBeGreaterThanOrEqual(100);
      expect(server.stats.lateMs.total).toBeGreaterThanOrEqual(server.stats.lateMs.max);
      server.resetStats();
      expect(server.stats.lateMs).toEqual({ total: 0, max: 0 });
    } finally {
      await server.close();
    }
  });
});
