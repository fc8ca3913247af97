import type { JsonObject } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import {
  BUILT_IN_ROLES,
  cloneTenant,
  demoDrift,
  demoTenant,
  FIREWALL_POLICY_RULE_COLLECTION_GROUPS,
  filterTruth,
  generateTenant,
  IDENTITY_TYPES,
  mutateTenant,
  NETWORK_TYPES,
  RESOURCE_TYPES,
  resourcesOf,
  SECURITY_TYPES,
  summarizeDrift,
  summarizeTruth,
  type Tenant,
  type TruthChange,
  UNCOUNTED_TYPES,
} from "../src/index.js";
import { changedPaths } from "./support/structural-diff.js";

const serialize = (tenant: Tenant) =>
  JSON.stringify([tenant.tenantId, tenant.subscriptions, [...tenant.resources]]);

/** The actual differences between two tenants, in the truth's shape. */
function actualChanges(before: Tenant, after: Tenant): TruthChange[] {
  const out: TruthChange[] = [];
  for (const key of new Set([...before.resources.keys(), ...after.resources.keys()])) {
    const a = before.resources.get(key);
    const b = after.resources.get(key);
    const resource = (b ?? a) as JsonObject;
    const subscriptionId = key.split("/")[2];
    const base = {
      key,
      id: String(resource.id),
      type: String(resource.type),
      ...(key.startsWith("/subscriptions/") ? { subscriptionId } : {}),
    };
    if (!a) out.push({ ...base, status: "added", paths: [] });
    else if (!b) out.push({ ...base, status: "removed", paths: [] });
    else {
      const paths = changedPaths(a, b);
      if (paths.length) out.push({ ...base, status: "modified", paths });
    }
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : 1));
}

/** The truth minus the records a collector derives (built-in roles per subscription): what the tenant's own JSON shows. */
function tenantOwn(truth: TruthChange[], before: Tenant, after: Tenant): TruthChange[] {
  return truth.filter((change) => before.resources.has(change.key) || after.resources.has(change.key));
}

