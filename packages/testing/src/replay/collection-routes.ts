/**
 * Child list routes whose items are of another, deeper type. ARM lists a Recovery Services vault's
 * protected items at `/vaults/{vault}/backupProtectedItems`, though each item lives at
 * `/vaults/{vault}/backupFabrics/{fabric}/protectionContainers/{container}/protectedItems/{item}`
 * and says so in its `type`. Per route type (lower-cased): the type of the items it lists, found
 * anywhere under the parent.
 */
export const COLLECTION_ROUTES: Readonly<Record<string, string>> = {
  "microsoft.recoveryservices/vaults/backupprotecteditems":
    "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems",
};
