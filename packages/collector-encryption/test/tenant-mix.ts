/**
 * The generated tenant these tests collect: every encryption type, and the SQL servers, databases
 * and storage accounts through which the collector reaches its SQL and scope records.
 */
export const ENCRYPTION_MIX = {
  keyVault: 3,
  managedHsm: 1,
  diskEncryptionSet: 1,
  disk: 6,
  sqlServer: 2,
  sqlDatabase: 3,
  storageAccount: 3,
};
