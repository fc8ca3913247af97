export { type ActivityCaller, activityEvent, activityLogOf, recordActivity } from "./activity-log.js";
export { demoDrift, demoTenant } from "./demo.js";
export { type DriftSummary, summarizeDrift, summarizeTruth } from "./drift-summary.js";
export { type GenerateTenantOptions, generateTenant } from "./generate.js";
export { type Churn, type MutateTenantOptions, type MutationResult, mutateTenant } from "./mutate.js";
export { BUILT_IN_ROLES } from "./shapes.js";
export {
  ACTIVITY_LOG_CATEGORIES,
  BUILT_IN_BENCHMARK_INITIATIVE,
  BUILT_IN_POLICIES,
} from "./shapes-governance.js";
export { ALLOW_AZURE_SERVICES_RULE } from "./shapes-security.js";
export type { ParsedArmId, Tenant, TenantManagementGroup, TenantSubscription } from "./tenant.js";
export {
  cloneTenant,
  createTenant,
  parseArmId,
  putResource,
  ResourceMap,
  removeResource,
  resourcesOf,
} from "./tenant.js";
export type { ResourceKind, TruthChange } from "./types.js";
export {
  BACKUP_TYPES,
  DEFAULT_MIX,
  FIREWALL_POLICY_RULE_COLLECTION_GROUPS,
  filterTruth,
  GOVERNANCE_TYPES,
  IDENTITY_TYPES,
  NETWORK_TYPES,
  RESOURCE_TYPES,
  UNCOUNTED_TYPES,
} from "./types.js";
export type { EncryptionResourceKind } from "./types-encryption.js";
export { ENCRYPTION_RESOURCE_TYPES, ENCRYPTION_TYPES } from "./types-encryption.js";
export type { SecurityResourceKind } from "./types-security.js";
export { SECURITY_RESOURCE_TYPES, SECURITY_TYPES } from "./types-security.js";
