/**
 * Builders of the security domain's payloads, in the shapes the pinned SDKs' api-versions return:
 * Defender for Cloud pricings (2024-01-01, read raw), security contacts and auto-provisioning
 * (2017-08-01-preview), settings (2021-07-01); SQL servers listed with their Entra administrator
 * (2022-08-01-preview, `$expand=administrators/activedirectory`), their firewall rules, security alert
 * policies and Entra-only authentication (2020-11-01-preview) and auditing settings (2021-11-01-preview).
 */
import type { JsonObject } from "@azure-drift/core";
import type { Placement, ShapeFactory } from "./shapes.js";
import { SECURITY_RESOURCE_TYPES, type SecurityResourceKind } from "./types-security.js";

const T = SECURITY_RESOURCE_TYPES;

/** The Azure service rule: 0.0.0.0–0.0.0.0 lets every Azure service (any customer's) reach the server. */
export const ALLOW_AZURE_SERVICES_RULE = "AllowAllWindowsAzureIps";

interface PlanShape {
  subPlans?: string[];
  extensions?: { name: string; additional?: JsonObject }[];
  deprecated?: string[];
}

/** Defender plans as a 2024-01-01 list returns them, with their sub-plans and extensions. */
const PLANS: Record<string, PlanShape> = {
  VirtualMachines: {
    subPlans: ["P2", "P1"],
    extensions: [
      { name: "AgentlessVmScanning", additional: { ExclusionTags: "[]" } },
      { name: "MdeDesignatedSubscription" },
      { name: "FileIntegrityMonitoring" },
    ],
  },
  SqlServers: {},
  AppServices: {},
  StorageAccounts: {
    subPlans: ["DefenderForStorageV2", "PerTransaction"],
    extensions: [
      { name: "OnUploadMalwareScanning", additional: { CapGBPerMonthPerStorageAccount: "5000" } },
      { name: "SensitiveDataDiscovery" },
    ],
  },
  SqlServerVirtualMachines: {},
  KeyVaults: { subPlans: ["PerKeyVault", "PerTransaction"] },
  Arm: { subPlans: ["PerSubscription", "PerApiCall"] },
  OpenSourceRelationalDatabases: {},
  CosmosDbs: {},
  Containers: {
    extensions: [
      { name: "ContainerRegistriesVulnerabilityAssessments" },
      { name: "AgentlessDiscoveryForKubernetes" },
      { name: "ContainerSensor" },
    ],
  },
  CloudPosture: {
    extensions: [
      { name: "SensitiveDataDiscovery" },
      { name: "AgentlessVmScanning", additional: { ExclusionTags: "[]" } },
      { name: "EntraPermissionsManagement" },
    ],
  },
  KubernetesService: { deprecated: ["Containers"] },
  ContainerRegistry: { deprecated: ["Containers"] },
};

/** Defender's integration settings (2021-07-01) with their kinds. */
const SETTINGS: Record<string, string> = {
  MCAS: "DataExportSettings",
  WDATP: "DataExportSettings",
  WDATP_UNIFIED_SOLUTION: "DataExportSettings",
  Sentinel: "AlertSyncSettings",
};

const AUDIT_GROUPS = [
  "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
  "FAILED_DATABASE_AUTHENTICATION_GROUP",
  "BATCH_COMPLETED_GROUP",
];

function subscriptionPrefix(placement: Placement): string {
  return `/subscriptions/${placement.subscriptionId}/providers/Microsoft.Security`;
}

