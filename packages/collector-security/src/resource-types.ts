import type { ResourceTypeDefinition } from "@azure-drift/core";

/** The ARM types the security collector emits, as ARM spells them. */
export const SECURITY_TYPES = {
  pricing: "Microsoft.Security/pricings",
  securityContact: "Microsoft.Security/securityContacts",
  autoProvisioningSetting: "Microsoft.Security/autoProvisioningSettings",
  setting: "Microsoft.Security/settings",
  storageAccount: "Microsoft.Storage/storageAccounts",
  sqlServer: "Microsoft.Sql/servers",
  sqlFirewallRule: "Microsoft.Sql/servers/firewallRules",
  sqlAuditingSetting: "Microsoft.Sql/servers/auditingSettings",
  sqlSecurityAlertPolicy: "Microsoft.Sql/servers/securityAlertPolicies",
  sqlEntraOnlyAuthentication: "Microsoft.Sql/servers/azureADOnlyAuthentications",
} as const;

/** Short name of a security resource type, e.g. `pricing`. */
export type SecurityResourceKind = keyof typeof SECURITY_TYPES;

/** The SQL server children read once per server. */
export const SQL_SERVER_CHILD_KINDS = [
  "sqlFirewallRule",
  "sqlAuditingSetting",
  "sqlSecurityAlertPolicy",
  "sqlEntraOnlyAuthentication",
] as const satisfies readonly SecurityResourceKind[];

/** A kind read once per SQL server. */
export type SqlServerChildKind = (typeof SQL_SERVER_CHILD_KINDS)[number];

// Storage services whose encryption is stamped with the time it was (re)enabled.
const STORAGE_SERVICES = ["blob", "file", "queue", "table"];

/**
 * The security types with their normalization hints. Arrays of objects are matched by `name` by
 * core's defaults (a plan's `extensions` included) and primitive arrays are sets, so hints list only
 * the exceptions.
 */
export const securityResourceTypes: Record<SecurityResourceKind, ResourceTypeDefinition> = {
  pricing: {
    type: SECURITY_TYPES.pricing,
    description: "Defender for Cloud plans: pricing tier, sub-plan, extensions and their settings",
    // Countdown, enablement stamp, coverage and extension status move without anyone changing the plan.
    volatile: [
      "properties.freeTrialRemainingTime",
      "properties.enablementTime",
      "properties.resourcesCoverageStatus",
      "properties.extensions.operationStatus",
    ],
  },
  securityContact: {
    type: SECURITY_TYPES.securityContact,
    description: "Defender for Cloud security contacts: who is told of alerts, and whether owners are",
  },
  autoProvisioningSetting: {
    type: SECURITY_TYPES.autoProvisioningSetting,
    description: "Defender for Cloud auto-provisioning of the monitoring agent",
  },
  setting: {
    type: SECURITY_TYPES.setting,
    description:
      "Defender for Cloud integrations: Defender for Endpoint (WDATP), Defender for Cloud Apps (MCAS), Sentinel alert sync",
  },
  storageAccount: {
    type: SECURITY_TYPES.storageAccount,
    description:
      "Storage accounts: public blob access, public network access and network rules, HTTPS only, minimum TLS, shared-key access, encryption key source",
    // Key stamps and the versioned key a customer-managed key resolves to rotate by themselves; the
    // endpoints' availability is health, not configuration.
    volatile: [
      "properties.keyCreationTime",
      ...STORAGE_SERVICES.map((service) => `properties.encryption.services.${service}.lastEnabledTime`),
      "properties.encryption.keyvaultproperties.currentVersionedKeyIdentifier",
      "properties.encryption.keyvaultproperties.lastKeyRotationTimestamp",
      "properties.encryption.keyvaultproperties.currentVersionedKeyExpirationTimestamp",
      "properties.statusOfPrimary",
      "properties.statusOfSecondary",
      "properties.lastGeoFailoverTime",
    ],
    keyedArrays: {
      "properties.networkAcls.ipRules": ["value"],
      "properties.networkAcls.resourceAccessRules": ["tenantId", "resourceId"],
    },
  },
  sqlServer: {
    type: SECURITY_TYPES.sqlServer,
    description:
      "SQL servers: public network access, minimal TLS version, outbound restriction, Entra administrator",
    // Mirrors the server's azureADOnlyAuthentications record, which is collected and rated itself.
    volatile: ["properties.administrators.azureADOnlyAuthentication"],
  },
  sqlFirewallRule: {
    type: SECURITY_TYPES.sqlFirewallRule,
    description: "SQL server firewall rules, the allow-Azure-services rule (0.0.0.0) included",
  },
  sqlAuditingSetting: {
    type: SECURITY_TYPES.sqlAuditingSetting,
    description: "SQL server auditing: state, destinations, retention, audited action groups",
    secrets: ["properties.storageAccountAccessKey"],
  },
  sqlSecurityAlertPolicy: {
    type: SECURITY_TYPES.sqlSecurityAlertPolicy,
    description: "SQL server security alert policies (Microsoft Defender for SQL threat detection)",
    // A stamp of when the policy was written, not a setting.
    volatile: ["properties.creationTime"],
    secrets: ["properties.storageAccountAccessKey"],
  },
  sqlEntraOnlyAuthentication: {
    type: SECURITY_TYPES.sqlEntraOnlyAuthentication,
    description: "SQL server Microsoft Entra-only authentication (SQL logins refused)",
  },
};
