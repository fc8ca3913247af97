import {
  createRuleEngine,
  defaultRules,
  type FieldChange,
  isOpenManagementRule,
  type JsonObject,
  type ResourceDrift,
  defaultRules as shippedRules,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { change, drift, NSG, nsg, nsgRule } from "./rules-helpers.js";

/** The remediation a shipped rule gives its findings. */
const remediationOf = (id: string) => shippedRules.find((rule) => rule.id === id)?.remediation;

const engine = createRuleEngine();

function assessOne(resource: ResourceDrift, before?: JsonObject, after?: JsonObject): FieldChange[] {
  const result = engine.assess(resource, before, after);
  return result.drift?.changes ?? [];
}

/** The rule id and severity the engine assigned to the single change of a modified resource. */
function verdict(
  type: string,
  path: string,
  kind: FieldChange["kind"],
  before: unknown,
  after: unknown,
  configs?: [JsonObject, JsonObject],
) {
  const changes = assessOne(
    drift(type, "res1", "modified", [change(path, kind, before as never, after as never)]),
    ...(configs ?? []),
  );
  expect(changes).toHaveLength(1);
  return { ruleId: changes[0]!.ruleId, severity: changes[0]!.severity };
}

/** The resource-level verdict for an added or removed resource. */
function resourceVerdict(type: string, status: "added" | "removed", config: JsonObject, id?: string) {
  const result = engine.assess(
    drift(type, "res1", status, [], id),
    status === "removed" ? config : undefined,
    status === "added" ? config : undefined,
  );
  return { ruleId: result.drift?.changes[0]?.ruleId, severity: result.drift?.severity };
}

const openSsh = nsgRule("AllowSSH", { sourceAddressPrefix: "*", destinationPortRange: "22" });

describe("isOpenManagementRule", () => {
  test.each([
    ["* on 22", { sourceAddressPrefix: "*", destinationPortRange: "22" }, true],
    ["Internet on 3389", { sourceAddressPrefix: "Internet", destinationPortRange: "3389" }, true],
    ["0.0.0.0/0 on *", { sourceAddressPrefix: "0.0.0.0/0", destinationPortRange: "*" }, true],
    [
      "Any in a prefix list",
      { sourceAddressPrefixes: ["10.0.0.0/8", "Any"], destinationPortRange: "22" },
      true,
    ],
    [
      "a port list with 3389",
      { sourceAddressPrefix: "*", destinationPortRanges: ["80", "443", "3389"] },
      true,
    ],
    ["a range covering 22", { sourceAddressPrefix: "*", destinationPortRanges: ["20-25"] }, true],
    ["a range not covering 22", { sourceAddressPrefix: "*", destinationPortRanges: ["23-25", "80"] }, false],
    ["a private source", { sourceAddressPrefix: "10.0.0.0/8", destinationPortRange: "22" }, false],
    ["port 443 only", { sourceAddressPrefix: "*", destinationPortRange: "443" }, false],
    ["Deny", { sourceAddressPrefix: "*", destinationPortRange: "22", access: "Deny" }, false],
    ["Outbound", { sourceAddressPrefix: "*", destinationPortRange: "22", direction: "Outbound" }, false],
    ["Icmp", { sourceAddressPrefix: "*", destinationPortRange: "*", protocol: "Icmp" }, false],
  ])("%s", (_, properties, expected) => {
    expect(isOpenManagementRule(nsgRule("r", properties as JsonObject))).toBe(expected);
  });

  test("reads the SDK's flattened shape too", () => {
    expect(
      isOpenManagementRule({
        name: "r",
        access: "Allow",
        direction: "inbound",
        sourceAddressPrefix: "internet",
        destinationPortRange: "22",
      }),
    ).toBe(true);
  });
});

describe("NSG rules", () => {
  test("an open SSH rule inserted into an NSG is critical", () => {
    const before = nsg([]);
    const after = nsg([openSsh]);
    expect(
      verdict(NSG, "properties.securityRules[name=AllowSSH]", "added", undefined, openSsh, [before, after]),
    ).toEqual({
      ruleId: "core/nsg-open-management-port",
      severity: "critical",
    });
  });

  test("a closed rule added is medium (nsg-rule-added), not critical", () => {
    const https = nsgRule("AllowHttps", { sourceAddressPrefix: "*", destinationPortRange: "443" });
    expect(
      verdict(NSG, "properties.securityRules[name=AllowHttps]", "added", undefined, https, [
        nsg([]),
        nsg([https]),
      ]),
    ).toEqual({
      ruleId: "core/nsg-rule-added",
      severity: "medium",
    });
  });

  test("an existing rule modified into the open state is critical, with the rule named in the message", () => {
    const before = nsg([nsgRule("Mgmt", { sourceAddressPrefix: "10.0.0.0/8", destinationPortRange: "22" })]);
    const after = nsg([nsgRule("Mgmt", { sourceAddressPrefix: "Internet", destinationPortRange: "22" })]);
    const changes = assessOne(
      drift(NSG, "nsg1", "modified", [
        change(
          "properties.securityRules[name=Mgmt].properties.sourceAddressPrefix",
          "changed",
          "10.0.0.0/8",
          "Internet",
        ),
      ]),
      before,
      after,
    );
    expect(changes).toEqual([
      {
        path: "properties.securityRules[name=Mgmt].properties.sourceAddressPrefix",
        kind: "changed",
        before: "10.0.0.0/8",
        after: "Internet",
        severity: "critical",
        ruleId: "core/nsg-open-management-port",
        remediation: remediationOf("core/nsg-open-management-port"),
        message: "NSG rule Mgmt now allows inbound traffic from the internet to SSH, RDP or every port.",
      },
    ]);
  });

  test("a port range extended to cover 3389 through the port list is critical", () => {
    const before = nsg([nsgRule("Web", { sourceAddressPrefix: "*", destinationPortRanges: ["80", "443"] })]);
    const after = nsg([
      nsgRule("Web", { sourceAddressPrefix: "*", destinationPortRanges: ["80", "443", "3380-3390"] }),
    ]);
    expect(
      verdict(
        NSG,
        "properties.securityRules[name=Web].properties.destinationPortRanges",
        "added",
        undefined,
        "3380-3390",
        [before, after],
      ),
    ).toEqual({ ruleId: "core/nsg-open-management-port", severity: "critical" });
  });

  test("a description edit on an already open rule is not critical", () => {
    const before = nsg([
      nsgRule("AllowSSH", { sourceAddressPrefix: "*", destinationPortRange: "22", description: "a" }),
    ]);
    const after = nsg([
      nsgRule("AllowSSH", { sourceAddressPrefix: "*", destinationPortRange: "22", description: "b" }),
    ]);
    expect(
      verdict(NSG, "properties.securityRules[name=AllowSSH].properties.description", "changed", "a", "b", [
        before,
        after,
      ]),
    ).toEqual({ ruleId: undefined, severity: "low" });
  });

  test("closing an open rule (Allow to Deny) is not critical", () => {
    const before = nsg([openSsh]);
    const after = nsg([
      nsgRule("AllowSSH", { sourceAddressPrefix: "*", destinationPortRange: "22", access: "Deny" }),
    ]);
    expect(
      verdict(NSG, "properties.securityRules[name=AllowSSH].properties.access", "changed", "Allow", "Deny", [
        before,
        after,
      ]),
    ).toEqual({ ruleId: undefined, severity: "low" });
  });

  test("Deny switched to Allow on a private rule is medium", () => {
    const before = nsg([
      nsgRule("Db", { sourceAddressPrefix: "10.0.0.0/8", destinationPortRange: "1433", access: "Deny" }),
    ]);
    const after = nsg([nsgRule("Db", { sourceAddressPrefix: "10.0.0.0/8", destinationPortRange: "1433" })]);
    expect(
      verdict(NSG, "properties.securityRules[name=Db].properties.access", "changed", "Deny", "Allow", [
        before,
        after,
      ]),
    ).toEqual({ ruleId: "core/nsg-rule-access-allow", severity: "medium" });
  });

  test("a new NSG created with an open rule is critical; a new closed NSG gets the default", () => {
    expect(resourceVerdict(NSG, "added", nsg([openSsh]))).toEqual({
      ruleId: "core/nsg-created-open-management-port",
      severity: "critical",
    });
    expect(resourceVerdict(NSG, "added", nsg([]))).toEqual({ ruleId: undefined, severity: "low" });
  });

  test("the securityRules child resource type: created open, and modified into open", () => {
    const type = "Microsoft.Network/networkSecurityGroups/securityRules";
    expect(resourceVerdict(type, "added", openSsh)).toEqual({
      ruleId: "core/nsg-rule-created-open-management-port",
      severity: "critical",
    });
    const closed = nsgRule("AllowSSH", { sourceAddressPrefix: "10.1.0.0/16", destinationPortRange: "22" });
    expect(
      verdict(type, "properties.sourceAddressPrefix", "changed", "10.1.0.0/16", "*", [closed, openSsh]),
    ).toEqual({
      ruleId: "core/nsg-rule-open-management-port",
      severity: "critical",
    });
    expect(verdict(type, "properties.priority", "changed", 100, 200, [openSsh, openSsh])).toEqual({
      ruleId: undefined,
      severity: "low",
    });
  });
});

describe("subnets", () => {
  const VNET = "Microsoft.Network/virtualNetworks";
  test("a subnet losing its NSG is high (object removed, or its id removed)", () => {
    expect(
      verdict(
        VNET,
        "properties.subnets[name=app].properties.networkSecurityGroup",
        "removed",
        { id: "/x/nsg1" },
        undefined,
      ),
    ).toEqual({ ruleId: "core/subnet-nsg-removed", severity: "high" });
    expect(
      verdict(
        VNET,
        "properties.subnets[name=app].properties.networkSecurityGroup.id",
        "removed",
        "/x/nsg1",
        undefined,
      ),
    ).toEqual({ ruleId: "core/subnet-nsg-removed", severity: "high" });
    expect(
      verdict(
        "Microsoft.Network/virtualNetworks/subnets",
        "properties.networkSecurityGroup",
        "removed",
        { id: "/x" },
        undefined,
      ),
    ).toEqual({ ruleId: "core/subnet-nsg-removed", severity: "high" });
  });
  test("a subnet gaining an NSG is not high; one switching NSG is medium", () => {
    expect(
      verdict(VNET, "properties.subnets[name=app].properties.networkSecurityGroup", "added", undefined, {
        id: "/x/nsg1",
      }),
    ).toEqual({ ruleId: undefined, severity: "low" });
    expect(
      verdict(
        VNET,
        "properties.subnets[name=app].properties.networkSecurityGroup.id",
        "changed",
        "/x/nsg1",
        "/x/nsg2",
      ),
    ).toEqual({ ruleId: "core/subnet-nsg-replaced", severity: "medium" });
  });
  test("a subnet losing its route table is medium", () => {
    expect(
      verdict(
        VNET,
        "properties.subnets[name=app].properties.routeTable",
        "removed",
        { id: "/x/rt" },
        undefined,
      ),
    ).toEqual({
      ruleId: "core/subnet-route-table-removed",
      severity: "medium",
    });
  });
});

describe("storage, key vault, SQL and public access", () => {
  const SA = "Microsoft.Storage/storageAccounts";
  const KV = "Microsoft.KeyVault/vaults";
  test.each([
    [
      SA,
      "properties.minimumTlsVersion",
      "changed",
      "TLS1_2",
      "TLS1_0",
      "core/storage-min-tls-lowered",
      "high",
    ],
    [SA, "properties.minimumTlsVersion", "changed", "TLS1_0", "TLS1_2", undefined, "low"],
    [
      SA,
      "properties.allowBlobPublicAccess",
      "changed",
      false,
      true,
      "core/storage-blob-public-access-on",
      "high",
    ],
    [
      SA,
      "properties.allowBlobPublicAccess",
      "added",
      undefined,
      true,
      "core/storage-blob-public-access-on",
      "high",
    ],
    [SA, "properties.allowBlobPublicAccess", "changed", true, false, undefined, "low"],
    [
      SA,
      "properties.supportsHttpsTrafficOnly",
      "changed",
      true,
      false,
      "core/storage-https-only-off",
      "high",
    ],
    [SA, "properties.supportsHttpsTrafficOnly", "changed", false, true, undefined, "low"],
    [SA, "properties.allowSharedKeyAccess", "changed", false, true, "core/storage-shared-key-on", "medium"],
    [
      SA,
      "properties.publicNetworkAccess",
      "changed",
      "Disabled",
      "Enabled",
      "core/public-network-access-enabled",
      "high",
    ],
    [SA, "properties.publicNetworkAccess", "changed", "Enabled", "Disabled", undefined, "low"],
    [
      SA,
      "properties.networkAcls.defaultAction",
      "changed",
      "Deny",
      "Allow",
      "core/network-acl-default-allow",
      "high",
    ],
    [
      KV,
      "properties.enablePurgeProtection",
      "changed",
      true,
      false,
      "core/keyvault-purge-protection-off",
      "high",
    ],
    [
      KV,
      "properties.enablePurgeProtection",
      "removed",
      true,
      undefined,
      "core/keyvault-purge-protection-off",
      "high",
    ],
    [KV, "properties.enablePurgeProtection", "added", undefined, true, undefined, "low"],
    [KV, "properties.enableSoftDelete", "changed", true, false, "core/keyvault-soft-delete-off", "high"],
    [KV, "properties.enableRbacAuthorization", "changed", true, false, "core/keyvault-rbac-off", "medium"],
    [
      KV,
      "properties.accessPolicies[tenantId=t1,objectId=o1]",
      "added",
      undefined,
      { tenantId: "t1", objectId: "o1" },
      "core/keyvault-access-policy-added",
      "medium",
    ],
    [
      KV,
      "properties.publicNetworkAccess",
      "changed",
      "disabled",
      "enabled",
      "core/public-network-access-enabled",
      "high",
    ],
    [
      "Microsoft.Sql/servers",
      "properties.minimalTlsVersion",
      "changed",
      "1.2",
      "1.0",
      "core/sql-min-tls-lowered",
      "high",
    ],
    ["Microsoft.Sql/servers", "properties.minimalTlsVersion", "changed", "1.1", "1.2", undefined, "low"],
    [
      "Microsoft.Network/azureFirewalls",
      "properties.threatIntelMode",
      "changed",
      "Deny",
      "Alert",
      "core/firewall-threat-intel-weakened",
      "high",
    ],
    [
      "Microsoft.Network/firewallPolicies",
      "properties.threatIntelMode",
      "changed",
      "Alert",
      "Deny",
      undefined,
      "low",
    ],
    [
      "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies",
      "properties.policySettings.mode",
      "changed",
      "Prevention",
      "Detection",
      "core/waf-detection-mode",
      "high",
    ],
    [
      "Microsoft.Network/applicationGateways",
      "properties.webApplicationFirewallConfiguration.firewallMode",
      "changed",
      "Prevention",
      "Detection",
      "core/waf-detection-mode",
      "high",
    ],
    [
      "Microsoft.Network/applicationGateways",
      "properties.webApplicationFirewallConfiguration.enabled",
      "changed",
      true,
      false,
      "core/waf-disabled",
      "high",
    ],
    [
      "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies",
      "properties.policySettings.state",
      "changed",
      "Enabled",
      "Disabled",
      "core/waf-disabled",
      "high",
    ],
    [
      "Microsoft.Security/pricings",
      "properties.pricingTier",
      "changed",
      "Standard",
      "Free",
      "core/defender-plan-downgraded",
      "high",
    ],
    [
      "Microsoft.Authorization/policyAssignments",
      "properties.enforcementMode",
      "changed",
      "Default",
      "DoNotEnforce",
      "core/policy-not-enforced",
      "medium",
    ],
    [
      "Microsoft.RecoveryServices/vaults",
      "properties.securitySettings.softDeleteSettings.softDeleteState",
      "changed",
      "Enabled",
      "Disabled",
      "core/backup-soft-delete-off",
      "high",
    ],
    [
      "Microsoft.RecoveryServices/vaults",
      "properties.securitySettings.immutabilitySettings.state",
      "changed",
      "Unlocked",
      "Disabled",
      "core/backup-immutability-off",
      "high",
    ],
    [
      "Microsoft.Authorization/roleDefinitions",
      "properties.permissions[0].actions",
      "added",
      undefined,
      "*",
      "core/custom-role-wildcard-action",
      "high",
    ],
    [
      "Microsoft.Authorization/roleDefinitions",
      "properties.permissions[0].actions",
      "added",
      undefined,
      "Microsoft.Storage/*/read",
      undefined,
      "low",
    ],
  ])("%s %s %s %j → %j: %s", (type, path, kind, before, after, ruleId, severity) => {
    expect(verdict(type, path, kind as FieldChange["kind"], before, after)).toEqual({ ruleId, severity });
  });
});

describe("resource-level rules", () => {
  const RA = "Microsoft.Authorization/roleAssignments";
  const sub = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590";
  const assignment = (roleGuid: string, scope: string): JsonObject => ({
    name: "a1",
    properties: {
      roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId: "p1",
      scope,
    },
  });
  const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
  const UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
  const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

  test.each([
    [OWNER, sub, "core/privileged-role-assigned-broad-scope", "high"],
    [CONTRIBUTOR.toUpperCase(), sub.toUpperCase(), "core/privileged-role-assigned-broad-scope", "high"],
    [
      UAA,
      "/providers/Microsoft.Management/managementGroups/root",
      "core/privileged-role-assigned-broad-scope",
      "high",
    ],
    [OWNER, `${sub}/resourceGroups/rg1`, "core/privileged-role-assigned", "medium"],
    [READER, sub, undefined, "low"],
  ])("role %s at %s", (role, scope, ruleId, severity) => {
    expect(resourceVerdict(RA, "added", assignment(role, scope))).toEqual({ ruleId, severity });
  });

  test("the scope comes from the id when properties.scope is missing", () => {
    const config: JsonObject = {
      name: "a1",
      properties: { roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${OWNER}` },
    };
    expect(
      resourceVerdict(RA, "added", config, `${sub}/providers/Microsoft.Authorization/roleAssignments/a1`),
    ).toEqual({
      ruleId: "core/privileged-role-assigned-broad-scope",
      severity: "high",
    });
    expect(
      resourceVerdict(
        RA,
        "added",
        config,
        `${sub}/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/a1`,
      ),
    ).toEqual({ ruleId: "core/privileged-role-assigned", severity: "medium" });
  });

  test("removing a privileged assignment is not high", () => {
    expect(resourceVerdict(RA, "removed", assignment(OWNER, sub))).toEqual({
      ruleId: undefined,
      severity: "low",
    });
  });

  test.each([
    ["Microsoft.Authorization/locks", "removed", "core/lock-removed", "medium"],
    ["Microsoft.Authorization/locks", "added", undefined, "low"],
    ["Microsoft.Authorization/policyAssignments", "removed", "core/policy-assignment-removed", "medium"],
    ["Microsoft.Insights/diagnosticSettings", "removed", "core/diagnostic-setting-removed", "medium"],
    ["Microsoft.Authorization/denyAssignments", "removed", "core/deny-assignment-removed", "medium"],
    [
      "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
      "added",
      "core/federated-credential-added",
      "medium",
    ],
    ["Microsoft.Network/publicIPAddresses", "added", "core/public-ip-created", "medium"],
    ["Microsoft.Network/publicIPAddresses", "removed", undefined, "low"],
  ])("%s %s", (type, status, ruleId, severity) => {
    expect(resourceVerdict(type, status as "added" | "removed", { name: "res1", properties: {} })).toEqual({
      ruleId,
      severity,
    });
  });

  test("SQL firewall rule open to the whole internet is critical; a narrow one is not", () => {
    const type = "Microsoft.Sql/servers/firewallRules";
    const rule = (start: string, end: string): JsonObject => ({
      name: "fw",
      properties: { startIpAddress: start, endIpAddress: end },
    });
    expect(resourceVerdict(type, "added", rule("0.0.0.0", "255.255.255.255"))).toEqual({
      ruleId: "core/sql-firewall-allows-internet",
      severity: "critical",
    });
    expect(resourceVerdict(type, "added", rule("10.0.0.1", "10.0.0.9"))).toEqual({
      ruleId: undefined,
      severity: "low",
    });
  });
});

test("every default rule has a core/ id, a sentence, and ids are stable per meaning", () => {
  for (const rule of defaultRules) {
    expect(rule.id).toMatch(/^core\/[a-z0-9-]+$/);
    expect(rule.message).toMatch(/\.$/);
  }
  // One id is shared on purpose: the same finding for the VNet's embedded subnets and the subnet child type.
  const ids = defaultRules.map((rule) => rule.id);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual(["core/subnet-nsg-removed"]);
});
