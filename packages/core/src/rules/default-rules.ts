import type { JsonValue } from "../model.js";
import type { RuleContext, SeverityRule } from "./types.js";

/** Sources that mean "anyone on the internet" in an NSG rule. */
const OPEN_SOURCES = new Set(["*", "internet", "0.0.0.0/0", "any", "::/0"]);
/** Ports whose exposure to the internet is critical: SSH and RDP. */
const MANAGEMENT_PORTS = [22, 3389];
/** The NSG rule fields whose change can open a rule; a description edit is not one of them. */
const NSG_OPENING_FIELDS = new Set([
  "access",
  "direction",
  "protocol",
  "sourceaddressprefix",
  "sourceaddressprefixes",
  "destinationportrange",
  "destinationportranges",
]);

const ROLE_OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const ROLE_CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const ROLE_USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
const PRIVILEGED_ROLES = new Set([ROLE_OWNER, ROLE_CONTRIBUTOR, ROLE_USER_ACCESS_ADMINISTRATOR]);

const TLS_SCALE = ["TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"];
const SQL_TLS_SCALE = ["1.0", "1.1", "1.2", "1.3"];

function asObject(value: JsonValue | undefined): Record<string, JsonValue> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

/** A property of an ARM object, read from `properties` (REST shape) or the top level (SDK's flattened shape). */
function property(resource: JsonValue | undefined, name: string): JsonValue | undefined {
  const object = asObject(resource);
  if (!object) return undefined;
  return asObject(object.properties)?.[name] ?? object[name];
}

function list(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function lower(value: JsonValue | undefined): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}

/** Whether a port spec (`22`, `20-25`, `*`) covers one of the management ports. */
function coversManagementPort(spec: JsonValue): boolean {
  const text = String(spec).trim();
  if (text === "*") return true;
  const [low, high = low] = text.split("-").map((part) => Number(part.trim()));
  if (low === undefined || high === undefined || Number.isNaN(low) || Number.isNaN(high)) return false;
  return MANAGEMENT_PORTS.some((port) => port >= low && port <= high);
}

/**
 * Whether an NSG security rule lets the internet reach SSH, RDP or every port: inbound, Allow,
 * from `*`/`Internet`/`0.0.0.0/0`/`Any`, to a port list or range that covers 22, 3389 or `*`.
 */
export function isOpenManagementRule(rule: JsonValue | undefined): boolean {
  if (!asObject(rule)) return false;
  if (lower(property(rule, "direction")) !== "inbound" || lower(property(rule, "access")) !== "allow")
    return false;
  if (lower(property(rule, "protocol")) === "icmp") return false;
  const sources = [
    ...list(property(rule, "sourceAddressPrefix")),
    ...list(property(rule, "sourceAddressPrefixes")),
  ];
  if (!sources.some((source) => OPEN_SOURCES.has(lower(source)))) return false;
  const ports = [
    ...list(property(rule, "destinationPortRange")),
    ...list(property(rule, "destinationPortRanges")),
  ];
  return ports.some(coversManagementPort);
}

/** The NSG rule a change is about was opened to the internet on a management port by this change. */
function nsgRuleOpened(context: RuleContext): boolean {
  const field = context.path.slice(context.path.lastIndexOf(".") + 1).toLowerCase();
  const isWholeRule = context.path.endsWith("]");
  if (!isWholeRule && !NSG_OPENING_FIELDS.has(field)) return false;
  return isOpenManagementRule(context.elementAfter) && !isOpenManagementRule(context.elementBefore);
}

function securityRulesOf(resource: JsonValue | undefined): JsonValue[] {
  return list(property(resource, "securityRules"));
}

/** A role assignment's role is Owner, Contributor or User Access Administrator. */
function isPrivilegedAssignment(resource: JsonValue | undefined): boolean {
  const roleDefinitionId = lower(property(resource, "roleDefinitionId"));
  return PRIVILEGED_ROLES.has(roleDefinitionId.slice(roleDefinitionId.lastIndexOf("/") + 1));
}

/**
 * The assignment's scope is a subscription, a management group or the root: it reaches everything
 * below. The scope is `properties.scope`, else the part of the id before `/providers/Microsoft.Authorization`.
 */
