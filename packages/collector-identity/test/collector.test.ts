import { readFileSync } from "node:fs";
import type { ArmConnection, CollectorContext, JsonObject, Limiter, ProgressEvent } from "@azure-drift/core";
import { noopLogger, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  putResource,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import pLimit from "p-limit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  BUILT_IN_ROLES,
  DENY_ASSIGNMENT_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
  type IdentityCollectorOptions,
  identityCollector,
  NAME,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
  VERSION,
} from "../src/index.js";

const ALL_TYPES = [
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  DENY_ASSIGNMENT_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
];
const BUILT_IN_PREFIX = "/providers/microsoft.authorization/roledefinitions/";
const PAGE_SIZE = 10;

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

interface Run {
  records: JsonObject[];
  incomplete: { type: string; reason: string }[];
  events: ProgressEvent[];
  limiterCalls: number;
  scopes: string[];
}

async function collect(
  arm: ArmConnection,
  options: { signal?: AbortSignal; limit?: Limiter; collector?: IdentityCollectorOptions } = {},
): Promise<Run> {
  const run: Run = { records: [], incomplete: [], events: [], limiterCalls: 0, scopes: [] };
  const limit: Limiter = options.limit ?? pLimit(8);
  const credential = staticTokenCredential("replay-token");
  const context: CollectorContext = {
    tenantId: tenant.tenantId,
    subscriptionId,
    credential: {
      getToken: (scopes, tokenOptions) => {
        run.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return credential.getToken(scopes, tokenOptions);
      },
    },
    arm: { retry: { maxRetries: 6, maxRetryDelayMs: 20 }, ...arm },
    signal: options.signal ?? new AbortController().signal,
    limit: (fn) => {
      run.limiterCalls++;
      return limit(fn);
    },
    logger: noopLogger,
    coverage: { incomplete: (type, reason) => run.incomplete.push({ type, reason }) },
    onProgress: (event) => run.events.push(event),
  };
  for await (const record of identityCollector(options.collector).collect(context)) run.records.push(record);
  return run;
}

const byId = (a: JsonObject, b: JsonObject) =>
  String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase());

const properties = (record: JsonObject) => record.properties as JsonObject;

/** The guids of the built-in roles the subscription's assignments reference. */
function referencedBuiltIns(target: Tenant): string[] {
  const guids = new Set<string>();
  for (const assignment of resourcesOf(target, { types: [ROLE_ASSIGNMENT_TYPE], subscriptionId })) {
    const id = String(properties(assignment).roleDefinitionId).toLowerCase();
    const guid = id.slice(id.lastIndexOf("/") + 1);
    if (target.resources.has(`${BUILT_IN_PREFIX}${guid}`)) guids.add(guid);
  }
  return [...guids].sort();
}

