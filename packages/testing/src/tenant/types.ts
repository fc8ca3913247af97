import { ENCRYPTION_MIX, ENCRYPTION_RESOURCE_TYPES, ENCRYPTION_UNCOUNTED_TYPES } from "./types-encryption.js";
import { SECURITY_MIX, SECURITY_RESOURCE_TYPES, SECURITY_UNCOUNTED_TYPES } from "./types-security.js";

/** The ARM resource types the synthetic tenant generator knows, by short name. */
export const RESOURCE_TYPES = {
  networkSecurityGroup: "Microsoft.Network/networkSecurityGroups",
  virtualNetwork: "Microsoft.Network/virtualNetworks",
  routeTable: "Microsoft.Network/routeTables",
  publicIpAddress: "Microsoft.Network/publicIPAddresses",
  firewallPolicy: "Microsoft.Network/firewallPolicies",
  azureFirewall: "Microsoft.Network/azureFirewalls",
  applicationGateway: "Microsoft.Network/applicationGateways",
  privateEndpoint: "Microsoft.Network/privateEndpoints",
  userAssignedIdentity: "Microsoft.ManagedIdentity/userAssignedIdentities",
  federatedIdentityCredential:
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
  storageAccount: "Microsoft.Storage/storageAccounts",
  keyVault: "Microsoft.KeyVault/vaults",
  roleDefinition: "Microsoft.Authorization/roleDefinitions",
  roleAssignment: "Microsoft.Authorization/roleAssignments",
  denyAssignment: "Microsoft.Authorization/denyAssignments",
  ...SECURITY_RESOURCE_TYPES,
  policyDefinition: "Microsoft.Authorization/policyDefinitions",
  policySetDefinition: "Microsoft.Authorization/policySetDefinitions",
  policyAssignment: "Microsoft.Authorization/policyAssignments",
  policyExemption: "Microsoft.Authorization/policyExemptions",
  managementLock: "Microsoft.Authorization/locks",
  diagnosticSetting: "Microsoft.Insights/diagnosticSettings",
  activityLogAlert: "Microsoft.Insights/activityLogAlerts",
  recoveryServicesVault: "Microsoft.RecoveryServices/vaults",
  backupPolicy: "Microsoft.RecoveryServices/vaults/backupPolicies",
  backupProtectedItem: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
  backupStorageConfig: "Microsoft.RecoveryServices/vaults/backupstorageconfig",
  backupEncryptionConfig: "Microsoft.RecoveryServices/vaults/backupEncryptionConfigs",
  backupResourceGuardProxy: "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies",
  blobService: "Microsoft.Storage/storageAccounts/blobServices",
  fileService: "Microsoft.Storage/storageAccounts/fileServices",
  ...ENCRYPTION_RESOURCE_TYPES,
} as const;

/** Short name of a generated resource type. */
export type ResourceKind = keyof typeof RESOURCE_TYPES;

/** Child resources of firewall policies, generated with them (not a kind of their own). */
export const FIREWALL_POLICY_RULE_COLLECTION_GROUPS =
  "Microsoft.Network/firewallPolicies/ruleCollectionGroups";

/**
 * Types generated with their parent (a firewall policy's rule collection groups, a SQL server's
 * firewall rules and settings) or once per subscription (Defender for Cloud's settings): they come
 * on top of the count `generateTenant` is asked for.
 */
export const UNCOUNTED_TYPES: readonly string[] = [
  FIREWALL_POLICY_RULE_COLLECTION_GROUPS,
  ...SECURITY_UNCOUNTED_TYPES,
  // A vault's backup children, a storage account's blob and file services.
  RESOURCE_TYPES.backupPolicy,
  RESOURCE_TYPES.backupProtectedItem,
  RESOURCE_TYPES.backupStorageConfig,
  RESOURCE_TYPES.backupEncryptionConfig,
  RESOURCE_TYPES.backupResourceGuardProxy,
  RESOURCE_TYPES.blobService,
  RESOURCE_TYPES.fileService,
  ...ENCRYPTION_UNCOUNTED_TYPES,
];