describe("generateTenant", () => {
  test("the same seed gives the same tenant; another seed another", () => {
    const a = generateTenant({ seed: 1, resources: 300 });
    expect(serialize(generateTenant({ seed: 1, resources: 300 }))).toBe(serialize(a));
    expect(serialize(generateTenant({ seed: 2, resources: 300 }))).not.toBe(serialize(a));
  });

  test("it makes the requested count, every type of the mix, keyed by lower-cased id", () => {
    const tenant = generateTenant({ seed: 3, resources: 1000, subscriptions: 3 });
    // Children made with their parent and each subscription's Defender settings come on top of the count.
    const uncounted = new Set(UNCOUNTED_TYPES.map((type) => type.toLowerCase()));
    const subscriptionResources = [...tenant.resources.values()].filter(
      (resource) =>
        String(resource.id).startsWith("/subscriptions/") &&
        !uncounted.has(String(resource.type).toLowerCase()),
    );
    expect(subscriptionResources.length).toBe(1000);
    // Defender for Cloud's settings: one set per subscription.
    const pricings = resourcesOf(tenant, { types: [RESOURCE_TYPES.defenderPricing] });
    expect(pricings.length % 3).toBe(0);
    expect(new Set(pricings.map((pricing) => String(pricing.id).split("/")[2])).size).toBe(3);
    expect(tenant.subscriptions).toHaveLength(3);
    const types = new Set(
      [...tenant.resources.values()].map((resource) => String(resource.type).toLowerCase()),
    );
    expect([...types].sort()).toEqual(
      [...Object.values(RESOURCE_TYPES), FIREWALL_POLICY_RULE_COLLECTION_GROUPS]
        .map((type) => type.toLowerCase())
        .sort(),
    );
    for (const [key, resource] of tenant.resources) expect(key).toBe(String(resource.id).toLowerCase());
    // Real payloads mix the case of ids.
    expect(
      [...tenant.resources.values()].some((resource) => String(resource.id).includes("/resourcegroups/")),
    ).toBe(true);
    expect(
      [...tenant.resources.values()].some((resource) => String(resource.id).includes("/resourceGroups/")),
    ).toBe(true);
  });

  test("shapes: NSGs with 5–40 rules and default rules, VNets with subnets, sizes of a few KB", () => {
    const tenant = generateTenant({ seed: 4, resources: 600 });
    const nsgs = resourcesOf(tenant, { types: [RESOURCE_TYPES.networkSecurityGroup] });
    for (const nsg of nsgs) {
      const properties = nsg.properties as {
        securityRules: unknown[];
        defaultSecurityRules: unknown[];
        resourceGuid: string;
      };
      expect(properties.securityRules.length).toBeGreaterThanOrEqual(5);
      expect(properties.securityRules.length).toBeLessThanOrEqual(40);
      expect(properties.defaultSecurityRules).toHaveLength(6);
      expect(nsg.etag).toMatch(/^W\/"/);
    }
    const vnets = resourcesOf(tenant, { types: [RESOURCE_TYPES.virtualNetwork] });
    expect(
      vnets.every((vnet) => ((vnet.properties as { subnets: unknown[] }).subnets.length ?? 0) >= 1),
    ).toBe(true);
    const sizes = [...tenant.resources.values()].map((resource) => JSON.stringify(resource).length);
    const mean = sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
    expect(mean).toBeGreaterThan(2000);
    expect(mean).toBeLessThan(6000);
  });

  test("a mix limits the types generated", () => {
    const tenant = generateTenant({ seed: 5, resources: 50, mix: { routeTable: 1, storageAccount: 1 } });
    const types = new Set(
      resourcesOf(tenant)
        .filter((r) => String(r.id).startsWith("/subscriptions/"))
        .map((r) => r.type),
    );
    // A storage account comes with its blob and file services and its encryption scopes.
    expect([...types].sort()).toEqual([
      RESOURCE_TYPES.routeTable,
      RESOURCE_TYPES.storageAccount,
      RESOURCE_TYPES.blobService,
      RESOURCE_TYPES.storageEncryptionScope,
      RESOURCE_TYPES.fileService,
    ]);
  });
});

describe("mutateTenant", () => {
  test("the truth is exactly the structural difference, noise excluded", () => {
    const before = generateTenant({ seed: 8, resources: 2000 });
    const after = cloneTenant(before);
    const { changes } = mutateTenant(after, { churn: 0.05, seed: 9, noise: 0.05 });
    expect(changes.length).toBeGreaterThan(80);
    expect(actualChanges(before, after)).toEqual(changes);
    const statuses = new Set(changes.map((change) => change.status));
    expect([...statuses].sort()).toEqual(["added", "modified", "removed"]);
    // Kinds of mutation the issue asks for.
    const paths = changes.flatMap((change) => change.paths);
    expect(paths.some((path) => /^properties\.securityRules\[name=[^\]]+\]$/.test(path))).toBe(true);
    expect(paths.some((path) => path.endsWith(".properties.access"))).toBe(true);
    expect(paths.some((path) => path.startsWith("tags."))).toBe(true);
  });

  test("noise changes the served JSON but not the truth", () => {
    const before = generateTenant({ seed: 10, resources: 300 });
    const after = cloneTenant(before);
    const { changes } = mutateTenant(after, { churn: 0, seed: 1, noise: 0.5 });
    expect(changes).toEqual([]);
    expect(serialize(after)).not.toBe(serialize(before));
    expect(actualChanges(before, after)).toEqual([]);
  });

  test("the same seed gives the same mutations", () => {
    const run = () => {
      const tenant = generateTenant({ seed: 12, resources: 500 });
      const { changes } = mutateTenant(tenant, { churn: 0.1, seed: 13, noise: 0.1 });
      return [changes, serialize(tenant)];
    };
    expect(run()).toEqual(run());
  });

  test("types restricts what changes; filterTruth keeps one collector's slice", () => {
    const before = generateTenant({ seed: 14, resources: 800 });
    const after = cloneTenant(before);
    const { changes } = mutateTenant(after, {
      churn: { modify: 0.05, add: 0.02, remove: 0.02 },
      seed: 15,
      types: NETWORK_TYPES,
    });
    expect(changes.length).toBeGreaterThan(0);
    expect(filterTruth(changes, NETWORK_TYPES)).toEqual(changes);
    expect(filterTruth(changes, IDENTITY_TYPES)).toEqual([]);
    expect(actualChanges(before, after)).toEqual(changes);
  });

  test("the truth has built-in role definitions entering and leaving subscriptions, as the identity collector records them", () => {
    const before = generateTenant({ seed: 18, resources: 300, subscriptions: 2, mix: { roleAssignment: 1 } });
    const referenced = (tenant: Tenant) =>
      resourcesOf(tenant, { types: [RESOURCE_TYPES.roleAssignment] }).map((assignment) => {
        const roleId = String((assignment.properties as JsonObject).roleDefinitionId).toLowerCase();
        return `${roleId.split("/")[2]}|${roleId.slice(roleId.lastIndexOf("/") + 1)}`;
      });
    const builtIns = new Set(Object.values(BUILT_IN_ROLES));
    const roles = (tenant: Tenant) =>
      new Set(referenced(tenant).filter((role) => builtIns.has(role.split("|")[1] as never)));
    const after = cloneTenant(before);
    // Every assignment removed: each built-in role referenced in a subscription leaves it (the demo's
    // truth has the opposite case, a role's first assignment in a subscription).
    const { changes } = mutateTenant(after, {
      churn: { modify: 0, add: 0, remove: 1 },
      seed: 19,
      types: [RESOURCE_TYPES.roleAssignment],
    });
    const expected = [...roles(before)].map((role) => {
      const [subscriptionId, guid] = role.split("|") as [string, string];
      return `removed /subscriptions/${subscriptionId}/providers/microsoft.authorization/roledefinitions/${guid}`;
    });
    expect(expected.length).toBeGreaterThan(2);
    const derived = changes.filter((change) => change.type === RESOURCE_TYPES.roleDefinition);
    expect(derived.map((change) => `${change.status} ${change.key}`).sort()).toEqual(expected.sort());
    expect(derived.every((change) => change.subscriptionId === change.key.split("/")[2])).toBe(true);
    expect(actualChanges(before, after)).toEqual(tenantOwn(changes, before, after));
  });

  test("removing an identity removes its federated credentials, each in the truth", () => {
    const before = generateTenant({
      seed: 16,
      resources: 200,
      mix: { userAssignedIdentity: 1, federatedIdentityCredential: 3 },
    });
    const after = cloneTenant(before);
    const { changes } = mutateTenant(after, {
      churn: { modify: 0, add: 0, remove: 0.3 },
      seed: 17,
      types: [RESOURCE_TYPES.userAssignedIdentity],
    });
    const removedIdentities = changes.filter((change) => change.type === RESOURCE_TYPES.userAssignedIdentity);
    const removedCredentials = changes.filter(
      (change) => change.type === RESOURCE_TYPES.federatedIdentityCredential,
    );
    expect(removedIdentities.length).toBeGreaterThan(0);
    expect(removedCredentials.length).toBeGreaterThan(0);
    expect(
      removedCredentials.every((change) =>
        removedIdentities.some((identity) => change.key.startsWith(`${identity.key}/`)),
      ),
    ).toBe(true);
    expect(actualChanges(before, after)).toEqual(changes);
  });
});