/** Every Defender plan of the subscription: most on Standard, some Free, the deprecated ones Free. */
export function defenderPricings(factory: ShapeFactory, placement: Placement): JsonObject[] {
  const { rng } = factory;
  return Object.entries(PLANS).map(([name, plan]) => {
    const standard = !plan.deprecated && rng.chance(0.7);
    const properties: JsonObject = standard
      ? {
          pricingTier: "Standard",
          ...(plan.subPlans ? { subPlan: plan.subPlans[0] as string } : {}),
          freeTrialRemainingTime: "PT0S",
          enablementTime: factory.timestamp(2024),
          enforce: "False",
          resourcesCoverageStatus: rng.pick(["FullyCovered", "PartiallyCovered"]),
          ...(plan.extensions
            ? {
                extensions: plan.extensions.map((extension) => ({
                  name: extension.name,
                  isEnabled: rng.chance(0.8) ? "True" : "False",
                  ...(extension.additional ? { additionalExtensionProperties: extension.additional } : {}),
                  operationStatus: { code: "Succeeded", message: "Extension is enabled successfully" },
                })),
              }
            : {}),
        }
      : {
          pricingTier: "Free",
          freeTrialRemainingTime: rng.pick(["P30D", "PT0S"]),
          enforce: "False",
          ...(plan.deprecated ? { deprecated: true, replacedBy: plan.deprecated } : {}),
        };
    return {
      id: `${subscriptionPrefix(placement)}/pricings/${name}`,
      name,
      type: T.defenderPricing,
      properties,
    };
  });
}

/** One more security contact of the subscription (`default1`, `default2`…). */
export function securityContact(factory: ShapeFactory, placement: Placement): JsonObject {
  const prefix = `${subscriptionPrefix(placement)}/securityContacts`;
  let index = 1;
  while (factory.isTaken(`${prefix}/default${index}`)) index++;
  const name = `default${index}`;
  return {
    id: `${prefix}/${name}`,
    name,
    type: T.securityContact,
    properties: {
      email: `${factory.rng.pick(["secops", "soc", "cloud-security"])}@contoso.com`,
      phone: `+1 425 555 0${factory.rng.int(100, 199)}`,
      alertNotifications: "On",
      alertsToAdmins: factory.rng.chance(0.7) ? "On" : "Off",
    },
  };
}

export function autoProvisioningSetting(factory: ShapeFactory, placement: Placement): JsonObject {
  return {
    id: `${subscriptionPrefix(placement)}/autoProvisioningSettings/default`,
    name: "default",
    type: T.autoProvisioningSetting,
    properties: { autoProvision: factory.rng.chance(0.8) ? "On" : "Off" },
  };
}

export function securitySettings(factory: ShapeFactory, placement: Placement): JsonObject[] {
  return Object.entries(SETTINGS).map(([name, kind]) => ({
    id: `${subscriptionPrefix(placement)}/settings/${name}`,
    name,
    kind,
    type: T.securitySetting,
    properties: { enabled: name === "WDATP" ? true : factory.rng.chance(0.6) },
  }));
}

/**
 * A SQL server with its Entra administrator, and its children: firewall rules (sometimes the
 * allow-Azure-services rule), auditing settings, security alert policy, Entra-only authentication.
 */
export function sqlServerWithChildren(factory: ShapeFactory, placement: Placement): JsonObject[] {
  const { rng } = factory;
  const prefix = `${factory.groupPath(placement)}/providers/Microsoft.Sql/servers`;
  const name = factory.uniqueName("sql", prefix);
  const id = `${prefix}/${name}`;
  const entraOnly = rng.chance(0.5);
  const publicAccess = rng.chance(0.6) ? "Enabled" : "Disabled";
  const server: JsonObject = {
    kind: "v12.0",
    properties: {
      ...(entraOnly ? {} : { administratorLogin: `sqladmin${rng.hex(4)}` }),
      version: "12.0",
      state: "Ready",
      fullyQualifiedDomainName: `${name}.database.windows.net`,
      privateEndpointConnections: [],
      minimalTlsVersion: rng.pick(["1.2", "1.2", "1.3"]),
      publicNetworkAccess: publicAccess,
      restrictOutboundNetworkAccess: "Disabled",
      administrators: {
        administratorType: "ActiveDirectory",
        principalType: "Group",
        login: `sql-admins-${rng.pick(["platform", "data", "payments"])}`,
        sid: rng.guid(),
        tenantId: factory.tenantId,
        azureADOnlyAuthentication: entraOnly,
      },
    },
    location: placement.location,
    tags: factory.tags(),
    id,
    name,
    type: T.sqlServer,
  };
  const made = [server];
  const rules = rng.int(0, 3);
  for (let i = 0; i < rules; i++) made.push(sqlFirewallRule(factory, id));
  if (publicAccess === "Enabled" && rng.chance(0.4)) made.push(sqlFirewallRule(factory, id, "azure"));
  made.push(sqlAuditingSetting(factory, id), sqlSecurityAlertPolicy(factory, id));
  made.push({
    properties: { azureADOnlyAuthentication: entraOnly },
    id: `${id}/azureADOnlyAuthentications/Default`,
    name: "Default",
    type: T.sqlAzureADOnlyAuthentication,
  });
  return made;
}

