import type { DriftDetector, DriftReport, Store } from "@azure-drift/core";
import {
  createDriftDetector,
  createMemoryStore,
  isDriftError,
  staticTokenCredential,
} from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { NETWORK_TYPES, networkCollector } from "../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON at arbitrary depth, like a user in the portal.
type Json = Record<string, any>;

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;
let store: Store;
let detector: DriftDetector;

function newTenant(): Tenant {
  return generateTenant({
    seed: "network-targeted",
    resources: 80,
    subscriptions: 1,
    mix: { networkSecurityGroup: 4, virtualNetwork: 3, routeTable: 3, publicIpAddress: 3, firewallPolicy: 1 },
  });
}

beforeAll(async () => {
  server = await startArmReplayServer({ tenant: newTenant(), pageSize: 10 });
});
afterAll(async () => {
  await server?.close();
});

/** A fresh tenant on the server, a fresh store, and the full check targeted checks compare with. */
beforeEach(async () => {
  tenant = newTenant();
  server.tenant = tenant;
  server.setFaults({});
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  store = createMemoryStore();
  detector = createDriftDetector({
    collectors: [networkCollector()],
    store,
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
  });
  const { snapshot } = await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
  expect(snapshot.coverage.every((entry) => entry.complete)).toBe(true);
  server.resetStats();
});

const all = (type: string): Json[] => resourcesOf(tenant, { types: [type], subscriptionId }) as Json[];

/** Per resource: status, severity and each change as [kind, path, before, after, severity]. */
function summary(report: DriftReport) {
  return report.resources.map((resource) => ({
    key: resource.key,
    status: resource.status,
    severity: resource.severity,
    changes: resource.changes.map((change) => [
      change.kind,
      change.path,
      change.before,
      change.after,
      change.severity,
    ]),
  }));
}

