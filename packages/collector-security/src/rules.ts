import type { JsonValue, RuleContext, SeverityRule } from "@azure-drift/core";
import { SECURITY_TYPES } from "./resource-types.js";

// --- reading configs (normalized ARM JSON) -------------------------------------------------------

function property(value: JsonValue | undefined, name: string): JsonValue | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return value[name];
}

function lower(value: JsonValue | undefined): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}

/** The SQL server a child setting belongs to, from its id (`…/servers/{server}/auditingSettings/Default`). */
function serverName(context: RuleContext): string {
  return /\/servers\/([^/]+)/i.exec(context.resourceId)?.[1] ?? context.resourceId;
}

/** A message about the server a child setting belongs to. */
const aboutServer =
  (sentence: (server: string, context: RuleContext) => string) =>
  (context: RuleContext): string =>
    sentence(serverName(context), context);

const ANY_ADDRESS = "0.0.0.0";
const LAST_ADDRESS = "255.255.255.255";

/** A SQL firewall rule whose range is every IPv4 address. */
export function opensSqlToInternet(rule: JsonValue | undefined): boolean {
  const properties = property(rule, "properties");
  return (
    property(properties, "startIpAddress") === ANY_ADDRESS &&
    property(properties, "endIpAddress") === LAST_ADDRESS
  );
}

/** The 0.0.0.0–0.0.0.0 rule ("Allow Azure services and resources to access this server"). */
export function allowsAzureServices(rule: JsonValue | undefined): boolean {
  const properties = property(rule, "properties");
  return (
    property(properties, "startIpAddress") === ANY_ADDRESS &&
    property(properties, "endIpAddress") === ANY_ADDRESS
  );
}

/**
 * Defender sub-plans by strength within their plan (higher protects more): VirtualMachines and Api
 * P1…P5, storage and key vault per-resource plans above per-transaction, Arm per subscription above
 * per API call.
 */
const SUB_PLAN_RANK: Readonly<Record<string, number>> = {
  p1: 1,
  p2: 2,
  p3: 3,
  p4: 4,
  p5: 5,
  pertransaction: 1,
  perstorageaccount: 2,
  defenderforstoragev2: 2,
  perkeyvault: 2,
  perapicall: 1,
  persubscription: 2,
};

function subPlanLowered(context: RuleContext): boolean {
  const before = SUB_PLAN_RANK[lower(context.before)];
  const after = SUB_PLAN_RANK[lower(context.after)];
  return before !== undefined && after !== undefined && after < before;
}

/** The Defender for Endpoint integration setting (`WDATP`), which the MDE plans depend on. */
function isEndpointIntegration(context: RuleContext): boolean {
  return /\/settings\/wdatp$/i.test(context.resourceId);
}

/** Audit logs kept fewer than 90 days (CIS): 0 means "forever", so 0 → 30 is a lowering. */
function auditRetentionBelow90(context: RuleContext): boolean {
  const before = typeof context.before === "number" ? context.before : 0;
  const after = context.after;
  return typeof after === "number" && after > 0 && after < 90 && (before === 0 || before >= 90);
}

const turnedOn = { after: { equals: true }, before: { notEquals: true } };
const turnedOff = { before: { equals: true }, after: { equals: false } };
const switchedOff = { before: { equals: "On" }, after: { equals: "Off" } };
const disabled = { before: { equals: "Enabled" }, after: { equals: "Disabled" } };

const T = SECURITY_TYPES;

// --- Defender for Cloud --------------------------------------------------------------------------