/** A firewall rule of a server: a client's address range, or the allow-Azure-services rule. */
export function sqlFirewallRule(
  factory: ShapeFactory,
  serverId: string,
  rule: "client" | "azure" = "client",
) {
  const { rng } = factory;
  const name =
    rule === "azure"
      ? ALLOW_AZURE_SERVICES_RULE
      : factory.uniqueName("ClientIp", `${serverId}/firewallRules`);
  const start = `${rng.int(20, 200)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 100)}`;
  const end = rng.chance(0.5) ? start : start.replace(/\.\d+$/, `.${rng.int(101, 254)}`);
  return {
    id: `${serverId}/firewallRules/${name}`,
    name,
    type: T.sqlFirewallRule,
    properties:
      rule === "azure"
        ? { startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }
        : { startIpAddress: start, endIpAddress: end },
  };
}

function sqlAuditingSetting(factory: ShapeFactory, serverId: string): JsonObject {
  const { rng } = factory;
  const enabled = rng.chance(0.8);
  const toStorage = enabled && rng.chance(0.6);
  return {
    id: `${serverId}/auditingSettings/Default`,
    name: "Default",
    type: T.sqlAuditingSetting,
    properties: {
      retentionDays: toStorage ? rng.pick([90, 180, 365]) : 0,
      auditActionsAndGroups: enabled ? AUDIT_GROUPS : [],
      isStorageSecondaryKeyInUse: false,
      isAzureMonitorTargetEnabled: enabled && !toStorage,
      isManagedIdentityInUse: toStorage,
      queueDelayMs: 1000,
      state: enabled ? "Enabled" : "Disabled",
      storageEndpoint: toStorage ? `https://staudit${rng.hex(8)}.blob.core.windows.net/` : "",
      storageAccountSubscriptionId: "00000000-0000-0000-0000-000000000000",
    },
  };
}

function sqlSecurityAlertPolicy(factory: ShapeFactory, serverId: string): JsonObject {
  const { rng } = factory;
  return {
    properties: {
      state: rng.chance(0.8) ? "Enabled" : "Disabled",
      disabledAlerts: [],
      emailAddresses: rng.chance(0.5) ? ["soc@contoso.com"] : [],
      emailAccountAdmins: rng.chance(0.5),
      storageEndpoint: "",
      retentionDays: 0,
      creationTime: factory.timestamp(2024),
    },
    id: `${serverId}/securityAlertPolicies/Default`,
    name: "Default",
    type: T.sqlSecurityAlertPolicy,
    systemData: factory.systemData(),
  };
}

/** A new firewall rule on one of the subscription's servers (none when it has no server). */
function firewallRuleOnSomeServer(factory: ShapeFactory, placement: Placement): JsonObject[] {
  const servers = factory.pools.get("sqlServer", placement.subscriptionId);
  if (servers.length === 0) return [];
  return [sqlFirewallRule(factory, String(factory.rng.pick(servers).id))];
}

/** What `ShapeFactory.build` makes for a security kind. */
export function buildSecurity(
  factory: ShapeFactory,
  kind: SecurityResourceKind,
  placement: Placement,
): JsonObject[] {
  switch (kind) {
    case "defenderPricing":
      return defenderPricings(factory, placement);
    case "securityContact":
      return [securityContact(factory, placement)];
    case "autoProvisioningSetting":
      return [autoProvisioningSetting(factory, placement)];
    case "securitySetting":
      return securitySettings(factory, placement);
    case "sqlServer":
      return sqlServerWithChildren(factory, placement);
    case "sqlFirewallRule":
      return firewallRuleOnSomeServer(factory, placement);
    // Singletons of a server: made with it, never on their own.
    case "sqlAuditingSetting":
    case "sqlSecurityAlertPolicy":
    case "sqlAzureADOnlyAuthentication":
      return [];
  }
}
