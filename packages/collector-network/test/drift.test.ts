import type { DriftReport } from "@azure-drift/core";
import { createDriftDetector, createMemoryStore, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  type Tenant,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NETWORK_TYPES, networkCollector } from "../src/index.js";

let server: ArmReplayServer;
let tenant: Tenant;
let subscriptionId: string;

beforeAll(async () => {
  tenant = generateTenant({
    seed: "network-drift",
    resources: 120,
    subscriptions: 1,
    mix: {
      networkSecurityGroup: 4,
      virtualNetwork: 3,
      routeTable: 3,
      publicIpAddress: 3,
      firewallPolicy: 1,
      privateEndpoint: 2,
    },
  });
  subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  server = await startArmReplayServer({ tenant, pageSize: 10 });
});
afterAll(async () => {
  await server?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON at arbitrary depth, like a user in the portal.
type Json = Record<string, any>;
const first = (type: string): Json => resourcesOf(tenant, { types: [type], subscriptionId })[0] as Json;

/** The report reduced to what a reader checks: per resource, its status, severity and changes with their rules. */
function summary(report: DriftReport) {
  return report.resources
    .map((resource) => ({
      id: resource.key,
      status: resource.status,
      severity: resource.severity,
      changes: resource.changes.map((change) => [change.kind, change.path, change.severity, change.ruleId]),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe("network drift end to end (replay server → networkCollector → core's check)", () => {
  test("reports exactly the security changes, with the network severities, and none of the noise", async () => {
    const detector = createDriftDetector({
      collectors: [networkCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
    });
    const request = { tenantId: tenant.tenantId, subscriptions: [subscriptionId] };
    const [routeTableKept, routeTableDeleted] = resourcesOf(tenant, {
      types: [NETWORK_TYPES.routeTable],
      subscriptionId,
    }) as Json[];
    Object.assign(routeTableKept!.properties.routes[0].properties, {
      addressPrefix: "0.0.0.0/0",
      nextHopType: "VirtualAppliance",
      nextHopIpAddress: "10.0.0.4",
    });
    const baseline = await detector.check(request);
    expect(baseline.snapshot.coverage.every((entry) => entry.complete)).toBe(true);

    // Security drift.
    const nsg = first(NETWORK_TYPES.networkSecurityGroup);
    nsg.properties.securityRules.push({
      name: "AllowSshFromInternet",
      id: `${nsg.id}/securityRules/AllowSshFromInternet`,
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
    });
    const vnet = resourcesOf(tenant, { types: [NETWORK_TYPES.virtualNetwork], subscriptionId }).find(
      (candidate) =>
        (candidate as Json).properties.subnets.some((subnet: Json) => subnet.properties.networkSecurityGroup),
    ) as Json;
    const subnet = vnet.properties.subnets.find(
      (candidate: Json) => candidate.properties.networkSecurityGroup,
    );
    delete subnet.properties.networkSecurityGroup;
    removeResource(tenant, routeTableDeleted!.id);
    routeTableKept!.properties.routes[0].properties.nextHopIpAddress = "10.99.0.4";
    const policy = first(NETWORK_TYPES.firewallPolicy);
    policy.properties.threatIntelMode = "Off";

    // Noise that is not drift: etags, a dynamic public IP's address, rules reordered, default rules.
    const publicIp = first(NETWORK_TYPES.publicIpAddress);
    publicIp.properties.ipAddress = "203.0.113.77";
    publicIp.etag = 'W/"changed"';
    const otherNsg = resourcesOf(tenant, {
      types: [NETWORK_TYPES.networkSecurityGroup],
      subscriptionId,
    })[1] as Json;
    otherNsg.properties.securityRules.reverse();
    otherNsg.properties.defaultSecurityRules[0].etag = 'W/"changed"';

    const { report } = await detector.check(request);
    const routeName = routeTableKept!.properties.routes[0].name;
    expect(summary(report)).toEqual(
      [
        {
          id: String(nsg.id).toLowerCase(),
          status: "modified",
          severity: "critical",
          changes: [
            [
              "added",
              "properties.securityRules[name=AllowSshFromInternet]",
              "critical",
              "core/nsg-open-management-port",
            ],
          ],
        },
        {
          id: String(vnet.id).toLowerCase(),
          status: "modified",
          severity: "high",
          changes: [
            [
              "removed",
              `properties.subnets[name=${subnet.name}].properties.networkSecurityGroup`,
              "high",
              "core/subnet-nsg-removed",
            ],
          ],
        },
        {
          id: String(routeTableDeleted!.id).toLowerCase(),
          status: "removed",
          severity: "medium",
          changes: [["removed", "", "medium", "network/route-table-removed"]],
        },
        {
          id: String(policy.id).toLowerCase(),
          status: "modified",
          severity: "high",
          changes: [["changed", "properties.threatIntelMode", "high", "core/firewall-threat-intel-weakened"]],
        },
        {
          id: String(routeTableKept!.id).toLowerCase(),
          status: "modified",
          severity: "high",
          changes: [
            [
              "changed",
              `properties.routes[name=${routeName}].properties.nextHopIpAddress`,
              "high",
              "network/default-route-changed",
            ],
          ],
        },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(report.unknown).toEqual([]);
    expect(report.summary).toMatchObject({ added: 0, removed: 1, modified: 4, unknown: 0 });
  });
});