/** What the collector must return: the subscription's identity resources, plus each referenced built-in role as ARM serves it at subscription scope. */
function expectedRecords(target: Tenant, types = ALL_TYPES): JsonObject[] {
  const own = resourcesOf(target, { types, subscriptionId });
  const builtIns = types.includes(ROLE_DEFINITION_TYPE)
    ? referencedBuiltIns(target).map((guid) => {
        const definition = target.resources.get(`${BUILT_IN_PREFIX}${guid}`) as JsonObject;
        return {
          ...definition,
          id: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${definition.name}`,
        };
      })
    : [];
  return [...own, ...builtIns].sort(byId);
}

beforeAll(async () => {
  tenant = generateTenant({
    seed: "identity-collector",
    resources: 300,
    subscriptions: 2,
    mix: {
      storageAccount: 3,
      keyVault: 2,
      userAssignedIdentity: 6,
      federatedIdentityCredential: 5,
      roleDefinition: 2,
      roleAssignment: 20,
      denyAssignment: 2,
    },
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: PAGE_SIZE });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.resetStats();
});

describe("identityCollector against the ARM replay server", () => {
  test("collects every identity resource of the subscription, and the built-in roles its assignments reference", async () => {
    const expected = expectedRecords(tenant);
    const run = await collect(server.connection());

    expect(run.incomplete).toEqual([]);
    expect(run.records.sort(byId)).toEqual(expected);
    // The fixture exercises every type, and built-in as well as custom role definitions.
    const types = new Set(run.records.map((record) => String(record.type)));
    expect([...types].sort()).toEqual([...ALL_TYPES].sort());
    const roleTypes = new Set(
      run.records
        .filter((record) => record.type === ROLE_DEFINITION_TYPE)
        .map((record) => properties(record).type),
    );
    expect([...roleTypes].sort()).toEqual(["BuiltInRole", "CustomRole"]);
    // Nothing of the other subscription, nothing twice.
    expect(
      run.records.every((record) =>
        String(record.id).toLowerCase().startsWith(`/subscriptions/${subscriptionId}/`),
      ),
    ).toBe(true);
    expect(new Set(run.records.map((record) => String(record.id).toLowerCase())).size).toBe(
      run.records.length,
    );
  });

  test("role assignments at subscription, resource-group and resource scope come from one subscription-level list", async () => {
    const run = await collect(server.connection());
    const scopes = run.records
      .filter((record) => record.type === ROLE_ASSIGNMENT_TYPE)
      .map((record) => String(properties(record).scope).toLowerCase());
    const kinds = new Set(
      scopes.map((scope) =>
        scope === `/subscriptions/${subscriptionId}`
          ? "subscription"
          : scope.includes("/providers/")
            ? "resource"
            : "resourceGroup",
      ),
    );
    expect([...kinds].sort()).toEqual(["resource", "resourceGroup", "subscription"]);
    // Pages of one list: ceil(n / pageSize) requests, none per resource group or per resource.
    const assignments = resourcesOf(tenant, { types: [ROLE_ASSIGNMENT_TYPE], subscriptionId }).length;
    expect(server.stats.byRoute["list microsoft.authorization/roleassignments"]).toBe(
      Math.ceil(assignments / PAGE_SIZE),
    );
  });

  test("assignments inherited from a management group and the root are kept, unless switched off", async () => {
    const subscription = tenant.subscriptions[0]!;
    const group = "/providers/Microsoft.Management/managementGroups/corp";
    const inherited = (scope: string, name: string, type = ROLE_ASSIGNMENT_TYPE): JsonObject => ({
      id: `${scope}/providers/${type}/${name}`,
      name,
      type,
      properties: {
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.reader}`,
        principalId: "5d3c1a9e-0000-0000-0000-0000000000c3",
        principalType: "Group",
        scope: scope || "/",
      },
    });
    const added = [
      inherited(group, "0000000c-0000-0000-0000-000000000001"),
      inherited("", "0000000c-0000-0000-0000-000000000002"),
      inherited(group, "0000000c-0000-0000-0000-000000000003", DENY_ASSIGNMENT_TYPE),
      // A group this subscription is not under: not listed for it.
      inherited(
        "/providers/Microsoft.Management/managementGroups/other",
        "0000000c-0000-0000-0000-000000000004",
      ),
    ];
    subscription.managementGroups = ["corp"];
    for (const resource of added) putResource(tenant, resource);
    try {
      const kept = await collect(server.connection());
      const above = (run: Run) =>
        run.records.filter((record) => String(record.id).startsWith("/providers/")).sort(byId);
      expect(above(kept)).toEqual(added.slice(0, 3).sort(byId));
      expect(kept.incomplete).toEqual([]);
      const dropped = await collect(server.connection(), { collector: { inheritedAssignments: false } });
      expect(above(dropped)).toEqual([]);
      expect(dropped.records.length).toBe(kept.records.length - 3);
    } finally {
      for (const resource of added) removeResource(tenant, String(resource.id));
      delete subscription.managementGroups;
    }
  });

  test("each referenced built-in role is fetched once, however many assignments use it", async () => {
    const referenced = referencedBuiltIns(tenant);
    const assignmentsToBuiltIns = resourcesOf(tenant, {
      types: [ROLE_ASSIGNMENT_TYPE],
      subscriptionId,
    }).filter((assignment) =>
      referenced.some((guid) => String(properties(assignment).roleDefinitionId).toLowerCase().endsWith(guid)),
    ).length;
    expect(assignmentsToBuiltIns).toBeGreaterThan(referenced.length * 2);

    const run = await collect(server.connection());
    expect(server.stats.byRoute["get microsoft.authorization/roledefinitions"]).toBe(referenced.length);
    const builtIns = run.records.filter(
      (record) => record.type === ROLE_DEFINITION_TYPE && properties(record).type === "BuiltInRole",
    );
    expect(builtIns.map((record) => String(record.name)).sort()).toEqual(referenced);
    // Custom roles come from the filtered list, never fetched one by one, and no GET other than role definitions.
    expect(
      Object.keys(server.stats.byRoute)
        .filter((route) => route.startsWith("get "))
        .sort(),
    ).toEqual(["get microsoft.authorization/roledefinitions"]);
  });

  test("records are ARM's raw JSON, not the SDK's reshaped models", async () => {
    const { records } = await collect(server.connection());
    const first = (type: string, filter: (record: JsonObject) => boolean = () => true) =>
      records.find((record) => record.type === type && filter(record)) as JsonObject;

    const assignment = first(ROLE_ASSIGNMENT_TYPE);
    expect(assignment).toHaveProperty("properties.roleDefinitionId");
    expect(assignment).toHaveProperty("properties.principalType");
    expect(assignment).not.toHaveProperty("roleDefinitionId");

    // The SDK renames `properties.type` to `roleType` and lifts `permissions`: ARM's names stay.
    const custom = first(ROLE_DEFINITION_TYPE, (record) => properties(record).type === "CustomRole");
    expect(custom).toHaveProperty("properties.permissions.0.actions");
    expect(custom).toHaveProperty("properties.assignableScopes");
    expect(custom).not.toHaveProperty("roleType");
    expect(custom).not.toHaveProperty("permissions");
    const builtIn = first(ROLE_DEFINITION_TYPE, (record) => properties(record).type === "BuiltInRole");
    expect(builtIn).toHaveProperty("properties.roleName");
    expect(builtIn).not.toHaveProperty("roleName");

    expect(first(DENY_ASSIGNMENT_TYPE)).toHaveProperty("properties.excludePrincipals");
    expect(first(USER_ASSIGNED_IDENTITY_TYPE)).toHaveProperty("properties.principalId");
    expect(first(USER_ASSIGNED_IDENTITY_TYPE)).not.toHaveProperty("principalId");
    const credential = first(FEDERATED_CREDENTIAL_TYPE);
    expect(credential).toHaveProperty("properties.issuer");
    expect(credential).toHaveProperty("properties.audiences");
    expect(credential).not.toHaveProperty("issuer");
  });

  test("a federated credential added to an identity shows up in the next collection", async () => {
    const identity = resourcesOf(tenant, { types: [USER_ASSIGNED_IDENTITY_TYPE], subscriptionId })[0]!;
    const added: JsonObject = {
      id: `${identity.id}/federatedIdentityCredentials/attacker-fork`,
      name: "attacker-fork",
      type: FEDERATED_CREDENTIAL_TYPE,
      properties: {
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:someone/fork:ref:refs/heads/main",
        audiences: ["api://AzureADTokenExchange"],
      },
    };
    const before = await collect(server.connection());
    putResource(tenant, added);
    try {
      const after = await collect(server.connection());
      expect(before.records.find((record) => record.id === added.id)).toBeUndefined();
      expect(after.records.find((record) => record.id === added.id)).toEqual(added);
      expect(after.records.length).toBe(before.records.length + 1);
    } finally {
      removeResource(tenant, String(added.id));
    }
  });

  test("federated credentials cost one list per identity, and nothing when switched off", async () => {
    const identities = resourcesOf(tenant, { types: [USER_ASSIGNED_IDENTITY_TYPE], subscriptionId }).length;
    await collect(server.connection());
    expect(
      server.stats.byRoute[
        "list microsoft.managedidentity/userassignedidentities/federatedidentitycredentials"
      ],
    ).toBe(identities);

    server.resetStats();
    const collector = identityCollector({ federatedIdentityCredentials: false });
    expect(collector.types.map((type) => type.type)).not.toContain(FEDERATED_CREDENTIAL_TYPE);
    const run = await collect(server.connection(), { collector: { federatedIdentityCredentials: false } });
    expect(run.records.some((record) => record.type === FEDERATED_CREDENTIAL_TYPE)).toBe(false);
    expect(
      Object.keys(server.stats.byRoute).some((route) => route.includes("federatedidentitycredentials")),
    ).toBe(false);
  });

  test("credential listings start while the identities are still paging, at most credentialListConcurrency at once", async () => {
    // Two identities per page: the identities' listing takes many sequential round trips.
    const slow = await startArmReplayServer({ tenant, pageSize: 2, latencyMs: 5 });
    try {
      const run = await collect(slow.connection(), {
        limit: pLimit(64),
        collector: { credentialListConcurrency: 2, builtInRoleDefinitions: false },
      });
      expect(run.incomplete).toEqual([]);
      expect(run.records.sort(byId)).toEqual(
        expectedRecords(tenant).filter((record) => properties(record).type !== "BuiltInRole"),
      );
      const pages = run.events.filter((event) => event.type === "page");
      const firstCredentialPage = pages.findIndex(
        (event) => event.resourceType === FEDERATED_CREDENTIAL_TYPE,
      );
      const lastIdentityPage = pages.findLastIndex(
        (event) => event.resourceType === USER_ASSIGNED_IDENTITY_TYPE,
      );
      expect(lastIdentityPage).toBeGreaterThan(2);
      expect(firstCredentialPage).toBeGreaterThanOrEqual(0);
      expect(firstCredentialPage).toBeLessThan(lastIdentityPage);
      // Four subscription-level listings, one page request each at a time, plus two credential listings.
      expect(slow.stats.maxInFlight).toBeLessThanOrEqual(4 + 2);
    } finally {
      await slow.close();
    }
  });

  test("builtInRoleDefinitions: false fetches none", async () => {
    const run = await collect(server.connection(), { collector: { builtInRoleDefinitions: false } });
    expect(run.records.sort(byId)).toEqual(
      expectedRecords(tenant).filter((record) => properties(record).type !== "BuiltInRole"),
    );
    expect(server.stats.byRoute["get microsoft.authorization/roledefinitions"]).toBeUndefined();
  });

  test("an assignment whose role definition no longer exists is kept, the missing role skipped, coverage complete", async () => {
    const custom = resourcesOf(tenant, { types: [ROLE_DEFINITION_TYPE], subscriptionId })[0]!;
    const dangling: JsonObject = structuredClone(
      resourcesOf(tenant, { types: [ROLE_ASSIGNMENT_TYPE], subscriptionId })[0]!,
    );
    dangling.name = "00000000-0000-0000-0000-00000000dead";
    dangling.id = `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleAssignments/${dangling.name}`;
    properties(dangling).scope = `/subscriptions/${subscriptionId}`;
    properties(dangling).roleDefinitionId =
      `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-0000000000aa`;
    putResource(tenant, dangling);
    try {
      const run = await collect(server.connection());
      expect(run.incomplete).toEqual([]);
      expect(run.records.find((record) => record.id === dangling.id)).toEqual(dangling);
      expect(run.records.sort(byId)).toEqual(expectedRecords(tenant));
      expect(custom.type).toBe(ROLE_DEFINITION_TYPE);
    } finally {
      removeResource(tenant, String(dangling.id));
    }
  });

  test("survives 20 % throttling (with and without Retry-After) with identical output", async () => {
    const clean = await collect(server.connection());
    server.setFaults({ throttleRate: 0.2, retryAfter: 1, retryAfterMs: 5, seed: 11 });
    const throttled = await collect(server.connection());
    server.setFaults({ throttleRate: 0.2, retryAfter: "none", seed: 12 });
    const noHeader = await collect(server.connection());
    expect(server.stats.throttled).toBeGreaterThan(0);
    expect(throttled.incomplete).toEqual([]);
    expect(noHeader.incomplete).toEqual([]);
    expect(throttled.records.sort(byId)).toEqual(clean.records.sort(byId));
    expect(noHeader.records.sort(byId)).toEqual(clean.records.sort(byId));
  });

  test("a 403 on role assignments makes them and the role definitions incomplete, and collects the rest", async () => {
    server.setFaults({ forbidden: [{ type: ROLE_ASSIGNMENT_TYPE }] });
    const run = await collect(server.connection());
    expect(run.incomplete.map((entry) => entry.type)).toEqual([ROLE_ASSIGNMENT_TYPE, ROLE_DEFINITION_TYPE]);
    expect(run.incomplete[0]?.reason).toMatch(/HTTP 403/);
    // Without the assignments, no built-in role is referenced: only custom roles remain.
    const expected = resourcesOf(tenant, {
      types: ALL_TYPES.filter((type) => type !== ROLE_ASSIGNMENT_TYPE),
      subscriptionId,
    });
    expect(run.records.sort(byId)).toEqual(expected.sort(byId));
  });

  test("a 403 on managed identities makes their federated credentials incomplete too", async () => {
    server.setFaults({ forbidden: [{ type: USER_ASSIGNED_IDENTITY_TYPE }] });
    const run = await collect(server.connection());
    expect(run.incomplete.map((entry) => entry.type)).toEqual([
      USER_ASSIGNED_IDENTITY_TYPE,
      FEDERATED_CREDENTIAL_TYPE,
    ]);
    expect(run.records.sort(byId)).toEqual(
      expectedRecords(tenant, [ROLE_ASSIGNMENT_TYPE, ROLE_DEFINITION_TYPE, DENY_ASSIGNMENT_TYPE]),
    );
  });

  test("a 403 on deny assignments only makes them incomplete", async () => {
    server.setFaults({ forbidden: [{ type: DENY_ASSIGNMENT_TYPE }] });
    const run = await collect(server.connection());
    expect(run.incomplete.map((entry) => entry.type)).toEqual([DENY_ASSIGNMENT_TYPE]);
    expect(run.records.sort(byId)).toEqual(
      expectedRecords(
        tenant,
        ALL_TYPES.filter((type) => type !== DENY_ASSIGNMENT_TYPE),
      ),
    );
  });

  test("every request goes through the shared limiter, listings side by side within its bound", async () => {
    server.setFaults({ latencyMs: 5 });
    const run = await collect(server.connection(), { limit: pLimit(3) });
    expect(run.records.length).toBeGreaterThan(0);
    expect(run.limiterCalls).toBeGreaterThanOrEqual(server.stats.requests);
    expect(server.stats.maxInFlight).toBeGreaterThan(1);
    expect(server.stats.maxInFlight).toBeLessThanOrEqual(3);
  });

  test("the token is asked for the endpoint's audience", async () => {
    const run = await collect(server.connection());
    expect(new Set(run.scopes)).toEqual(new Set([`${server.url}/.default`]));
  });

  test("the collector is named and declares its types with hints and rules", () => {
    const collector = identityCollector();
    expect(collector.name).toBe(NAME);
    expect(collector.domain).toBe("identity");
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(collector.version).toBe(VERSION);
    expect(VERSION).toBe(manifest.version);
    expect(collector.types.map((type) => type.type).sort()).toEqual([...ALL_TYPES].sort());
    expect(collector.types.find((type) => type.type === ROLE_ASSIGNMENT_TYPE)?.volatile).toEqual([
      "properties.updatedOn",
      "properties.updatedBy",
    ]);
    expect(collector.types.find((type) => type.type === DENY_ASSIGNMENT_TYPE)?.keyedArrays).toEqual({
      "properties.principals": ["id"],
      "properties.excludePrincipals": ["id"],
    });
    expect(collector.rules?.length).toBeGreaterThan(10);
    expect(BUILT_IN_ROLES.owner).toBe("8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
  });
});
