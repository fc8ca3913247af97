import type { ChangeKind, JsonObject, JsonValue, ResourceDrift } from "@azure-drift/core";
import { createRuleEngine } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { allowsAzureServices, opensSqlToInternet, SECURITY_RULES, SECURITY_TYPES } from "../src/index.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000c1";
const RG = `${SUB}/resourceGroups/rg-data/providers`;
const SERVER = `${RG}/Microsoft.Sql/servers/sql-orders`;
const engine = createRuleEngine({}, SECURITY_RULES);

const T = SECURITY_TYPES;

const ids: Record<string, string> = {
  [T.pricing]: `${SUB}/providers/Microsoft.Security/pricings/VirtualMachines`,
  [T.securityContact]: `${SUB}/providers/Microsoft.Security/securityContacts/default1`,
  [T.autoProvisioningSetting]: `${SUB}/providers/Microsoft.Security/autoProvisioningSettings/default`,
  [T.setting]: `${SUB}/providers/Microsoft.Security/settings/MCAS`,
  [T.storageAccount]: `${RG}/Microsoft.Storage/storageAccounts/storders`,
  [T.sqlServer]: SERVER,
  [T.sqlFirewallRule]: `${SERVER}/firewallRules/office`,
  [T.sqlAuditingSetting]: `${SERVER}/auditingSettings/Default`,
  [T.sqlSecurityAlertPolicy]: `${SERVER}/securityAlertPolicies/Default`,
  [T.sqlEntraOnlyAuthentication]: `${SERVER}/azureADOnlyAuthentications/Default`,
};

function resource(type: string, properties: JsonObject, id = ids[type] as string): JsonObject {
  return { id, name: id.slice(id.lastIndexOf("/") + 1), type, properties };
}

function drift(type: string, id: string, status: ResourceDrift["status"], changes: ResourceDrift["changes"]) {
  return {
    id,
    key: id.toLowerCase(),
    type,
    name: id.slice(id.lastIndexOf("/") + 1),
    status,
    severity: "low",
    changes,
  } as ResourceDrift;
}

/** The rule and severity of one field change from `before` to `after` of a resource's properties. */
function change(
  type: string,
  path: string,
  kind: ChangeKind,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  properties: { before?: JsonObject; after?: JsonObject } = {},
  id = ids[type] as string,
) {
  const resourceBefore = resource(type, properties.before ?? {}, id);
  const resourceAfter = resource(type, properties.after ?? {}, id);
  const assessed = engine.assess(
    drift(type, id, "modified", [
      {
        path,
        kind,
        ...(before === undefined ? {} : { before }),
        ...(after === undefined ? {} : { after }),
        severity: "low",
      },
    ]),
    resourceBefore,
    resourceAfter,
  ).drift?.changes[0];
  return [assessed?.ruleId, assessed?.severity];
}

/** The rule and severity of a whole resource added or removed. */
function whole(status: "added" | "removed", config: JsonObject) {
  const id = String(config.id);
  const assessed = engine.assess(
    drift(String(config.type), id, status, []),
    status === "removed" ? config : undefined,
    status === "added" ? config : undefined,
  ).drift;
  return [assessed?.changes[0]?.ruleId, assessed?.severity];
}

const NONE = [undefined, "low"];

