/**
 * The security domain's generated types: Defender for Cloud's subscription settings and SQL servers
 * with the children the security collector reads per server. Storage accounts are a shared kind
 * (`storageAccount` in `types.ts`).
 */

/** ARM types of the security domain the generator knows, by short name. */
export const SECURITY_RESOURCE_TYPES = {
  defenderPricing: "Microsoft.Security/pricings",
  securityContact: "Microsoft.Security/securityContacts",
  autoProvisioningSetting: "Microsoft.Security/autoProvisioningSettings",
  securitySetting: "Microsoft.Security/settings",
  sqlServer: "Microsoft.Sql/servers",
  sqlFirewallRule: "Microsoft.Sql/servers/firewallRules",
  sqlAuditingSetting: "Microsoft.Sql/servers/auditingSettings",
  sqlSecurityAlertPolicy: "Microsoft.Sql/servers/securityAlertPolicies",
  sqlAzureADOnlyAuthentication: "Microsoft.Sql/servers/azureADOnlyAuthentications",
} as const;

/** Short name of a security type. */
export type SecurityResourceKind = keyof typeof SECURITY_RESOURCE_TYPES;

/**
 * Their weights in the default mix. SQL servers are counted like any resource; their children come
 * with them and Defender's settings come once per subscription, both on top of the requested count
 * (a weight above 0 only switches them on).
 */
export const SECURITY_MIX: Readonly<Record<SecurityResourceKind, number>> = {
  defenderPricing: 1,
  securityContact: 1,
  autoProvisioningSetting: 1,
  securitySetting: 1,
  sqlServer: 3,
  sqlFirewallRule: 0,
  sqlAuditingSetting: 0,
  sqlSecurityAlertPolicy: 0,
  sqlAzureADOnlyAuthentication: 0,
};

/** Defender for Cloud's settings: one set per subscription, generated when their weight is above 0. */
export const SUBSCRIPTION_SECURITY_KINDS: readonly SecurityResourceKind[] = [
  "defenderPricing",
  "securityContact",
  "autoProvisioningSetting",
  "securitySetting",
];

/** Children generated with their SQL server, never counted on their own. */
export const SQL_SERVER_CHILD_KINDS: readonly SecurityResourceKind[] = [
  "sqlFirewallRule",
  "sqlAuditingSetting",
  "sqlSecurityAlertPolicy",
  "sqlAzureADOnlyAuthentication",
];

/**
 * Kinds that exist exactly once per parent or per subscription and can only be changed, never
 * created or deleted on their own (a Defender plan is set to Free, not deleted; a server always
 * has its auditing settings).
 */
export const SECURITY_MODIFY_ONLY_KINDS: readonly SecurityResourceKind[] = [
  "defenderPricing",
  "autoProvisioningSetting",
  "securitySetting",
  "sqlAuditingSetting",
  "sqlSecurityAlertPolicy",
  "sqlAzureADOnlyAuthentication",
];

/** The security collector's types. */
export const SECURITY_TYPES: readonly string[] = [
  ...Object.values(SECURITY_RESOURCE_TYPES),
  "Microsoft.Storage/storageAccounts",
];

/** Security types generated with their parent or once per subscription, on top of the requested count. */
export const SECURITY_UNCOUNTED_TYPES: readonly string[] = [
  ...SUBSCRIPTION_SECURITY_KINDS,
  ...SQL_SERVER_CHILD_KINDS,
].map((kind) => SECURITY_RESOURCE_TYPES[kind]);