describe("targeted check with the network collector (replay server, real @azure/arm-network)", () => {
  test("reports exactly the changes of the resources named, one GET each, and stores no snapshot", async () => {
    const [nsg] = all(NETWORK_TYPES.networkSecurityGroup);
    const [routeTableGone, routeTableKept] = all(NETWORK_TYPES.routeTable);
    const [policy] = all(NETWORK_TYPES.firewallPolicy);
    const [group] = all(NETWORK_TYPES.ruleCollectionGroup);
    const [publicIp] = all(NETWORK_TYPES.publicIpAddress);
    const rule = {
      name: "AllowSshFromInternet",
      id: `${nsg!.id}/securityRules/AllowSshFromInternet`,
      type: "Microsoft.Network/networkSecurityGroups/securityRules",
      properties: {
        protocol: "Tcp",
        sourcePortRange: "*",
        destinationPortRange: "22",
        sourceAddressPrefix: "Internet",
        destinationAddressPrefix: "*",
        access: "Allow",
        priority: 101,
        direction: "Inbound",
      },
    };
    nsg!.properties.securityRules.push(rule);
    removeResource(tenant, routeTableGone!.id);
    policy!.properties.threatIntelMode = "Off";
    const firstCollection = group!.properties.ruleCollections[0];
    const prioritiesBefore = group!.properties.priority;
    group!.properties.priority = 150;
    // Drift elsewhere that nobody asked about: a targeted check never reports it.
    routeTableKept!.properties.disableBgpRoutePropagation =
      !routeTableKept!.properties.disableBgpRoutePropagation;
    const vm = `/subscriptions/${subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-1`;
    const snapshotsBefore = await store.listSnapshots(tenant.tenantId);

    const { report, base, recordsRead } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId: subscriptionId.toUpperCase(),
      resourceIds: [
        // The rule's own id, as Event Grid names it: read through the NSG that embeds it.
        rule.id.toUpperCase(),
        routeTableGone!.id,
        policy!.id,
        // Held by the policy, which is read with its groups: no second request.
        group!.id,
        publicIp!.id,
        vm,
      ],
    });

    expect(firstCollection).toBeDefined();
    expect(summary(report)).toEqual([
      {
        key: String(nsg!.id).toLowerCase(),
        status: "modified",
        severity: "critical",
        changes: [
          [
            "added",
            "properties.securityRules[name=AllowSshFromInternet]",
            undefined,
            {
              id: rule.id.toLowerCase(),
              name: rule.name,
              // Core's normalization lower-cases ARM types inside configs.
              type: rule.type.toLowerCase(),
              properties: { ...rule.properties, sourcePortRange: "*" },
            },
            "critical",
          ],
        ],
      },
      {
        key: String(policy!.id).toLowerCase(),
        status: "modified",
        severity: "high",
        changes: [["changed", "properties.threatIntelMode", expect.any(String), "Off", "high"]],
      },
      {
        key: String(routeTableGone!.id).toLowerCase(),
        status: "removed",
        severity: "medium",
        changes: [["removed", "", undefined, undefined, "medium"]],
      },
      {
        key: String(group!.id).toLowerCase(),
        status: "modified",
        severity: "low",
        changes: [["changed", "properties.priority", prioritiesBefore, 150, "low"]],
      },
    ]);
    expect(report.unknown).toEqual([
      {
        id: vm,
        scope: subscriptionId,
        type: "Microsoft.Compute/virtualMachines",
        reason: "no collector of this check reads Microsoft.Compute/virtualMachines: it is not compared",
      },
    ]);
    expect(report.summary).toMatchObject({ added: 0, removed: 1, modified: 3, unknown: 1 });
    expect(report.scope).toEqual({
      kind: "resources",
      subscriptionId,
      resourceIds: [rule.id.toUpperCase(), routeTableGone!.id, policy!.id, group!.id, publicIp!.id, vm],
    });
    expect(report.base).toEqual({ snapshotId: base.id, takenAt: base.finishedAt });
    expect(report.current.snapshotId).toBeUndefined();
    // NSG, policy, its 2 groups, public IP; the deleted route table yields nothing.
    expect(recordsRead).toBe(5);

    // One GET per resource, one listing of the policy's groups, nothing else.
    expect(server.stats.byRoute).toEqual({
      "get microsoft.network/networksecuritygroups": 1,
      "get microsoft.network/routetables": 1,
      "get microsoft.network/firewallpolicies": 1,
      "list microsoft.network/firewallpolicies/rulecollectiongroups": 1,
      "get microsoft.network/publicipaddresses": 1,
    });
    expect(server.stats.requests).toBe(5);

    // Saved as a report, and no snapshot: the next full check still compares with the last one…
    expect(await store.getReport(tenant.tenantId, report.id)).toEqual(report);
    expect(await store.listSnapshots(tenant.tenantId)).toEqual(snapshotsBefore);
    // …so it reports the same changes again, with the same rules, plus what nobody asked about.
    const full = await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const fullSummary = summary(full.report);
    for (const entry of summary(report)) expect(fullSummary).toContainEqual(entry);
    expect(fullSummary.map((entry) => entry.key)).toContain(String(routeTableKept!.id).toLowerCase());
  });

  test("a rule collection group alone is one GET; a new resource is added", async () => {
    const [group] = all(NETWORK_TYPES.ruleCollectionGroup);
    const [template] = all(NETWORK_TYPES.publicIpAddress);
    const created = structuredClone(template!);
    created.id = `${template!.id}-new`;
    created.name = `${template!.name}-new`;
    tenant.resources.set(created.id.toLowerCase(), created);
    group!.properties.priority = 111;

    const { report } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId,
      resourceIds: [group!.id, created.id],
    });
    expect(summary(report).map(({ key, status }) => [key, status])).toEqual([
      [created.id.toLowerCase(), "added"],
      [String(group!.id).toLowerCase(), "modified"],
    ]);
    expect(server.stats.byRoute).toEqual({
      "get microsoft.network/firewallpolicies/rulecollectiongroups": 1,
      "get microsoft.network/publicipaddresses": 1,
    });
  });

  test("a resource that cannot be read (403) is unknown, never removed nor unchanged", async () => {
    const [changed, deleted] = all(NETWORK_TYPES.routeTable);
    changed!.properties.disableBgpRoutePropagation = !changed!.properties.disableBgpRoutePropagation;
    removeResource(tenant, deleted!.id);
    server.setFaults({ forbidden: [{ subscriptionId, type: NETWORK_TYPES.routeTable }] });

    const { report } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId,
      resourceIds: [changed!.id, deleted!.id],
    });
    expect(report.resources).toEqual([]);
    expect(report.unknown.map(({ id, type, collector }) => ({ id, type, collector }))).toEqual(
      [changed!, deleted!]
        .map((table) => ({ id: table.id, type: NETWORK_TYPES.routeTable, collector: "network" }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
    for (const entry of report.unknown) expect(entry.reason).toMatch(/^could not be read: HTTP 403 /);
    expect(report.summary).toMatchObject({ added: 0, removed: 0, modified: 0, unknown: 2 });
    expect(server.stats.requests).toBe(2);
    expect(server.stats.byStatus).toEqual({ 403: 2 });
  });

  test("a subscription without a snapshot fails with E_NOT_FOUND and saves nothing", async () => {
    const empty = createMemoryStore();
    const fresh = createDriftDetector({
      collectors: [networkCollector()],
      store: empty,
      credential: staticTokenCredential("replay-token"),
      arm: server.connection(),
    });
    const [nsg] = all(NETWORK_TYPES.networkSecurityGroup);
    const error = await fresh
      .checkResources({ tenantId: tenant.tenantId, subscriptionId, resourceIds: [nsg!.id] })
      .catch((caught: unknown) => caught);
    expect(isDriftError(error, "E_NOT_FOUND")).toBe(true);
    expect((error as Error).message).toMatch(/Run a full check of the subscription first/);
    expect(await empty.listReports(tenant.tenantId)).toEqual([]);
    expect(server.stats.requests).toBe(0);
  });
});
