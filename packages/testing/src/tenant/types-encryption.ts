/**
 * The encryption domain's generated types: keys of key vaults, managed HSMs, disk encryption sets,
 * disks, SQL databases (its TDE's parents) and the encryption children of SQL servers, databases and
 * storage accounts. Key vaults, storage accounts and SQL servers are shared kinds (`types.ts`,
 * `types-security.ts`).
 */

/** ARM types of the encryption domain the generator knows, by short name. */
export const ENCRYPTION_RESOURCE_TYPES = {
  keyVaultKey: "Microsoft.KeyVault/vaults/keys",
  managedHsm: "Microsoft.KeyVault/managedHSMs",
  diskEncryptionSet: "Microsoft.Compute/diskEncryptionSets",
  disk: "Microsoft.Compute/disks",
  sqlDatabase: "Microsoft.Sql/servers/databases",
  sqlEncryptionProtector: "Microsoft.Sql/servers/encryptionProtector",
  sqlTransparentDataEncryption: "Microsoft.Sql/servers/databases/transparentDataEncryption",
  storageEncryptionScope: "Microsoft.Storage/storageAccounts/encryptionScopes",
} as const;

/** Short name of an encryption type. */
export type EncryptionResourceKind = keyof typeof ENCRYPTION_RESOURCE_TYPES;

/**
 * Their weights in the default mix. Children come with their parents (a vault's keys, a server's
 * protector, a database's TDE, an account's scopes), on top of the requested count: a weight above
 * 0 makes more of them on their own.
 */
export const ENCRYPTION_MIX: Readonly<Record<EncryptionResourceKind, number>> = {
  keyVaultKey: 0,
  managedHsm: 1,
  diskEncryptionSet: 2,
  disk: 12,
  sqlDatabase: 5,
  sqlEncryptionProtector: 0,
  sqlTransparentDataEncryption: 0,
  storageEncryptionScope: 0,
};

/** Settings that exist exactly once per parent: changed, never created or deleted on their own. */
export const ENCRYPTION_MODIFY_ONLY_KINDS: readonly EncryptionResourceKind[] = [
  "sqlEncryptionProtector",
  "sqlTransparentDataEncryption",
];

/** Encryption types generated with their parent, on top of the requested count. */
export const ENCRYPTION_UNCOUNTED_TYPES: readonly string[] = [
  ENCRYPTION_RESOURCE_TYPES.keyVaultKey,
  ENCRYPTION_RESOURCE_TYPES.sqlEncryptionProtector,
  ENCRYPTION_RESOURCE_TYPES.sqlTransparentDataEncryption,
  ENCRYPTION_RESOURCE_TYPES.storageEncryptionScope,
];

/** The encryption collector's types. */
export const ENCRYPTION_TYPES: readonly string[] = [
  "Microsoft.KeyVault/vaults",
  ENCRYPTION_RESOURCE_TYPES.keyVaultKey,
  ENCRYPTION_RESOURCE_TYPES.managedHsm,
  ENCRYPTION_RESOURCE_TYPES.diskEncryptionSet,
  ENCRYPTION_RESOURCE_TYPES.disk,
  ENCRYPTION_RESOURCE_TYPES.sqlEncryptionProtector,
  ENCRYPTION_RESOURCE_TYPES.sqlTransparentDataEncryption,
  ENCRYPTION_RESOURCE_TYPES.storageEncryptionScope,
];