function isBroadScope(context: RuleContext): boolean {
  const id = context.resourceId.toLowerCase();
  const marker = id.lastIndexOf("/providers/microsoft.authorization/roleassignments/");
  const fromId = marker >= 0 ? id.slice(0, marker) || "/" : undefined;
  const declared = lower(property(context.after, "scope"));
  const scope = (declared || fromId || "").replace(/(.)\/+$/, "$1");
  return (
    scope === "/" ||
    /^\/subscriptions\/[^/]+$/.test(scope) ||
    /^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/.test(scope)
  );
}

const turnedOn = { after: { equals: true }, before: { notEquals: true } };
const turnedOff = { after: { equals: false }, before: { notEquals: false } };

/**
 * The severity rules core ships for the resource types of azure-drift's collectors. They are
 * evaluated after user and collector rules; override one by id (`overrides: { "core/…": "off" }`).
 */
export const defaultRules: SeverityRule[] = [
  // --- Network security groups -------------------------------------------------------------
  {
    id: "core/nsg-open-management-port",
    type: "Microsoft.Network/networkSecurityGroups",
    path: "properties.securityRules[*].**",
    when: nsgRuleOpened,
    severity: "critical",
    remediation:
      "Delete the rule or narrow its source to known addresses (Bastion or a VPN for SSH/RDP): az network nsg rule delete -g <group> --nsg-name <nsg> -n <rule>",
    message: "NSG rule {element} now allows inbound traffic from the internet to SSH, RDP or every port.",
  },
  {
    id: "core/nsg-created-open-management-port",
    type: "Microsoft.Network/networkSecurityGroups",
    when: (context) => context.kind === "added" && securityRulesOf(context.after).some(isOpenManagementRule),
    severity: "critical",
    remediation:
      "Delete or restrict the rules open to the internet on SSH/RDP: az network nsg rule list -g <group> --nsg-name <nsg> -o table, then az network nsg rule delete for each",
    message: "New NSG {name} allows inbound traffic from the internet to SSH, RDP or every port.",
  },
  {
    id: "core/nsg-rule-open-management-port",
    type: "Microsoft.Network/networkSecurityGroups/securityRules",
    path: "**",
    when: (context) =>
      isOpenManagementRule(context.resourceAfter) &&
      !isOpenManagementRule(context.resourceBefore) &&
      NSG_OPENING_FIELDS.has(context.path.slice(context.path.lastIndexOf(".") + 1).toLowerCase()),
    severity: "critical",
    remediation:
      "Narrow the rule's source to known addresses, or delete it: az network nsg rule update -g <group> --nsg-name <nsg> -n <rule> --source-address-prefixes <cidr>",
    message: "NSG rule {name} now allows inbound traffic from the internet to SSH, RDP or every port.",
  },
  {
    id: "core/nsg-rule-created-open-management-port",
    type: "Microsoft.Network/networkSecurityGroups/securityRules",
    when: (context) => context.kind === "added" && isOpenManagementRule(context.after),
    severity: "critical",
    remediation:
      "Delete the rule or narrow its source to known addresses: az network nsg rule delete -g <group> --nsg-name <nsg> -n <rule>",
    message: "New NSG rule {name} allows inbound traffic from the internet to SSH, RDP or every port.",
  },
  {
    id: "core/nsg-rule-added",
    type: "Microsoft.Network/networkSecurityGroups",
    path: "properties.securityRules[*]",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check who added the rule and why (az monitor activity-log list -g <group>); delete it if it was not approved.",
    message: "NSG rule {element} was added.",
  },
  {
    id: "core/nsg-rule-access-allow",
    type: "Microsoft.Network/networkSecurityGroups",
    path: "properties.securityRules[*].properties.access",
    when: { after: { equals: "Allow" }, before: { equals: "Deny" } },
    severity: "medium",
    remediation:
      "Switch the rule back to Deny unless the change was approved: az network nsg rule update -g <group> --nsg-name <nsg> -n <rule> --access Deny",
    message: "NSG rule {element} was switched from Deny to Allow.",
  },

  // --- Virtual networks and subnets ----------------------------------------------------------
  {
    id: "core/subnet-nsg-removed",
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*].properties.networkSecurityGroup.**",
    when: { kind: "removed" },
    severity: "high",
    remediation:
      "Attach the network security group again: az network vnet subnet update -g <group> --vnet-name <vnet> -n <subnet> --network-security-group <nsg>",
    message: "Subnet {element} no longer has a network security group.",
  },
  {
    id: "core/subnet-nsg-removed",
    type: "Microsoft.Network/virtualNetworks/subnets",
    path: "properties.networkSecurityGroup.**",
    when: { kind: "removed" },
    severity: "high",
    remediation:
      "Attach the network security group again: az network vnet subnet update -g <group> --vnet-name <vnet> -n <subnet> --network-security-group <nsg>",
    message: "Subnet {name} no longer has a network security group.",
  },
  {
    id: "core/subnet-nsg-replaced",
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*].properties.networkSecurityGroup.id",
    when: { kind: "changed" },
    severity: "medium",
    remediation:
      "Check that the new NSG's rules are as strict as the old one's, or attach the approved NSG again: az network vnet subnet update … --network-security-group <nsg>",
    message: "Subnet {element} now uses another network security group: {after}.",
  },
  {
    id: "core/subnet-route-table-removed",
    type: "Microsoft.Network/virtualNetworks",
    path: "properties.subnets[*].properties.routeTable.**",
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      "Attach the route table again so traffic goes through the firewall: az network vnet subnet update -g <group> --vnet-name <vnet> -n <subnet> --route-table <table>",
    message: "Subnet {element} no longer has a route table; its traffic may bypass the firewall.",
  },

  // --- Firewalls, WAF, public IPs --------------------------------------------------------------
  {
    id: "core/firewall-threat-intel-weakened",
    type: "Microsoft.Network/*",
    path: "properties.threatIntelMode",
    when: { lowered: ["Off", "Alert", "Deny"] },
    severity: "high",
    remediation:
      "Set threat intelligence back to Deny (or Alert): az network firewall policy update -g <group> -n <policy> --threat-intel-mode Deny",
    message: "Firewall threat intelligence mode was lowered from {before} to {after}.",
  },
  {
    id: "core/waf-detection-mode",
    type: "Microsoft.Network/*",
    path: "properties.**",
    when: (context) =>
      /(^|\.)(webApplicationFirewallConfiguration\.firewallMode|policySettings\.mode)$/i.test(context.path) &&
      lower(context.before) === "prevention" &&
      lower(context.after) === "detection",
    severity: "high",
    remediation:
      "Switch the WAF back to Prevention: az network application-gateway waf-policy update -g <group> -n <policy> --set policySettings.mode=Prevention",
    message:
      "The web application firewall no longer blocks attacks: mode changed from Prevention to Detection.",
  },
  {
    id: "core/waf-disabled",
    type: "Microsoft.Network/*",
    path: "properties.**",
    when: (context) =>
      /(^|\.)(webApplicationFirewallConfiguration\.enabled|policySettings\.state)$/i.test(context.path) &&
      (context.after === false || lower(context.after) === "disabled") &&
      context.before !== false &&
      lower(context.before) !== "disabled",
    severity: "high",
    remediation:
      "Enable the web application firewall again: az network application-gateway waf-policy update -g <group> -n <policy> --set policySettings.state=Enabled",
    message: "The web application firewall was disabled.",
  },
  {
    id: "core/public-ip-created",
    type: "Microsoft.Network/publicIPAddresses",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check that the public IP is approved and what it is attached to (az network public-ip show -g <group> -n <name>); delete it if not.",
    message: "Public IP address {name} was created.",
  },

  // --- Storage accounts --------------------------------------------------------------------------
  {
    id: "core/storage-min-tls-lowered",
    type: "Microsoft.Storage/storageAccounts",
    path: "properties.minimumTlsVersion",
    when: { lowered: TLS_SCALE },
    severity: "high",
    remediation:
      "Raise the minimum TLS version again: az storage account update -g <group> -n <account> --min-tls-version TLS1_2",
    message: "Minimum TLS version of storage account {name} was lowered from {before} to {after}.",
  },
  {
    id: "core/storage-blob-public-access-on",
    type: "Microsoft.Storage/storageAccounts",
    path: "properties.allowBlobPublicAccess",
    when: turnedOn,
    severity: "high",
    remediation:
      "Turn anonymous blob access off: az storage account update -g <group> -n <account> --allow-blob-public-access false",
    message: "Storage account {name} now allows anonymous public access to blobs.",
  },
  {
    id: "core/storage-https-only-off",
    type: "Microsoft.Storage/storageAccounts",
    path: "properties.supportsHttpsTrafficOnly",
    when: turnedOff,
    severity: "high",
    remediation: "Require HTTPS again: az storage account update -g <group> -n <account> --https-only true",
    message: "Storage account {name} now accepts unencrypted HTTP traffic.",
  },
  {
    id: "core/storage-shared-key-on",
    type: "Microsoft.Storage/storageAccounts",
    path: "properties.allowSharedKeyAccess",
    when: turnedOn,
    severity: "medium",
    remediation:
      "Turn shared key authorization off (use Entra ID): az storage account update -g <group> -n <account> --allow-shared-key-access false",
    message: "Storage account {name} now accepts shared key (account key) authorization.",
  },

  // --- Key vaults ---------------------------------------------------------------------------------
  {
    id: "core/keyvault-purge-protection-off",
    type: "Microsoft.KeyVault/vaults",
    path: "properties.enablePurgeProtection",
    when: { before: { equals: true }, after: { notEquals: true } },
    severity: "high",
    remediation:
      "Purge protection cannot be turned off once on: check that the vault was not deleted and recreated (az keyvault show -n <vault>), then az keyvault update -n <vault> --enable-purge-protection true",
    message: "Purge protection of key vault {name} is off: deleted keys and secrets can be purged at once.",
  },
  {
    id: "core/keyvault-soft-delete-off",
    type: "Microsoft.KeyVault/vaults",
    path: "properties.enableSoftDelete",
    when: turnedOff,
    severity: "high",
    remediation: "Turn soft delete on again: az keyvault update -n <vault> --enable-soft-delete true",
    message: "Soft delete of key vault {name} is off: deleted keys and secrets cannot be recovered.",
  },
  {
    id: "core/keyvault-rbac-off",
    type: "Microsoft.KeyVault/vaults",
    path: "properties.enableRbacAuthorization",
    when: turnedOff,
    severity: "medium",
    remediation:
      "Switch the vault back to Azure RBAC: az keyvault update -n <vault> --enable-rbac-authorization true",
    message: "Key vault {name} switched from Azure RBAC to access policies.",
  },
  {
    id: "core/keyvault-access-policy-added",
    type: "Microsoft.KeyVault/vaults",
    path: "properties.accessPolicies[*]",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check who the new access policy grants what (az keyvault show -n <vault> --query properties.accessPolicies); remove it with az keyvault delete-policy if not approved.",
    message: "An access policy was added to key vault {name}.",
  },

  // --- Any resource with public network settings --------------------------------------------------
  {
    id: "core/public-network-access-enabled",
    type: "*",
    path: "properties.publicNetworkAccess",
    when: { after: { equals: "Enabled" }, before: { notEquals: "Enabled" } },
    severity: "high",
    remediation:
      "Turn public network access off unless it was approved (for most services: az resource update --ids <id> --set properties.publicNetworkAccess=Disabled).",
    message: "{type} {name} now accepts traffic from public networks.",
  },
  {
    id: "core/network-acl-default-allow",
    type: "*",
    path: "properties.networkAcls.defaultAction",
    when: { after: { equals: "Allow" }, before: { equals: "Deny" } },
    severity: "high",
    remediation:
      "Make the firewall deny by default again: az resource update --ids <id> --set properties.networkAcls.defaultAction=Deny",
    message: "The network firewall of {name} now allows all networks by default.",
  },

  // --- SQL -------------------------------------------------------------------------------------------
  {
    id: "core/sql-min-tls-lowered",
    type: "Microsoft.Sql/servers",
    path: "properties.minimalTlsVersion",
    when: { lowered: SQL_TLS_SCALE },
    severity: "high",
    remediation:
      "Raise the minimum TLS version again: az sql server update -g <group> -n <server> --minimal-tls-version 1.2",
    message: "Minimum TLS version of SQL server {name} was lowered from {before} to {after}.",
  },
  {
    id: "core/sql-firewall-allows-internet",
    type: "Microsoft.Sql/servers/firewallRules",
    when: {
      kind: "added",
      after: {
        matches: { "properties.startIpAddress": "0.0.0.0", "properties.endIpAddress": "255.255.255.255" },
      },
    },
    severity: "critical",
    remediation:
      "Delete the rule and allow only known ranges: az sql server firewall-rule delete -g <group> -s <server> -n <rule>",
    message: "SQL firewall rule {name} allows the whole internet.",
  },

  // --- Identity ----------------------------------------------------------------------------------------
  {
    id: "core/privileged-role-assigned-broad-scope",
    type: "Microsoft.Authorization/roleAssignments",
    when: (context) =>
      context.kind === "added" && isPrivilegedAssignment(context.after) && isBroadScope(context),
    severity: "high",
    remediation:
      "Check the assignment is approved (az role assignment list --scope <scope> --role Owner); remove it with az role assignment delete --ids <id> if not, or make it eligible through PIM.",
    message:
      "Owner, Contributor or User Access Administrator was assigned at subscription or management group scope.",
  },
  {
    id: "core/privileged-role-assigned",
    type: "Microsoft.Authorization/roleAssignments",
    when: (context) => context.kind === "added" && isPrivilegedAssignment(context.after),
    severity: "medium",
    remediation:
      "Check the assignment is approved; remove it with az role assignment delete --ids <id> if not.",
    message: "Owner, Contributor or User Access Administrator was assigned on {after}.",
  },
  {
    id: "core/custom-role-wildcard-action",
    type: "Microsoft.Authorization/roleDefinitions",
    path: "properties.permissions[*].actions",
    when: { after: { some: "*" } },
    severity: "high",
    remediation:
      'Replace "*" by the actions the role needs: az role definition update --role-definition <file.json>',
    message: "Custom role {name} now grants every action (*).",
  },
  {
    id: "core/federated-credential-added",
    type: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check the issuer and subject it trusts (az identity federated-credential show -g <group> --identity-name <identity> -n <name>); delete it if not approved.",
    message: "A federated credential {name} now lets an external identity act as a managed identity.",
  },
  {
    id: "core/deny-assignment-removed",
    type: "Microsoft.Authorization/denyAssignments",
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      "Deny assignments come from managed applications and deployment stacks: redeploy the stack or application that created it.",
    message: "Deny assignment {name} was removed.",
  },

  // --- Defender, governance, backup ---------------------------------------------------------------------
  {
    id: "core/defender-plan-downgraded",
    type: "Microsoft.Security/pricings",
    path: "properties.pricingTier",
    when: { before: { equals: "Standard" }, after: { notEquals: "Standard" } },
    severity: "high",
    remediation: "Put the plan back on Standard: az security pricing create -n <plan> --tier standard",
    message: "Defender for Cloud plan {name} was downgraded from Standard to {after}.",
  },
  {
    id: "core/lock-removed",
    type: "Microsoft.Authorization/locks",
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      "Create the lock again: az lock create -n <lock> --lock-type CanNotDelete -g <group> (or --resource for a resource)",
    message: "Management lock {name} was removed.",
  },
  {
    id: "core/policy-assignment-removed",
    type: "Microsoft.Authorization/policyAssignments",
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      "Assign the policy again from your policy-as-code source, or az policy assignment create --name <name> --policy <definition> --scope <scope>",
    message: "Policy assignment {name} was removed.",
  },
  {
    id: "core/policy-not-enforced",
    type: "Microsoft.Authorization/policyAssignments",
    path: "properties.enforcementMode",
    when: { before: { notEquals: "DoNotEnforce" }, after: { equals: "DoNotEnforce" } },
    severity: "medium",
    remediation:
      "Enforce the assignment again: az policy assignment update --name <name> --scope <scope> --enforcement-mode Default",
    message: "Policy assignment {name} is no longer enforced.",
  },
  {
    id: "core/diagnostic-setting-removed",
    type: "Microsoft.Insights/diagnosticSettings",
    when: { kind: "removed" },
    severity: "medium",
    remediation:
      'Create the diagnostic setting again: az monitor diagnostic-settings create --resource <id> -n <name> --workspace <workspace> --logs \'[{"categoryGroup":"allLogs","enabled":true}]\'',
    message: "Diagnostic setting {name} was removed: logs may no longer be collected.",
  },
  {
    id: "core/backup-soft-delete-off",
    type: "Microsoft.RecoveryServices/vaults",
    path: "properties.securitySettings.softDeleteSettings.softDeleteState",
    when: { before: { in: ["Enabled", "AlwaysON"] }, after: { equals: "Disabled" } },
    severity: "high",
    remediation:
      "Turn soft delete on again: az backup vault backup-properties set -g <group> -n <vault> --soft-delete-feature-state Enable",
    message: "Soft delete of Recovery Services vault {name} was disabled.",
  },
  {
    id: "core/backup-immutability-off",
    type: "Microsoft.RecoveryServices/vaults",
    path: "properties.securitySettings.immutabilitySettings.state",
    when: { before: { in: ["Unlocked", "Locked"] }, after: { equals: "Disabled" } },
    severity: "high",
    remediation:
      "Enable immutability again (and lock it once verified): az backup vault update -g <group> -n <vault> --immutability-state Unlocked",
    message: "Immutability of Recovery Services vault {name} was disabled.",
  },
];
