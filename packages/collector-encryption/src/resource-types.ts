import type { ResourceTypeDefinition } from "@azure-drift/core";

/** The ARM types the encryption collector emits, as ARM spells them. */
export const ENCRYPTION_TYPES = {
  keyVault: "Microsoft.KeyVault/vaults",
  key: "Microsoft.KeyVault/vaults/keys",
  managedHsm: "Microsoft.KeyVault/managedHSMs",
  diskEncryptionSet: "Microsoft.Compute/diskEncryptionSets",
  disk: "Microsoft.Compute/disks",
  sqlEncryptionProtector: "Microsoft.Sql/servers/encryptionProtector",
  sqlTransparentDataEncryption: "Microsoft.Sql/servers/databases/transparentDataEncryption",
  storageEncryptionScope: "Microsoft.Storage/storageAccounts/encryptionScopes",
} as const;

/** Short name of an encryption resource type, e.g. `disk`. */
export type EncryptionResourceKind = keyof typeof ENCRYPTION_TYPES;

/** Network rules of vaults and HSMs: IP rules are matched by their address range. */
const NETWORK_ACL_KEYS = { "properties.networkAcls.ipRules": ["value"] };

/**
 * The encryption types with their normalization hints. Arrays of objects are matched by `name` (else
 * `id`) by core's defaults and primitive arrays are sets, so hints list only the exceptions. What
 * Azure changes by itself (key rotation, a disk attached or detached) is volatile.
 */
export const encryptionResourceTypes: Record<EncryptionResourceKind, ResourceTypeDefinition> = {
  keyVault: {
    type: ENCRYPTION_TYPES.keyVault,
    description:
      "Key vaults: soft delete, purge protection, RBAC or access policies, public network access and firewall",
    keyedArrays: { "properties.accessPolicies": ["tenantId", "objectId"], ...NETWORK_ACL_KEYS },
  },
  key: {
    type: ENCRYPTION_TYPES.key,
    description:
      "Keys of key vaults, metadata only (ARM never returns key material): enabled, expiry, type and size, rotation policy",
    // A rotation makes a new version: new version URI and created/updated stamps; the policy's own stamps move too.
    volatile: [
      "properties.keyUriWithVersion",
      "properties.attributes.created",
      "properties.attributes.updated",
      "properties.rotationPolicy.attributes.created",
      "properties.rotationPolicy.attributes.updated",
    ],
  },
  managedHsm: {
    type: ENCRYPTION_TYPES.managedHsm,
    description: "Managed HSM pools: soft delete, purge protection, public network access and firewall",
    volatile: [
      "properties.statusMessage",
      "properties.securityDomainProperties.activationStatusMessage",
      "properties.scheduledPurgeDate",
    ],
    keyedArrays: NETWORK_ACL_KEYS,
  },
  diskEncryptionSet: {
    type: ENCRYPTION_TYPES.diskEncryptionSet,
    description: "Disk encryption sets: active key, encryption type, automatic key rotation",
    volatile: [
      "properties.lastKeyRotationTimestamp",
      "properties.previousKeys",
      "properties.autoKeyRotationError",
    ],
  },
  disk: {
    type: ENCRYPTION_TYPES.disk,
    description:
      "Managed disks: encryption type and disk encryption set, Azure Disk Encryption settings, network access policy, public network access",
    // Attach/detach and ownership are workload churn; creation and bursting stamps are not configuration.
    volatile: [
      "managedBy",
      "managedByExtended",
      "properties.diskState",
      "properties.LastOwnershipUpdateTime",
      "properties.lastOwnershipUpdateTime",
      "properties.timeCreated",
      "properties.burstingEnabledTime",
      "properties.propertyUpdatesInProgress",
      "properties.shareInfo",
    ],
    // Azure Disk Encryption settings have no key of their own: compared by position.
    orderedArrays: ["properties.encryptionSettingsCollection.encryptionSettings"],
  },
  sqlEncryptionProtector: {
    type: ENCRYPTION_TYPES.sqlEncryptionProtector,
    description:
      "The TDE protector of each SQL server: service-managed or a customer-managed key in Key Vault, auto rotation",
  },
  sqlTransparentDataEncryption: {
    type: ENCRYPTION_TYPES.sqlTransparentDataEncryption,
    description:
      "Transparent data encryption of each SQL database (record key ends in /transparentDataEncryption/current)",
  },
  storageEncryptionScope: {
    type: ENCRYPTION_TYPES.storageEncryptionScope,
    description:
      "Encryption scopes of storage accounts: Microsoft- or customer-managed key, state, infrastructure encryption",
    volatile: [
      "properties.lastModifiedTime",
      "properties.keyVaultProperties.currentVersionedKeyIdentifier",
      "properties.keyVaultProperties.lastKeyRotationTimestamp",
    ],
  },
};