const defenderRules: SeverityRule[] = [
  {
    id: "security/defender-plan-downgraded",
    type: T.pricing,
    path: "properties.pricingTier",
    when: { before: { equals: "Standard" }, after: { notEquals: "Standard" } },
    severity: "high",
    message:
      "Defender for Cloud plan {name} was downgraded from Standard to {after}: its resources are no longer protected.",
    remediation:
      "Restore the plan: az security pricing create --name <plan> --tier Standard [--subplan <sub-plan>].",
  },
  {
    id: "security/defender-sub-plan-lowered",
    type: T.pricing,
    path: "properties.subPlan",
    when: subPlanLowered,
    severity: "medium",
    message: "Defender for Cloud plan {name} moved to the weaker sub-plan {after} (was {before}).",
    remediation:
      "Restore the sub-plan: az security pricing create --name <plan> --tier Standard --subplan <previous>.",
  },
  {
    id: "security/defender-extension-disabled",
    type: T.pricing,
    path: "properties.extensions[*].isEnabled",
    when: { before: { equals: "True" }, after: { equals: "False" } },
    severity: "medium",
    message: "Extension {element} of Defender for Cloud plan {name} was disabled.",
    remediation:
      "Re-enable it: az security pricing create --name <plan> --tier Standard --extensions name=<extension> isEnabled=True.",
  },
  {
    id: "security/defender-extension-removed",
    type: T.pricing,
    path: "properties.extensions[*]",
    when: (context) =>
      context.kind === "removed" &&
      lower(property(property(context.resourceAfter, "properties"), "pricingTier")) === "standard",
    severity: "medium",
    message: "Extension {element} is no longer part of Defender for Cloud plan {name}.",
    remediation:
      "Re-enable it: az security pricing create --name <plan> --tier Standard --extensions name=<extension> isEnabled=True.",
  },
  {
    id: "security/security-contact-removed",
    type: T.securityContact,
    when: { kind: "removed" },
    severity: "medium",
    message: "Security contact {name} was removed: Defender for Cloud alerts may reach no one.",
    remediation:
      "Add it back: az security contact create --name <name> --email <address> --alert-notifications on --alerts-admins on.",
  },
  {
    id: "security/security-contact-email-removed",
    type: T.securityContact,
    path: "properties.email",
    when: { kind: "removed" },
    severity: "medium",
    message: "Security contact {name} no longer has an email address: alerts reach no one.",
    remediation: "Set an address: az security contact update --name <name> --email <address>.",
  },
  {
    id: "security/alert-notifications-off",
    type: T.securityContact,
    path: "properties.alertNotifications",
    when: switchedOff,
    severity: "medium",
    message: "Security contact {name} no longer receives Defender for Cloud alert emails.",
    remediation: "Turn them back on: az security contact update --name <name> --alert-notifications on.",
  },
  {
    id: "security/alerts-to-admins-off",
    type: T.securityContact,
    path: "properties.alertsToAdmins",
    when: switchedOff,
    severity: "medium",
    message: "Subscription owners are no longer emailed Defender for Cloud alerts (contact {name}).",
    remediation: "Turn it back on: az security contact update --name <name> --alerts-admins on.",
  },
  {
    id: "security/auto-provisioning-off",
    type: T.autoProvisioningSetting,
    path: "properties.autoProvision",
    when: switchedOff,
    severity: "medium",
    message: "Defender for Cloud no longer provisions its monitoring agent on new machines.",
    remediation:
      "Turn it back on: az security auto-provisioning-setting update --name default --auto-provision On.",
  },
  {
    id: "security/wdatp-integration-off",
    type: T.setting,
    path: "properties.enabled",
    when: (context) => isEndpointIntegration(context) && context.before === true && context.after === false,
    severity: "high",
    message:
      "The Defender for Endpoint integration (WDATP) was turned off: servers lose endpoint detection and response.",
    remediation: "Turn it back on: az security setting update --name WDATP --enabled true.",
  },
  {
    id: "security/integration-off",
    type: T.setting,
    path: "properties.enabled",
    when: turnedOff,
    severity: "medium",
    message: "The Defender for Cloud integration {name} was turned off.",
    remediation: "Turn it back on: az security setting update --name <setting> --enabled true.",
  },
];

// --- Storage accounts ----------------------------------------------------------------------------

