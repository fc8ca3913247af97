import { createRuleEngine, type FieldChange, type JsonObject, type ResourceDrift } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import {
  anyToAnyAllowRules,
  NETWORK_TYPES,
  networkRules,
  opensManagementPort,
  opensOtherPort,
} from "../src/index.js";

const SUB =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network";
const engine = createRuleEngine({}, networkRules);

function nsgRule(name: string, properties: JsonObject): JsonObject {
  return { name, id: `${SUB}/networkSecurityGroups/nsg1/securityRules/${name}`, properties };
}

const inbound = (overrides: JsonObject = {}): JsonObject => ({
  direction: "Inbound",
  access: "Allow",
  protocol: "Tcp",
  priority: 100,
  sourceAddressPrefix: "Internet",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "443",
  ...overrides,
});

function nsg(rules: JsonObject[]): JsonObject {
  return {
    id: `${SUB}/networkSecurityGroups/nsg1`,
    name: "nsg1",
    type: NETWORK_TYPES.networkSecurityGroup,
    properties: { securityRules: rules },
  };
}

/** Assesses one modified resource with the given changes; returns [ruleId, severity] per change. */
function assess(
  type: string,
  before: JsonObject,
  after: JsonObject,
  changes: Omit<FieldChange, "severity">[],
) {
  const drift: ResourceDrift = {
    id: String(after.id ?? before.id),
    key: String(after.id ?? before.id).toLowerCase(),
    type,
    status: "modified",
    severity: "info",
    changes: changes.map((change) => ({ ...change, severity: "info" })),
  };
  const { drift: assessed } = engine.assess(drift, before, after);
  return assessed?.changes.map((change) => [change.ruleId, change.severity]);
}

function assessResource(type: string, status: "added" | "removed", config: JsonObject) {
  const drift: ResourceDrift = {
    id: String(config.id),
    key: String(config.id).toLowerCase(),
    type,
    status,
    severity: "info",
    changes: [],
  };
  const { drift: assessed } = engine.assess(
    drift,
    status === "removed" ? config : undefined,
    status === "added" ? config : undefined,
  );
  return [assessed?.changes[0]?.ruleId, assessed?.severity];
}

describe("exposure helpers", () => {
  test("management ports: 22, 3389, ranges covering them, and every port", () => {
    expect(opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "22" })))).toBe(true);
    expect(opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "3380-3390" })))).toBe(true);
    expect(opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "*" })))).toBe(true);
    expect(opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "0-65535" })))).toBe(true);
    expect(
      opensManagementPort(
        nsgRule(
          "a",
          inbound({ destinationPortRange: undefined, destinationPortRanges: ["80", "22"] } as never),
        ),
      ),
    ).toBe(true);
    expect(opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "443" })))).toBe(false);
    expect(
      opensManagementPort(
        nsgRule("a", inbound({ destinationPortRange: "22", sourceAddressPrefix: "10.0.0.0/8" })),
      ),
    ).toBe(false);
    expect(opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "22", access: "Deny" })))).toBe(
      false,
    );
    expect(
      opensManagementPort(nsgRule("a", inbound({ destinationPortRange: "22", direction: "Outbound" }))),
    ).toBe(false);
    expect(
      opensManagementPort(
        nsgRule(
          "a",
          inbound({
            destinationPortRange: "22",
            sourceAddressPrefix: undefined,
            sourceAddressPrefixes: ["10.1.0.0/16", "0.0.0.0/0"],
          } as never),
        ),
      ),
    ).toBe(true);
  });

  test("other ports opened to the internet are not management ports", () => {
    expect(opensOtherPort(nsgRule("a", inbound({ destinationPortRange: "443" })))).toBe(true);
    expect(opensOtherPort(nsgRule("a", inbound({ destinationPortRange: "22" })))).toBe(false);
    expect(
      opensOtherPort(
        nsgRule("a", inbound({ destinationPortRange: "443", sourceAddressPrefix: "VirtualNetwork" })),
      ),
    ).toBe(false);
  });

  test("any-to-any allow rules of a rule collection group", () => {
    const group = {
      properties: {
        ruleCollections: [
          {
            name: "Allow-All",
            action: { type: "Allow" },
            rules: [
              {
                name: "wide",
                ruleType: "NetworkRule",
                sourceAddresses: ["*"],
                destinationAddresses: ["*"],
                destinationPorts: ["*"],
              },
              {
                name: "narrow",
                ruleType: "NetworkRule",
                sourceAddresses: ["10.0.0.0/8"],
                destinationAddresses: ["*"],
                destinationPorts: ["*"],
              },
            ],
          },
          {
            name: "Deny-All",
            action: { type: "Deny" },
            rules: [
              {
                name: "wide",
                ruleType: "NetworkRule",
                sourceAddresses: ["*"],
                destinationAddresses: ["*"],
                destinationPorts: ["*"],
              },
            ],
          },
        ],
      },
    } as JsonObject;
    expect([...anyToAnyAllowRules(group)]).toEqual(["allow-all/wide"]);
  });
});