test("security: plans and a server's settings are only changed, never added or removed on their own", () => {
  const before = generateTenant({
    seed: 20,
    resources: 300,
    mix: { sqlServer: 1, storageAccount: 1, defenderPricing: 1 },
  });
  const after = cloneTenant(before);
  const { changes } = mutateTenant(after, { churn: 0.4, seed: 21, types: SECURITY_TYPES });
  expect(actualChanges(before, after)).toEqual(changes);
  const serversComeAndGone = changes.filter(
    (change) => change.type === RESOURCE_TYPES.sqlServer && change.status !== "modified",
  );
  const singletons: string[] = [
    RESOURCE_TYPES.defenderPricing,
    RESOURCE_TYPES.sqlAuditingSetting,
    RESOURCE_TYPES.sqlSecurityAlertPolicy,
    RESOURCE_TYPES.sqlAzureADOnlyAuthentication,
  ];
  const comeAndGo = changes.filter(
    (change) => singletons.includes(change.type) && change.status !== "modified",
  );
  expect(comeAndGo.length).toBeGreaterThan(0);
  // Only with their server, added or removed with it.
  expect(
    comeAndGo.every((change) =>
      serversComeAndGone.some(
        (server) => change.key.startsWith(`${server.key}/`) && server.status === change.status,
      ),
    ),
  ).toBe(true);
  const modified = new Set(
    changes.filter((change) => change.status === "modified").map((change) => change.type),
  );
  for (const type of [
    RESOURCE_TYPES.defenderPricing,
    RESOURCE_TYPES.sqlServer,
    RESOURCE_TYPES.storageAccount,
  ])
    expect(modified).toContain(type);
  expect(
    changes.some((change) => change.type === RESOURCE_TYPES.sqlFirewallRule && change.status === "added"),
  ).toBe(true);
});