const storageRules: SeverityRule[] = [
  {
    id: "security/storage-blob-public-access-on",
    type: T.storageAccount,
    path: "properties.allowBlobPublicAccess",
    when: turnedOn,
    severity: "high",
    message: "Storage account {name} now allows anonymous public read access to containers and blobs.",
    remediation:
      "az storage account update --name <account> --resource-group <group> --allow-blob-public-access false",
  },
  {
    id: "security/storage-public-network-access-enabled",
    type: T.storageAccount,
    path: "properties.publicNetworkAccess",
    when: { after: { equals: "Enabled" }, before: { notEquals: "Enabled" } },
    severity: "high",
    message: "Storage account {name} now accepts traffic from public networks.",
    remediation:
      "az storage account update --name <account> --resource-group <group> --public-network-access Disabled (or restrict it with network rules)",
  },
  {
    id: "security/storage-network-default-allow",
    type: T.storageAccount,
    path: "properties.networkAcls.defaultAction",
    when: { before: { equals: "Deny" }, after: { equals: "Allow" } },
    severity: "high",
    message: "The storage firewall of {name} now allows every network by default.",
    remediation: "az storage account update --name <account> --resource-group <group> --default-action Deny",
  },
  {
    id: "security/storage-firewall-ip-rule-added",
    type: T.storageAccount,
    path: "properties.networkAcls.ipRules[*]",
    when: { kind: "added" },
    severity: "medium",
    message: "Storage account {name} now lets the address range {element} through its firewall.",
    remediation:
      "Check who needs it; remove it with az storage account network-rule remove --ip-address <range>.",
  },
  {
    id: "security/storage-min-tls-lowered",
    type: T.storageAccount,
    path: "properties.minimumTlsVersion",
    when: { lowered: ["TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"] },
    severity: "high",
    message: "Minimum TLS version of storage account {name} was lowered from {before} to {after}.",
    remediation:
      "az storage account update --name <account> --resource-group <group> --min-tls-version TLS1_2",
  },
  {
    id: "security/storage-https-only-off",
    type: T.storageAccount,
    path: "properties.supportsHttpsTrafficOnly",
    when: turnedOff,
    severity: "high",
    message: "Storage account {name} now accepts unencrypted HTTP traffic.",
    remediation: "az storage account update --name <account> --resource-group <group> --https-only true",
  },
  {
    id: "security/storage-shared-key-on",
    type: T.storageAccount,
    path: "properties.allowSharedKeyAccess",
    when: turnedOn,
    severity: "medium",
    message: "Storage account {name} now accepts account keys and SAS signed with them, not only Entra ID.",
    remediation:
      "az storage account update --name <account> --resource-group <group> --allow-shared-key-access false",
  },
  {
    id: "security/storage-customer-key-removed",
    type: T.storageAccount,
    path: "properties.encryption.keySource",
    when: { before: { equals: "Microsoft.Keyvault" }, after: { notEquals: "Microsoft.Keyvault" } },
    severity: "high",
    message:
      "Storage account {name} moved from a customer-managed key to Microsoft-managed keys: you no longer control or can revoke its encryption key.",
    remediation:
      "az storage account update --name <account> --resource-group <group> --encryption-key-source Microsoft.Keyvault --encryption-key-vault <uri> --encryption-key-name <key>",
  },
  {
    id: "security/storage-cross-tenant-replication-on",
    type: T.storageAccount,
    path: "properties.allowCrossTenantReplication",
    when: turnedOn,
    severity: "medium",
    message: "Storage account {name} now allows object replication to accounts in other tenants.",
    remediation:
      "az storage account update --name <account> --resource-group <group> --allow-cross-tenant-replication false",
  },
];

// --- SQL servers ---------------------------------------------------------------------------------