describe("network severity rules through core's rule engine", () => {
  test("a rule opening HTTPS to the internet is high; opening SSH stays core's critical", () => {
    const before = nsg([nsgRule("web", inbound({ sourceAddressPrefix: "10.0.0.0/8" }))]);
    const after = nsg([nsgRule("web", inbound())]);
    expect(
      assess(NETWORK_TYPES.networkSecurityGroup, before, after, [
        {
          path: "properties.securityRules[name=web].properties.sourceAddressPrefix",
          kind: "changed",
          before: "10.0.0.0/8",
          after: "Internet",
        },
      ]),
    ).toEqual([["network/nsg-rule-opens-port-to-internet", "high"]]);

    const ssh = nsg([nsgRule("ssh", inbound({ destinationPortRange: "22" }))]);
    expect(
      assess(NETWORK_TYPES.networkSecurityGroup, nsg([]), ssh, [
        {
          path: "properties.securityRules[name=ssh]",
          kind: "added",
          after: nsgRule("ssh", inbound({ destinationPortRange: "22" })),
        },
      ]),
    ).toEqual([["core/nsg-open-management-port", "critical"]]);
  });

  test("a description edit of an open rule is not an opening", () => {
    const before = nsg([nsgRule("web", inbound({ description: "a" }))]);
    const after = nsg([nsgRule("web", inbound({ description: "b" }))]);
    expect(
      assess(NETWORK_TYPES.networkSecurityGroup, before, after, [
        {
          path: "properties.securityRules[name=web].properties.description",
          kind: "changed",
          before: "a",
          after: "b",
        },
      ]),
    ).toEqual([[undefined, "low"]]);
  });

  test("a deny rule removed is medium", () => {
    const deny = nsgRule("deny-all", inbound({ access: "Deny", priority: 4000 }));
    expect(
      assess(NETWORK_TYPES.networkSecurityGroup, nsg([deny]), nsg([]), [
        { path: "properties.securityRules[name=deny-all]", kind: "removed", before: deny },
      ]),
    ).toEqual([["network/nsg-deny-rule-removed", "medium"]]);
  });

  test("the default route's next hop changed is high; another route's is not", () => {
    const table = (hop: string, prefix = "0.0.0.0/0"): JsonObject => ({
      id: `${SUB}/routeTables/rt1`,
      properties: {
        routes: [
          {
            name: "default",
            properties: { addressPrefix: prefix, nextHopType: "VirtualAppliance", nextHopIpAddress: hop },
          },
        ],
      },
    });
    const change = {
      path: "properties.routes[name=default].properties.nextHopIpAddress",
      kind: "changed" as const,
      before: "10.0.0.4",
      after: "10.9.9.9",
    };
    expect(assess(NETWORK_TYPES.routeTable, table("10.0.0.4"), table("10.9.9.9"), [change])).toEqual([
      ["network/default-route-changed", "high"],
    ]);
    expect(
      assess(NETWORK_TYPES.routeTable, table("10.0.0.4", "10.20.0.0/16"), table("10.9.9.9", "10.20.0.0/16"), [
        change,
      ]),
    ).toEqual([[undefined, "low"]]);
  });

  test("WAF policy switched to Detection and app gateway TLS lowered are high", () => {
    const waf = (mode: string): JsonObject => ({
      id: `${SUB}/ApplicationGatewayWebApplicationFirewallPolicies/waf1`,
      properties: { policySettings: { state: "Enabled", mode } },
    });
    expect(
      assess(NETWORK_TYPES.wafPolicy, waf("Prevention"), waf("Detection"), [
        { path: "properties.policySettings.mode", kind: "changed", before: "Prevention", after: "Detection" },
      ]),
    ).toEqual([["core/waf-detection-mode", "high"]]);
    const gw = (version: string): JsonObject => ({
      id: `${SUB}/applicationGateways/gw1`,
      properties: { sslPolicy: { minProtocolVersion: version } },
    });
    expect(
      assess(NETWORK_TYPES.applicationGateway, gw("TLSv1_2"), gw("TLSv1_0"), [
        {
          path: "properties.sslPolicy.minProtocolVersion",
          kind: "changed",
          before: "TLSv1_2",
          after: "TLSv1_0",
        },
      ]),
    ).toEqual([["network/app-gateway-tls-lowered", "high"]]);
  });

  test("firewall policy: IDPS turned off is high; a new any-to-any allow rule is high", () => {
    const policy = (mode: string): JsonObject => ({
      id: `${SUB}/firewallPolicies/fp1`,
      properties: { intrusionDetection: { mode } },
    });
    expect(
      assess(NETWORK_TYPES.firewallPolicy, policy("Deny"), policy("Off"), [
        { path: "properties.intrusionDetection.mode", kind: "changed", before: "Deny", after: "Off" },
      ]),
    ).toEqual([["network/firewall-idps-weakened", "high"]]);

    const group = (sources: string[]): JsonObject => ({
      id: `${SUB}/firewallPolicies/fp1/ruleCollectionGroups/rcg1`,
      properties: {
        ruleCollections: [
          {
            name: "apps",
            action: { type: "Allow" },
            rules: [
              {
                name: "r1",
                ruleType: "NetworkRule",
                sourceAddresses: sources,
                destinationAddresses: ["*"],
                destinationPorts: ["*"],
              },
            ],
          },
        ],
      },
    });
    expect(
      assess(NETWORK_TYPES.ruleCollectionGroup, group(["10.0.0.0/8"]), group(["*"]), [
        {
          path: "properties.ruleCollections[name=apps].rules[name=r1].sourceAddresses",
          kind: "added",
          after: "*",
        },
      ]),
    ).toEqual([["network/firewall-rule-allows-any", "high"]]);
  });

  test("a classic firewall network rule opened to any port from anywhere is high; a narrow port is not", () => {
    const firewall = (ports: string[]): JsonObject => ({
      id: `${SUB}/azureFirewalls/fw1`,
      properties: {
        networkRuleCollections: [
          {
            name: "egress",
            properties: {
              priority: 100,
              action: { type: "Allow" },
              rules: [
                {
                  name: "any",
                  protocols: ["TCP"],
                  sourceAddresses: ["*"],
                  destinationAddresses: ["*"],
                  destinationPorts: ports,
                },
              ],
            },
          },
        ],
      },
    });
    const path = "properties.networkRuleCollections[name=egress].properties.rules[name=any].destinationPorts";
    expect(
      assess(NETWORK_TYPES.azureFirewall, firewall(["443"]), firewall(["443", "*"]), [
        { path, kind: "added", after: "*" },
      ]),
    ).toEqual([["network/firewall-classic-rule-allows-any", "high"]]);
    expect(
      assess(NETWORK_TYPES.azureFirewall, firewall(["443"]), firewall(["443", "8443"]), [
        { path, kind: "added", after: "8443" },
      ]),
    ).toEqual([[undefined, "low"]]);
  });

  test("firewall threat intelligence Off is high (core's rule applies to firewalls and policies)", () => {
    const firewall = (mode: string): JsonObject => ({
      id: `${SUB}/azureFirewalls/fw1`,
      properties: { threatIntelMode: mode },
    });
    const result = assess(NETWORK_TYPES.azureFirewall, firewall("Deny"), firewall("Off"), [
      { path: "properties.threatIntelMode", kind: "changed", before: "Deny", after: "Off" },
    ]);
    expect(result?.[0]?.[1]).toBe("high");
  });

  test("subnet losing private endpoint network policies is medium", () => {
    const vnet = (value: string): JsonObject => ({
      id: `${SUB}/virtualNetworks/vnet1`,
      properties: { subnets: [{ name: "s1", properties: { privateEndpointNetworkPolicies: value } }] },
    });
    expect(
      assess(NETWORK_TYPES.virtualNetwork, vnet("Enabled"), vnet("Disabled"), [
        {
          path: "properties.subnets[name=s1].properties.privateEndpointNetworkPolicies",
          kind: "changed",
          before: "Enabled",
          after: "Disabled",
        },
      ]),
    ).toEqual([["network/subnet-private-endpoint-policies-disabled", "medium"]]);
  });

  test("resource-level rules: private endpoint, route table, firewall removed; NSG created open to HTTPS", () => {
    expect(
      assessResource(NETWORK_TYPES.privateEndpoint, "removed", { id: `${SUB}/privateEndpoints/pe1` }),
    ).toEqual(["network/private-endpoint-removed", "medium"]);
    expect(assessResource(NETWORK_TYPES.routeTable, "removed", { id: `${SUB}/routeTables/rt1` })).toEqual([
      "network/route-table-removed",
      "medium",
    ]);
    expect(
      assessResource(NETWORK_TYPES.azureFirewall, "removed", { id: `${SUB}/azureFirewalls/fw1` }),
    ).toEqual(["network/firewall-removed", "high"]);
    expect(
      assessResource(
        NETWORK_TYPES.networkSecurityGroup,
        "added",
        nsg([nsgRule("web", inbound()), nsgRule("rdp", inbound({ destinationPortRange: "3389" }))]),
      ),
    ).toEqual(["core/nsg-created-open-management-port", "critical"]);
    expect(
      assessResource(NETWORK_TYPES.networkSecurityGroup, "added", nsg([nsgRule("web", inbound())])),
    ).toEqual(["network/nsg-created-open-to-internet", "high"]);
  });

  test("every rule id is unique and in the network namespace", () => {
    const ids = networkRules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !id.startsWith("network/"))).toEqual([]);
  });
});
