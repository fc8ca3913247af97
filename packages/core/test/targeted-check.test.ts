/**
 * The targeted check's own rules (routing, what is unknown, what is stored), with in-test collectors
 * over an in-memory "ARM". The real collectors are tested against the ARM replay server in their
 * packages (`test/targeted.test.ts`).
 */
import {
  type Collector,
  createDriftDetector,
  createMemoryStore,
  defineCollector,
  isDriftError,
  type JsonObject,
  parseResourceId,
  REDACTED,
  staticTokenCredential,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";

const TENANT = "11111111-1111-1111-1111-111111111111";
const SUB = "aaaaaaaa-0000-0000-0000-000000000001";
const OTHER = "aaaaaaaa-0000-0000-0000-000000000002";
const RG = `/subscriptions/${SUB}/resourceGroups/rg1/providers`;
const SERVER_TYPE = "Microsoft.Sql/servers";
const RULE_TYPE = "Microsoft.Sql/servers/firewallRules";
const IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";
const ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";

const server = (name: string, tls = "1.2"): JsonObject => ({
  id: `${RG}/Microsoft.Sql/servers/${name}`,
  name,
  type: SERVER_TYPE,
  properties: { minimalTlsVersion: tls, administratorLoginPassword: "Sup3r-secret!" },
});
const firewallRule = (serverName: string, name: string, start = "10.0.0.1"): JsonObject => ({
  id: `${RG}/Microsoft.Sql/servers/${serverName}/firewallRules/${name}`,
  name,
  type: RULE_TYPE,
  properties: { startIpAddress: start, endIpAddress: start },
});

/** An in-memory ARM: resources by lower-cased id, ids that answer 403, and every read made. */
function arm(resources: JsonObject[]) {
  const byKey = new Map(resources.map((resource) => [String(resource.id).toLowerCase(), resource]));
  return { byKey, forbidden: new Set<string>(), reads: [] as string[] };
}
type Arm = ReturnType<typeof arm>;

/** A collector of SQL servers and their firewall rules (children), reading `state` like ARM. */
function sqlCollector(state: Arm, options: { failChildrenOf?: string; throwOn?: string } = {}): Collector {
  const list = () => [...state.byKey.values()].map((resource) => structuredClone(resource));
  return defineCollector({
    name: "test-sql",
    version: "1.0.0",
    domain: "security",
    types: [{ type: SERVER_TYPE }, { type: RULE_TYPE }],
    async *collect() {
      for (const resource of list()) {
        const type = String(resource.type);
        if (type === SERVER_TYPE || type === RULE_TYPE) yield resource;
      }
    },
    async *readResources(context, ids) {
      for (const id of ids) {
        const key = id.toLowerCase();
        state.reads.push(key);
        if (options.throwOn === key) throw new Error("the SDK blew up");
        if (state.forbidden.has(key)) {
          context.unreadable(id, "HTTP 403 AuthorizationFailed");
          continue;
        }
        const found = state.byKey.get(key);
        if (!found) continue;
        yield structuredClone(found);
        if (parseResourceId(id).type !== SERVER_TYPE) continue;
        if (options.failChildrenOf === key) {
          context.unreadable(`${id}/firewallRules`, "HTTP 429 throttled beyond the cap");
          continue;
        }
        for (const [childKey, child] of state.byKey) {
          if (childKey.startsWith(`${key}/firewallrules/`)) yield structuredClone(child);
        }
      }
    },
  });
}

/** A collector with no readResources: identities, and role assignments anywhere. */
function identityCollector(state: Arm): Collector {
  return defineCollector({
    name: "test-identity",
    version: "1.0.0",
    domain: "identity",
    types: [{ type: IDENTITY_TYPE }, { type: ASSIGNMENT_TYPE }],
    async *collect() {
      for (const resource of state.byKey.values()) {
        const type = String(resource.type);
        if (type === IDENTITY_TYPE || type === ASSIGNMENT_TYPE) yield structuredClone(resource);
      }
    },
  });
}

async function setup(resources: JsonObject[], options: Parameters<typeof sqlCollector>[1] = {}) {
  const state = arm(resources);
  const store = createMemoryStore();
  const detector = createDriftDetector({
    collectors: [sqlCollector(state, options), identityCollector(state)],
    store,
    credential: staticTokenCredential("test-token"),
    clock: () => new Date("2026-03-01T10:00:00.000Z"),
  });
  await detector.check({ tenantId: TENANT, subscriptions: [SUB] });
  return { state, store, detector };
}

const changesOf = (report: { resources: { key: string; status: string; changes: { path: string }[] }[] }) =>
  report.resources.map((resource) => [
    resource.key,
    resource.status,
    resource.changes.map((change) => change.path),
  ]);

describe("checkResources", () => {
  test("a child's id reads its parent with all its children: changed, added and removed children", async () => {
    const { state, detector } = await setup([
      server("s1"),
      firewallRule("s1", "office"),
      firewallRule("s1", "vpn"),
      server("s2"),
      firewallRule("s2", "other"),
    ]);
    state.byKey.get(`${RG}/Microsoft.Sql/servers/s1/firewallRules/office`.toLowerCase())!.properties = {
      startIpAddress: "0.0.0.0",
      endIpAddress: "255.255.255.255",
    };
    state.byKey.delete(`${RG}/Microsoft.Sql/servers/s1/firewallRules/vpn`.toLowerCase());
    const added = firewallRule("s1", "new");
    state.byKey.set(String(added.id).toLowerCase(), added);
    // Drift of another server, not asked about.
    state.byKey.get(`${RG}/Microsoft.Sql/servers/s2/firewallRules/other`.toLowerCase())!.properties = {};

    const { report } = await detector.checkResources({
      tenantId: TENANT,
      subscriptionId: SUB,
      resourceIds: [`${RG}/Microsoft.Sql/servers/s1/firewallRules/office`, `${RG}/Microsoft.Sql/servers/S1`],
    });
    // The server holds the rule: it is read once.
    expect(state.reads).toEqual([`${RG}/Microsoft.Sql/servers/s1`.toLowerCase()]);
    expect(changesOf(report).sort()).toEqual(
      [
        [
          `${RG}/Microsoft.Sql/servers/s1/firewallRules/office`.toLowerCase(),
          "modified",
          ["properties.endIpAddress", "properties.startIpAddress"],
        ],
        [`${RG}/Microsoft.Sql/servers/s1/firewallRules/vpn`.toLowerCase(), "removed", []],
        [`${RG}/Microsoft.Sql/servers/s1/firewallRules/new`.toLowerCase(), "added", []],
      ].sort(),
    );
    expect(report.unknown).toEqual([]);
  });

  test("an unreadable child listing makes those children unknown, and only them", async () => {
    const { state, detector } = await setup([server("s1"), firewallRule("s1", "office")], {
      failChildrenOf: `${RG}/Microsoft.Sql/servers/s1`.toLowerCase(),
    });
    const properties = state.byKey.get(`${RG}/Microsoft.Sql/servers/s1`.toLowerCase())!
      .properties as JsonObject;
    properties.minimalTlsVersion = "1.0";
    const { report } = await detector.checkResources({
      tenantId: TENANT,
      subscriptionId: SUB,
      resourceIds: [`${RG}/Microsoft.Sql/servers/s1`],
    });
    expect(changesOf(report)).toEqual([
      [`${RG}/Microsoft.Sql/servers/s1`.toLowerCase(), "modified", ["properties.minimalTlsVersion"]],
    ]);
    expect(report.unknown).toEqual([
      {
        id: `${RG}/Microsoft.Sql/servers/s1/firewallRules/office`,
        scope: SUB,
        type: RULE_TYPE,
        collector: "test-sql",
        reason: "could not be read: HTTP 429 throttled beyond the cap",
      },
    ]);
  });

  test("unknown, never dropped: unreadable, failed, foreign, unrouted and unreadable-by-id ids", async () => {
    const identity: JsonObject = {
      id: `${RG}/Microsoft.ManagedIdentity/userAssignedIdentities/app`,
      name: "app",
      type: IDENTITY_TYPE,
      properties: {},
    };
    const { state, store, detector } = await setup([server("s1"), server("s2"), identity], {
      throwOn: `${RG}/Microsoft.Sql/servers/s2`.toLowerCase(),
    });
    state.forbidden.add(`${RG}/Microsoft.Sql/servers/s1`.toLowerCase());
    state.byKey.delete(`${RG}/Microsoft.Sql/servers/s1`.toLowerCase());
    const foreign = `/subscriptions/${OTHER}/resourceGroups/rg1/providers/Microsoft.Sql/servers/s9`;
    const vm = `${RG}/Microsoft.Compute/virtualMachines/vm1`;
    const group = `/subscriptions/${SUB}/resourceGroups/rg1`;
    const { report } = await detector.checkResources({
      tenantId: TENANT,
      subscriptionId: SUB,
      resourceIds: [
        `${RG}/Microsoft.Sql/servers/s1`,
        `${RG}/Microsoft.Sql/servers/s2`,
        String(identity.id),
        foreign,
        vm,
        group,
      ],
    });
    expect(report.resources).toEqual([]);
    expect(report.unknown.map(({ id, reason }) => [id, reason]).sort()).toEqual(
      [
        [`${RG}/Microsoft.Sql/servers/s1`, "could not be read: HTTP 403 AuthorizationFailed"],
        [`${RG}/Microsoft.Sql/servers/s2`, "could not be read: collector test-sql failed: the SDK blew up"],
        [
          identity.id,
          "collector test-identity cannot read resources by id (it has no readResources): the next full check compares it",
        ],
        [foreign, `in subscription ${OTHER}, not ${SUB}: check it with its own subscription`],
        [vm, "no collector of this check reads Microsoft.Compute/virtualMachines: it is not compared"],
        [group, "no collector of this check reads Microsoft.Resources/resourceGroups: it is not compared"],
      ].sort(),
    );
    expect(report.summary.unknown).toBe(6);
    expect(report.notices[0]).toMatch(/^4 of the ids asked for could not be checked/);
    expect((await store.listSnapshots(TENANT)).length).toBe(1);
  });

  test("an extension resource on a target is not its child: a role assignment on an identity is left alone", async () => {
    const identity: JsonObject = {
      id: `${RG}/Microsoft.ManagedIdentity/userAssignedIdentities/app`,
      name: "app",
      type: IDENTITY_TYPE,
      properties: {},
    };
    const assignment: JsonObject = {
      id: `${identity.id}/providers/Microsoft.Authorization/roleAssignments/ra1`,
      name: "ra1",
      type: ASSIGNMENT_TYPE,
      properties: { roleDefinitionId: "owner" },
    };
    const state = arm([identity, assignment]);
    const store = createMemoryStore();
    const reading = defineCollector({
      ...identityCollector(state),
      async *readResources(_context, ids) {
        for (const id of ids) {
          state.reads.push(id.toLowerCase());
          const found = state.byKey.get(id.toLowerCase());
          if (found) yield structuredClone(found);
        }
      },
    });
    const detector = createDriftDetector({
      collectors: [reading],
      store,
      credential: staticTokenCredential("test-token"),
    });
    await detector.check({ tenantId: TENANT, subscriptions: [SUB] });
    const { report } = await detector.checkResources({
      tenantId: TENANT,
      subscriptionId: SUB,
      resourceIds: [String(identity.id)],
    });
    expect(report.resources).toEqual([]);
    expect(state.reads).toEqual([String(identity.id).toLowerCase()]);
  });

  test("secrets are redacted before the diff: a rotated password is no drift and is stored nowhere", async () => {
    const { state, store, detector } = await setup([server("s1")]);
    (
      state.byKey.get(`${RG}/Microsoft.Sql/servers/s1`.toLowerCase())!.properties as JsonObject
    ).administratorLoginPassword = "R0tated-secret!";
    const { report } = await detector.checkResources({
      tenantId: TENANT,
      subscriptionId: SUB,
      resourceIds: [`${RG}/Microsoft.Sql/servers/s1`],
    });
    expect(report.resources).toEqual([]);
    const saved = JSON.stringify(await store.getReport(TENANT, report.id));
    expect(saved).not.toContain("secret!");
    expect(REDACTED).toBe("[REDACTED]");
  });

  test("bad requests are E_INPUT; a subscription never checked is E_NOT_FOUND with reason no-snapshot", async () => {
    const { detector } = await setup([server("s1")]);
    for (const request of [
      { tenantId: "", subscriptionId: SUB, resourceIds: ["/x"] },
      { tenantId: TENANT, subscriptionId: "", resourceIds: ["/x"] },
      { tenantId: TENANT, subscriptionId: SUB, resourceIds: [] },
      { tenantId: TENANT, subscriptionId: SUB, resourceIds: ["subscriptions/x"] },
    ]) {
      const error = await detector.checkResources(request).catch((caught: unknown) => caught);
      expect(isDriftError(error, "E_INPUT")).toBe(true);
    }
    const error = await detector
      .checkResources({
        tenantId: TENANT,
        subscriptionId: OTHER,
        resourceIds: [`${RG}/Microsoft.Sql/servers/s1`],
      })
      .catch((caught: unknown) => caught);
    expect(isDriftError(error, "E_NOT_FOUND") && error.details).toEqual({
      tenantId: TENANT,
      subscriptionId: OTHER,
      reason: "no-snapshot",
    });
  });
});

describe("parseResourceId", () => {
  test("type, subscription and parents under the same provider only", () => {
    expect(parseResourceId(`${RG}/Microsoft.Network/networkSecurityGroups/nsg/securityRules/r1`)).toEqual({
      id: `${RG}/Microsoft.Network/networkSecurityGroups/nsg/securityRules/r1`,
      key: `${RG}/Microsoft.Network/networkSecurityGroups/nsg/securityRules/r1`.toLowerCase(),
      type: "Microsoft.Network/networkSecurityGroups/securityRules",
      subscriptionId: SUB,
      parents: [
        {
          id: `${RG}/Microsoft.Network/networkSecurityGroups/nsg`,
          type: "Microsoft.Network/networkSecurityGroups",
        },
      ],
    });
    const setting = parseResourceId(
      `${RG}/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Insights/diagnosticSettings/d`,
    );
    expect([setting.type, setting.parents]).toEqual(["Microsoft.Insights/diagnosticSettings", []]);
    expect(parseResourceId("/providers/Microsoft.Management/managementGroups/mg").subscriptionId).toBe("");
    expect(parseResourceId(`/subscriptions/${SUB}`).type).toBe("Microsoft.Resources/subscriptions");
    expect(parseResourceId(`${RG}/Microsoft.Sql/servers`).type).toBeUndefined();
  });
});