const sqlRules: SeverityRule[] = [
  {
    id: "security/sql-public-network-access-enabled",
    type: T.sqlServer,
    path: "properties.publicNetworkAccess",
    when: { after: { equals: "Enabled" }, before: { notEquals: "Enabled" } },
    severity: "high",
    message:
      "SQL server {name} now accepts connections from public networks (subject to its firewall rules).",
    remediation:
      "az sql server update --name <server> --resource-group <group> --enable-public-network false",
  },
  {
    id: "security/sql-min-tls-lowered",
    type: T.sqlServer,
    path: "properties.minimalTlsVersion",
    when: { lowered: ["None", "1.0", "1.1", "1.2", "1.3"] },
    severity: "high",
    message: "Minimum TLS version of SQL server {name} was lowered from {before} to {after}.",
    remediation: "az sql server update --name <server> --resource-group <group> --minimal-tls-version 1.2",
  },
  {
    id: "security/sql-entra-admin-removed",
    type: T.sqlServer,
    path: "properties.administrators",
    when: { kind: "removed" },
    severity: "medium",
    message:
      "SQL server {name} no longer has a Microsoft Entra administrator: only SQL logins can administer it.",
    remediation:
      "az sql server ad-admin create --server <server> --resource-group <group> --display-name <group> --object-id <id>",
  },
  {
    id: "security/sql-entra-admin-changed",
    type: T.sqlServer,
    path: "properties.administrators.sid",
    when: { kind: "changed" },
    severity: "medium",
    message: "The Microsoft Entra administrator of SQL server {name} is now another principal ({after}).",
    remediation:
      "Check the new administrator: az sql server ad-admin list --server <server> --resource-group <group>.",
  },
  {
    id: "security/sql-firewall-allows-internet",
    type: T.sqlFirewallRule,
    when: (context) => context.kind === "added" && opensSqlToInternet(context.after),
    severity: "critical",
    message: aboutServer(
      (server, context) =>
        `SQL firewall rule ${context.resourceId.slice(context.resourceId.lastIndexOf("/") + 1)} opens server ${server} to every IPv4 address (0.0.0.0–255.255.255.255).`,
    ),
    remediation:
      "az sql server firewall-rule delete --server <server> --resource-group <group> --name <rule>",
  },
  {
    id: "security/sql-firewall-widened-to-internet",
    type: T.sqlFirewallRule,
    path: "properties.*",
    when: (context) =>
      opensSqlToInternet(context.resourceAfter) && !opensSqlToInternet(context.resourceBefore),
    severity: "critical",
    message: "SQL firewall rule {name} now opens the server to every IPv4 address (0.0.0.0–255.255.255.255).",
    remediation:
      "Narrow it: az sql server firewall-rule update --server <server> --resource-group <group> --name <rule> --start-ip-address <a> --end-ip-address <b>",
  },
  {
    id: "security/sql-allow-azure-services-added",
    type: T.sqlFirewallRule,
    when: (context) => context.kind === "added" && allowsAzureServices(context.after),
    severity: "medium",
    message:
      "SQL server firewall now allows Azure services ({name}): any Azure resource, of any customer, can reach the server.",
    remediation:
      "Prefer private endpoints or named ranges: az sql server firewall-rule delete --server <server> --resource-group <group> --name AllowAllWindowsAzureIps",
  },
  {
    id: "security/sql-auditing-disabled",
    type: T.sqlAuditingSetting,
    path: "properties.state",
    when: disabled,
    severity: "high",
    message: aboutServer((server) => `Auditing of SQL server ${server} was disabled.`),
    remediation:
      "az sql server audit-policy update --name <server> --resource-group <group> --state Enabled (with a destination)",
  },
  {
    id: "security/sql-audit-retention-lowered",
    type: T.sqlAuditingSetting,
    path: "properties.retentionDays",
    when: auditRetentionBelow90,
    severity: "medium",
    message: aboutServer(
      (server, context) =>
        `SQL server ${server} now keeps its audit logs ${String(context.after)} days, fewer than 90.`,
    ),
    remediation:
      "az sql server audit-policy update --name <server> --resource-group <group> --retention-days 90",
  },
  {
    id: "security/sql-defender-disabled",
    type: T.sqlSecurityAlertPolicy,
    path: "properties.state",
    when: disabled,
    severity: "high",
    message: aboutServer(
      (server) => `Microsoft Defender for SQL threat detection of server ${server} was disabled.`,
    ),
    remediation:
      "az sql server threat-policy update --name <server> --resource-group <group> --state Enabled",
  },
  {
    id: "security/sql-defender-alert-disabled",
    type: T.sqlSecurityAlertPolicy,
    path: "properties.disabledAlerts",
    when: { kind: "added" },
    severity: "medium",
    message: aboutServer(
      (server, context) =>
        `Microsoft Defender for SQL on server ${server} no longer raises the ${String(context.after)} alert.`,
    ),
    remediation:
      "Re-enable it: az sql server threat-policy update --name <server> --resource-group <group> --disabled-alerts ''",
  },
  {
    id: "security/sql-entra-only-auth-off",
    type: T.sqlEntraOnlyAuthentication,
    path: "properties.azureADOnlyAuthentication",
    when: turnedOff,
    severity: "medium",
    message: aboutServer(
      (server) => `SQL server ${server} accepts SQL logins again, not only Microsoft Entra identities.`,
    ),
    remediation: "az sql server ad-only-auth enable --name <server> --resource-group <group>",
  },
];

/**
 * The security collector's severity rules, evaluated after the user's and before core's defaults.
 * Those on the paths core rates too (Defender plan downgrade, storage TLS/public access/HTTPS/shared
 * key, public network access, SQL minimum TLS, the SQL firewall rule open to the internet) replace
 * core's with the same severity and a remediation, or a finer reading.
 */
export const SECURITY_RULES: SeverityRule[] = [...defenderRules, ...storageRules, ...sqlRules];