describe("Defender for Cloud", () => {
  test("a plan downgraded to Free is high (this collector's rule, not core's)", () => {
    expect(change(T.pricing, "properties.pricingTier", "changed", "Standard", "Free")).toEqual([
      "security/defender-plan-downgraded",
      "high",
    ]);
    expect(change(T.pricing, "properties.pricingTier", "changed", "Free", "Standard")).toEqual(NONE);
  });

  test("a sub-plan lowered is medium; raised or unknown is not", () => {
    expect(change(T.pricing, "properties.subPlan", "changed", "P2", "P1")).toEqual([
      "security/defender-sub-plan-lowered",
      "medium",
    ]);
    expect(
      change(T.pricing, "properties.subPlan", "changed", "DefenderForStorageV2", "PerTransaction")[0],
    ).toBe("security/defender-sub-plan-lowered");
    expect(change(T.pricing, "properties.subPlan", "changed", "P1", "P2")).toEqual(NONE);
    expect(change(T.pricing, "properties.subPlan", "changed", "P1", "Custom")).toEqual(NONE);
  });

  test("an extension disabled, or dropped from a Standard plan, is medium", () => {
    expect(
      change(
        T.pricing,
        "properties.extensions[name=AgentlessVmScanning].isEnabled",
        "changed",
        "True",
        "False",
      ),
    ).toEqual(["security/defender-extension-disabled", "medium"]);
    expect(
      change(
        T.pricing,
        "properties.extensions[name=AgentlessVmScanning].isEnabled",
        "changed",
        "False",
        "True",
      ),
    ).toEqual(NONE);
    const extension = { name: "AgentlessVmScanning", isEnabled: "True" };
    expect(
      change(T.pricing, "properties.extensions[name=AgentlessVmScanning]", "removed", extension, undefined, {
        after: { pricingTier: "Standard" },
      })[0],
    ).toBe("security/defender-extension-removed");
    expect(
      change(T.pricing, "properties.extensions[name=AgentlessVmScanning]", "removed", extension, undefined, {
        after: { pricingTier: "Free" },
      }),
    ).toEqual(NONE);
  });

  test("security contacts: removed, no email, notifications off are medium", () => {
    expect(whole("removed", resource(T.securityContact, { email: "soc@contoso.com" }))).toEqual([
      "security/security-contact-removed",
      "medium",
    ]);
    expect(whole("added", resource(T.securityContact, { email: "soc@contoso.com" }))).toEqual([
      undefined,
      "low",
    ]);
    expect(change(T.securityContact, "properties.email", "removed", "soc@contoso.com", undefined)[0]).toBe(
      "security/security-contact-email-removed",
    );
    expect(change(T.securityContact, "properties.alertNotifications", "changed", "On", "Off")).toEqual([
      "security/alert-notifications-off",
      "medium",
    ]);
    expect(change(T.securityContact, "properties.alertNotifications", "changed", "Off", "On")).toEqual(NONE);
    expect(change(T.securityContact, "properties.alertsToAdmins", "changed", "On", "Off")[0]).toBe(
      "security/alerts-to-admins-off",
    );
  });

  test("auto-provisioning off is medium", () => {
    expect(change(T.autoProvisioningSetting, "properties.autoProvision", "changed", "On", "Off")).toEqual([
      "security/auto-provisioning-off",
      "medium",
    ]);
    expect(change(T.autoProvisioningSetting, "properties.autoProvision", "changed", "Off", "On")).toEqual(
      NONE,
    );
  });

  test("WDATP off is high, another integration off is medium, on is neither", () => {
    const wdatp = `${SUB}/providers/Microsoft.Security/settings/WDATP`;
    expect(change(T.setting, "properties.enabled", "changed", true, false, {}, wdatp)).toEqual([
      "security/wdatp-integration-off",
      "high",
    ]);
    expect(change(T.setting, "properties.enabled", "changed", true, false)).toEqual([
      "security/integration-off",
      "medium",
    ]);
    expect(change(T.setting, "properties.enabled", "changed", false, true, {}, wdatp)).toEqual(NONE);
  });
});

describe("storage accounts", () => {
  test.each([
    ["properties.allowBlobPublicAccess", false, true, "security/storage-blob-public-access-on", "high"],
    [
      "properties.publicNetworkAccess",
      "Disabled",
      "Enabled",
      "security/storage-public-network-access-enabled",
      "high",
    ],
    [
      "properties.networkAcls.defaultAction",
      "Deny",
      "Allow",
      "security/storage-network-default-allow",
      "high",
    ],
    ["properties.minimumTlsVersion", "TLS1_2", "TLS1_0", "security/storage-min-tls-lowered", "high"],
    ["properties.supportsHttpsTrafficOnly", true, false, "security/storage-https-only-off", "high"],
    ["properties.allowSharedKeyAccess", false, true, "security/storage-shared-key-on", "medium"],
    [
      "properties.encryption.keySource",
      "Microsoft.Keyvault",
      "Microsoft.Storage",
      "security/storage-customer-key-removed",
      "high",
    ],
    [
      "properties.allowCrossTenantReplication",
      false,
      true,
      "security/storage-cross-tenant-replication-on",
      "medium",
    ],
  ] as const)("%s %s → %s is %s (and the safe direction is not)", (path, before, after, rule, severity) => {
    expect(change(T.storageAccount, path, "changed", before, after)).toEqual([rule, severity]);
    expect(change(T.storageAccount, path, "changed", after, before)).toEqual(NONE);
  });

  test("an IP range let through the storage firewall is medium", () => {
    const range = { value: "203.0.113.0/24", action: "Allow" };
    expect(
      change(
        T.storageAccount,
        "properties.networkAcls.ipRules[value=203.0.113.0/24]",
        "added",
        undefined,
        range,
      ),
    ).toEqual(["security/storage-firewall-ip-rule-added", "medium"]);
    expect(
      change(
        T.storageAccount,
        "properties.networkAcls.ipRules[value=203.0.113.0/24]",
        "removed",
        range,
        undefined,
      ),
    ).toEqual(NONE);
  });
});

