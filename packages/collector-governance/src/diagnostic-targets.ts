/**
 * The resources whose diagnostic settings the governance collector reads: the key resources the
 * other collectors see, found with one generic list of the subscription's resources.
 */

/** The resource types whose diagnostic settings are collected by default (besides the subscription's own). */
export const DEFAULT_DIAGNOSTIC_TARGETS: readonly string[] = [
  "Microsoft.KeyVault/vaults",
  "Microsoft.Network/networkSecurityGroups",
  "Microsoft.Storage/storageAccounts",
  "Microsoft.Sql/servers",
  "Microsoft.RecoveryServices/vaults",
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
