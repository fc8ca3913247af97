/**
 * The resources whose diagnostic settings the governance collector reads: the key resources the
 * other collectors see, found with one generic list of the subscription's resources.
 */

/**
 * The resource types whose diagnostic settings are collected by default (besides the subscription's
 * own): key vaults (their audit trail) and Recovery Services vaults (backup jobs and alerts). Each
 * costs one request per resource, so the numerous types whose settings say less are left to
 * {@link EXTENDED_DIAGNOSTIC_TARGETS}.
 */
export const DEFAULT_DIAGNOSTIC_TARGETS: readonly string[] = [
  "Microsoft.KeyVault/vaults",
  "Microsoft.RecoveryServices/vaults",
];

/**
 * The defaults plus NSGs (event and rule-counter logs) and storage accounts (account-level metrics;
 * their logs are set on the blob, file, queue and table services): pass as `diagnosticTargets` when
 * the request budget allows one more read per NSG and storage account.
 */
export const EXTENDED_DIAGNOSTIC_TARGETS: readonly string[] = [
  ...DEFAULT_DIAGNOSTIC_TARGETS,
  "Microsoft.Network/networkSecurityGroups",
  "Microsoft.Storage/storageAccounts",
];

const ARM_TYPE = /^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+\/[A-Za-z0-9]+$/;

/** Whether `type` is a top-level ARM type such as `Microsoft.KeyVault/vaults`. */
export function isTopLevelType(type: string): boolean {
  return ARM_TYPE.test(type);
}

/** The `$filter` of the generic resources list for these types. */
export function resourceTypeFilter(types: readonly string[]): string {
  return types.map((type) => `resourceType eq '${type}'`).join(" or ");
}