describe("SQL servers", () => {
  test.each([
    [
      "properties.publicNetworkAccess",
      "Disabled",
      "Enabled",
      "security/sql-public-network-access-enabled",
      "high",
    ],
    ["properties.minimalTlsVersion", "1.2", "1.0", "security/sql-min-tls-lowered", "high"],
  ] as const)("%s %s → %s is %s", (path, before, after, rule, severity) => {
    expect(change(T.sqlServer, path, "changed", before, after)).toEqual([rule, severity]);
    expect(change(T.sqlServer, path, "changed", after, before)).toEqual(NONE);
  });

  test("the Entra administrator removed or replaced is medium", () => {
    const admin = { administratorType: "ActiveDirectory", login: "sql-admins", sid: "a" };
    expect(change(T.sqlServer, "properties.administrators", "removed", admin, undefined)).toEqual([
      "security/sql-entra-admin-removed",
      "medium",
    ]);
    expect(change(T.sqlServer, "properties.administrators", "added", undefined, admin)).toEqual(NONE);
    expect(change(T.sqlServer, "properties.administrators.sid", "changed", "a", "b")[0]).toBe(
      "security/sql-entra-admin-changed",
    );
  });

  test("a firewall rule for every address is critical, added or widened; the Azure services rule is medium", () => {
    const open = resource(T.sqlFirewallRule, { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" });
    const azure = resource(T.sqlFirewallRule, { startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" });
    const office = resource(T.sqlFirewallRule, {
      startIpAddress: "203.0.113.1",
      endIpAddress: "203.0.113.9",
    });
    expect(opensSqlToInternet(open)).toBe(true);
    expect(allowsAzureServices(azure)).toBe(true);
    expect(whole("added", open)).toEqual(["security/sql-firewall-allows-internet", "critical"]);
    expect(whole("added", azure)).toEqual(["security/sql-allow-azure-services-added", "medium"]);
    expect(whole("added", office)).toEqual([undefined, "low"]);
    expect(whole("removed", open)).toEqual([undefined, "low"]);
    expect(
      change(T.sqlFirewallRule, "properties.endIpAddress", "changed", "203.0.113.9", "255.255.255.255", {
        before: office.properties as JsonObject,
        after: open.properties as JsonObject,
      }),
    ).toEqual(["security/sql-firewall-widened-to-internet", "critical"]);
    expect(
      change(T.sqlFirewallRule, "properties.endIpAddress", "changed", "255.255.255.255", "203.0.113.9", {
        before: open.properties as JsonObject,
        after: office.properties as JsonObject,
      }),
    ).toEqual(NONE);
  });

  test("auditing or Defender for SQL disabled is high; retention under 90 days and a disabled alert are medium", () => {
    expect(change(T.sqlAuditingSetting, "properties.state", "changed", "Enabled", "Disabled")).toEqual([
      "security/sql-auditing-disabled",
      "high",
    ]);
    expect(change(T.sqlAuditingSetting, "properties.state", "changed", "Disabled", "Enabled")).toEqual(NONE);
    expect(change(T.sqlSecurityAlertPolicy, "properties.state", "changed", "Enabled", "Disabled")).toEqual([
      "security/sql-defender-disabled",
      "high",
    ]);
    expect(change(T.sqlAuditingSetting, "properties.retentionDays", "changed", 0, 30)[0]).toBe(
      "security/sql-audit-retention-lowered",
    );
    expect(change(T.sqlAuditingSetting, "properties.retentionDays", "changed", 180, 90)).toEqual(NONE);
    expect(change(T.sqlAuditingSetting, "properties.retentionDays", "changed", 30, 60)).toEqual(NONE);
    expect(
      change(T.sqlSecurityAlertPolicy, "properties.disabledAlerts", "added", undefined, "Sql_Injection")[0],
    ).toBe("security/sql-defender-alert-disabled");
  });

  test("Entra-only authentication off is medium, on is not", () => {
    expect(
      change(T.sqlEntraOnlyAuthentication, "properties.azureADOnlyAuthentication", "changed", true, false),
    ).toEqual(["security/sql-entra-only-auth-off", "medium"]);
    expect(
      change(T.sqlEntraOnlyAuthentication, "properties.azureADOnlyAuthentication", "changed", false, true),
    ).toEqual(NONE);
  });

  test("messages about a server's settings name the server, not the setting", () => {
    const assessed = engine.assess(
      drift(T.sqlAuditingSetting, ids[T.sqlAuditingSetting] as string, "modified", [
        { path: "properties.state", kind: "changed", before: "Enabled", after: "Disabled", severity: "low" },
      ]),
      resource(T.sqlAuditingSetting, { state: "Enabled" }),
      resource(T.sqlAuditingSetting, { state: "Disabled" }),
    ).drift;
    expect(assessed?.changes[0]?.message).toBe("Auditing of SQL server sql-orders was disabled.");
  });
});

test("every rule has a security/ id, a remediation of one line, and ids are unique", () => {
  const seen = new Set<string>();
  for (const rule of SECURITY_RULES) {
    expect(rule.id).toMatch(/^security\/[a-z0-9-]+$/);
    expect(rule.remediation).toMatch(/^[^\n]{10,200}$/);
    expect(seen.has(rule.id)).toBe(false);
    seen.add(rule.id);
  }
});