describe("demo tenant", () => {
  test("is fixed, small, spans two subscriptions", () => {
    const tenant = demoTenant();
    expect(serialize(demoTenant())).toBe(serialize(tenant));
    const own = [...tenant.resources.keys()].filter((key) => key.startsWith("/subscriptions/"));
    expect(own.length).toBeGreaterThanOrEqual(24);
    // A few of every domain's types (Defender's plans alone are a dozen), still a few seconds to run.
    expect(own.length).toBeLessThanOrEqual(150);
    expect(tenant.subscriptions.map((subscription) => subscription.displayName)).toEqual([
      "Contoso Production",
      "Contoso Shared Services",
    ]);
  });

  test("demoDrift tells the story and its truth matches the actual change", () => {
    const before = demoTenant();
    const after = demoTenant();
    const truth = demoDrift(after);
    expect(actualChanges(before, after)).toEqual(tenantOwn(truth, before, after));
    const summary = truth.map(
      (change) =>
        `${change.status} ${change.type.split("/").pop()} ${change.id.split("/").pop()} ${change.paths.join(",")}`,
    );
    expect(summary.sort()).toEqual(
      [
        "modified networkSecurityGroups nsg-web-frontend properties.securityRules[name=Allow-SSH-Internet]",
        "modified virtualNetworks vnet-prod-spoke properties.subnets[name=snet-data].properties.networkSecurityGroup",
        "modified applicationGateways agw-web properties.webApplicationFirewallConfiguration.firewallMode",
        "removed routeTables rt-legacy-egress ",
        "modified pricings VirtualMachines properties.extensions,properties.pricingTier,properties.subPlan",
        "modified auditingSettings Default properties.state",
        "modified policyAssignments deny-public-network properties.enforcementMode",
        "removed locks do-not-delete-hub ",
        "modified vaults rsv-prod-backup properties.securitySettings.immutabilitySettings.state",
        `modified blobServices default properties.deleteRetentionPolicy.enabled`,
        "modified transparentDataEncryption current properties.state",
        // Owner was assigned nowhere in production: the identity collector starts recording its definition there.
        `added roleDefinitions ${BUILT_IN_ROLES.Owner} `,
        `added roleAssignments ${truth
          .find((change) => change.type === RESOURCE_TYPES.roleAssignment)
          ?.id.split("/")
          .pop()} `,
        `added federatedIdentityCredentials ${truth
          .find((change) => change.type === RESOURCE_TYPES.federatedIdentityCredential)
          ?.id.split("/")
          .pop()} `,
      ].sort(),
    );
    const owner = after.resources.get(
      truth.find((change) => change.type === RESOURCE_TYPES.roleAssignment)?.key ?? "",
    );
    expect(truth.find((change) => change.type === RESOURCE_TYPES.roleDefinition)?.key).toBe(
      `/subscriptions/1c6f0e57-0000-4000-8000-000000000001/providers/microsoft.authorization/roledefinitions/${BUILT_IN_ROLES.Owner}`,
    );
    expect(((owner as JsonObject).properties as JsonObject).scope).toBe(
      "/subscriptions/1c6f0e57-0000-4000-8000-000000000001",
    );
    expect(String(((owner as JsonObject).properties as JsonObject).roleDefinitionId)).toMatch(
      /8e3af657-a8ff-443c-a75c-2fe8c4bcb635$/,
    );
  });
});

describe("summarizeDrift / summarizeTruth", () => {
  test('put a report\'s resources and the truth in one shape: paths distinct and sorted, findings at "" left out, by key', () => {
    const report = [
      {
        key: "/b",
        status: "modified" as const,
        changes: [
          { path: "tags.x", kind: "added" as const, severity: "low" as const },
          { path: "properties.a", kind: "changed" as const, severity: "low" as const },
          { path: "tags.x", kind: "added" as const, severity: "low" as const },
        ],
      },
      {
        key: "/a",
        status: "removed" as const,
        changes: [{ path: "", kind: "removed" as const, severity: "high" as const }],
      },
    ];
    expect(summarizeDrift(report)).toEqual([
      { key: "/a", status: "removed", paths: [] },
      { key: "/b", status: "modified", paths: ["properties.a", "tags.x"] },
    ]);
    expect(
      summarizeTruth([
        { key: "/b", status: "modified", paths: ["tags.x", "properties.a"] },
        { key: "/a", status: "removed", paths: [] },
      ]),
    ).toEqual(summarizeDrift(report));
  });
});