/** The network collector's types. */
export const NETWORK_TYPES: readonly string[] = [
  RESOURCE_TYPES.networkSecurityGroup,
  RESOURCE_TYPES.virtualNetwork,
  RESOURCE_TYPES.routeTable,
  RESOURCE_TYPES.publicIpAddress,
  RESOURCE_TYPES.firewallPolicy,
  FIREWALL_POLICY_RULE_COLLECTION_GROUPS,
  RESOURCE_TYPES.azureFirewall,
  RESOURCE_TYPES.applicationGateway,
  RESOURCE_TYPES.privateEndpoint,
];

/** The identity collector's types. */
export const IDENTITY_TYPES: readonly string[] = [
  RESOURCE_TYPES.roleAssignment,
  RESOURCE_TYPES.roleDefinition,
  RESOURCE_TYPES.denyAssignment,
  RESOURCE_TYPES.userAssignedIdentity,
  RESOURCE_TYPES.federatedIdentityCredential,
];

/** The governance collector's types. */
export const GOVERNANCE_TYPES: readonly string[] = [
  RESOURCE_TYPES.policyDefinition,
  RESOURCE_TYPES.policySetDefinition,
  RESOURCE_TYPES.policyAssignment,
  RESOURCE_TYPES.policyExemption,
  RESOURCE_TYPES.managementLock,
  RESOURCE_TYPES.diagnosticSetting,
  RESOURCE_TYPES.activityLogAlert,
];

/** The backup collector's types. */
export const BACKUP_TYPES: readonly string[] = [
  RESOURCE_TYPES.recoveryServicesVault,
  RESOURCE_TYPES.backupPolicy,
  RESOURCE_TYPES.backupProtectedItem,
  RESOURCE_TYPES.backupStorageConfig,
  RESOURCE_TYPES.backupEncryptionConfig,
  RESOURCE_TYPES.backupResourceGuardProxy,
  RESOURCE_TYPES.blobService,
  RESOURCE_TYPES.fileService,
];

/**
 * The default mix of generated types (relative weights), roughly what a landing-zone
 * subscription holds.
 */
export const DEFAULT_MIX: Readonly<Record<ResourceKind, number>> = {
  networkSecurityGroup: 16,
  virtualNetwork: 8,
  routeTable: 6,
  publicIpAddress: 8,
  firewallPolicy: 1,
  azureFirewall: 1,
  applicationGateway: 2,
  privateEndpoint: 6,
  userAssignedIdentity: 6,
  federatedIdentityCredential: 5,
  storageAccount: 10,
  keyVault: 6,
  roleDefinition: 2,
  roleAssignment: 20,
  denyAssignment: 1,
  ...SECURITY_MIX,
  policyDefinition: 1,
  policySetDefinition: 1,
  policyAssignment: 3,
  policyExemption: 1,
  managementLock: 2,
  diagnosticSetting: 3,
  activityLogAlert: 1,
  recoveryServicesVault: 2,
  // Made with their vault or storage account (see shapes-backup.ts), never on their own by default.
  backupPolicy: 0,
  backupProtectedItem: 0,
  backupStorageConfig: 0,
  backupEncryptionConfig: 0,
  backupResourceGuardProxy: 0,
  blobService: 0,
  fileService: 0,
  ...ENCRYPTION_MIX,
};

/**
 * One resource's drift as the mutator made it, as the collectors see it: the ground truth a drift
 * report is compared with. Besides the tenant's own resources it covers the records a collector
 * derives from them: the built-in role definitions the identity collector records per subscription
 * enter and leave with the first and last assignment to them there.
 */
export interface TruthChange {
  /** Lower-cased ARM id. */
  key: string;
  /** ARM id as served. */
  id: string;
  type: string;
  /** Lower-cased subscription id, absent for tenant-level resources. */
  subscriptionId?: string;
  status: "added" | "removed" | "modified";
  /**
   * For `modified`: the changed paths in the report's syntax (see `FieldChange.path`), sorted,
   * e.g. `properties.securityRules[name=AllowSsh]` (a rule inserted or removed),
   * `properties.securityRules[name=AllowSsh].properties.access` (a field changed),
   * `properties.addressSpace.addressPrefixes` (a set element added or removed), `tags.owner`.
   * Empty for `added` and `removed`.
   */
  paths: string[];
}

/** Keeps the truth about some resource types only (the ones a collector collects), by ARM type, any case. */
export function filterTruth(changes: readonly TruthChange[], types: readonly string[]): TruthChange[] {
  const wanted = new Set(types.map((type) => type.toLowerCase()));
  return changes.filter((change) => wanted.has(change.type.toLowerCase()));
}
