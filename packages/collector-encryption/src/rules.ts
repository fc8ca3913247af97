import type { JsonValue, RuleContext, SeverityRule } from "@azure-drift/core";
import { ENCRYPTION_TYPES } from "./resource-types.js";

/** Disk encryption types that use a customer-managed key (through a disk encryption set). */
const CUSTOMER_KEY_DISK_TYPES = [
  "EncryptionAtRestWithCustomerKey",
  "EncryptionAtRestWithPlatformAndCustomerKeys",
];

const VAULT = ENCRYPTION_TYPES.keyVault;
const HSM = ENCRYPTION_TYPES.managedHsm;

function asObject(value: JsonValue | undefined): Record<string, JsonValue> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

/** A field of an ARM object's `properties`. */
function prop(resource: JsonValue | undefined, name: string): JsonValue | undefined {
  return asObject(asObject(resource)?.properties)?.[name];
}

/** Whether a key's rotation policy rotates it (a `rotate` lifetime action). */
function rotates(key: JsonValue | undefined): boolean {
  const actions = asObject(prop(key, "rotationPolicy"))?.lifetimeActions;
  return (
    Array.isArray(actions) &&
    actions.some((action) => String(asObject(asObject(action)?.action)?.type).toLowerCase() === "rotate")
  );
}

/** The name after `segment` in an ARM id (`servers` → the server's name), or "?" when absent. */
function nameAfter(id: string, segment: string): string {
  const parts = id.split("/");
  const at = parts.findIndex((part) => part.toLowerCase() === segment.toLowerCase());
  return at >= 0 ? (parts[at + 1] ?? "?") : "?";
}

function rotationStopped(context: RuleContext): boolean {
  return rotates(context.resourceBefore) && !rotates(context.resourceAfter);
}

/** A vault or HSM created (or re-created under the same id) without `flag` set. */
function createdWithout(flag: string): (context: RuleContext) => boolean {
  return (context) => context.kind === "added" && prop(context.after, flag) !== true;
}

const wasOn = { before: { equals: true }, after: { notEquals: true } };
const openedToPublic = { after: { equals: "Enabled" }, before: { notEquals: "Enabled" } };
const defaultAllow = { after: { equals: "Allow" }, before: { notEquals: "Allow" } };

/** The rules shared by key vaults and managed HSMs: soft delete, purge protection, network exposure. */
function vaultRules(type: string, id: string, what: string, update: string): SeverityRule[] {
  return [
    {
      id: `encryption/${id}-created-without-soft-delete`,
      type,
      when: createdWithout("enableSoftDelete"),
      severity: "critical",
      message: `${what} {name} was created (or re-created) without soft delete: a deletion is immediate and final.`,
      remediation: `Soft delete cannot be switched on later: re-create the ${what} with soft delete (the default) and move its keys.`,
    },
    {
      id: `encryption/${id}-created-without-purge-protection`,
      type,
      when: createdWithout("enablePurgeProtection"),
      severity: "high",
      message: `${what} {name} was created (or re-created) without purge protection: its keys can be purged at once.`,
      remediation: `${update} --enable-purge-protection true`,
    },
    {
      id: `encryption/${id}-soft-delete-off`,
      type,
      path: "properties.enableSoftDelete",
      when: wasOn,
      severity: "critical",
      message: `Soft delete of ${what} {name} is off (it cannot be switched off in place: the ${what} was re-created).`,
      remediation: `Re-create the ${what} with soft delete on and check who deleted the previous one (activity log).`,
    },
    {
      id: `encryption/${id}-purge-protection-off`,
      type,
      path: "properties.enablePurgeProtection",
      when: wasOn,
      severity: "high",
      message: `Purge protection of ${what} {name} is off (it cannot be switched off in place: the ${what} was re-created).`,
      remediation: `${update} --enable-purge-protection true`,
    },
    {
      id: `encryption/${id}-public-network-access-enabled`,
      type,
      path: "properties.publicNetworkAccess",
      when: openedToPublic,
      severity: "high",
      message: `${what} {name} now accepts traffic from public networks.`,
      remediation: `${update} --public-network-access Disabled`,
    },
    {
      id: `encryption/${id}-network-default-allow`,
      type,
      path: "properties.networkAcls.defaultAction",
      when: defaultAllow,
      severity: "high",
      message: `The firewall of ${what} {name} now allows all networks by default.`,
      remediation: `${update} --default-action Deny`,
    },
  ];
}

/**
 * The severity rules of the encryption domain, evaluated before core's defaults (they replace core's
 * key vault soft-delete/purge-protection and public-network rules for vaults, HSMs and disks with
 * ones that say what to do).
 */
export const encryptionRules: SeverityRule[] = [
  // --- Key vaults and managed HSMs -----------------------------------------------------------------
  ...vaultRules(VAULT, "keyvault", "key vault", "az keyvault update -g <group> -n <name>"),
  ...vaultRules(HSM, "managed-hsm", "managed HSM", "az keyvault update-hsm -g <group> --hsm-name <name>"),
  {
    id: "encryption/keyvault-removed",
    type: VAULT,
    when: { kind: "removed" },
    severity: "medium",
    message: "Key vault {name} was deleted: what its keys encrypt becomes unreadable unless it is recovered.",
    remediation:
      "az keyvault recover -n <name> (within the soft-delete retention), then check who deleted it.",
  },

  // --- Keys ---------------------------------------------------------------------------------------------
  {
    id: "encryption/key-rotation-policy-removed",
    type: ENCRYPTION_TYPES.key,
    path: "properties.rotationPolicy.**",
    when: rotationStopped,
    severity: "medium",
    message:
      "Key {name} no longer rotates automatically: its rotation policy was removed or lost its rotate action.",
    remediation:
      "az keyvault key rotation-policy update --vault-name <vault> -n <name> --value <policy.json>",
  },
  {
    id: "encryption/key-expiry-removed",
    type: ENCRYPTION_TYPES.key,
    path: "properties.attributes.exp",
    when: { kind: "removed" },
    severity: "medium",
    message: "Key {name} no longer has an expiry date.",
    remediation: "az keyvault key set-attributes --vault-name <vault> -n <name> --expires <date>",
  },
  {
    id: "encryption/key-expiry-changed",
    type: ENCRYPTION_TYPES.key,
    path: "properties.attributes.exp",
    when: { kind: "changed" },
    severity: "info",
    message: "The expiry of key {name} moved (a new key version, or a new expiry set).",
    remediation: "Nothing to do if the key was rotated; otherwise check who changed its expiry.",
  },
  {
    id: "encryption/key-removed",
    type: ENCRYPTION_TYPES.key,
    when: { kind: "removed" },
    severity: "medium",
    message: "Key {name} was deleted: data encrypted with it becomes unreadable unless it is recovered.",
    remediation: "az keyvault key recover --vault-name <vault> -n <name> (within the soft-delete retention)",
  },

  // --- Disk encryption sets and disks ---------------------------------------------------------------
  {
    id: "encryption/disk-encryption-set-rotation-off",
    type: ENCRYPTION_TYPES.diskEncryptionSet,
    path: "properties.rotationToLatestKeyVersionEnabled",
    when: wasOn,
    severity: "medium",
    message: "Disk encryption set {name} no longer follows its key's latest version.",
    remediation: "az disk-encryption-set update -g <group> -n <name> --enable-auto-key-rotation true",
  },
  {
    id: "encryption/disk-platform-key",
    type: ENCRYPTION_TYPES.disk,
    path: "properties.encryption.type",
    when: { before: { in: CUSTOMER_KEY_DISK_TYPES }, after: { notIn: CUSTOMER_KEY_DISK_TYPES } },
    severity: "high",
    message: "Disk {name} moved from a customer-managed key to a platform-managed key ({after}).",
    remediation:
      "az disk update -g <group> -n <name> --encryption-type EncryptionAtRestWithCustomerKey --disk-encryption-set <set-id>",
  },
  {
    id: "encryption/disk-encryption-set-removed",
    type: ENCRYPTION_TYPES.disk,
    path: "properties.encryption.diskEncryptionSetId",
    when: { kind: "removed" },
    severity: "high",
    message: "Disk {name} no longer uses a disk encryption set (customer-managed key).",
    remediation:
      "az disk update -g <group> -n <name> --encryption-type EncryptionAtRestWithCustomerKey --disk-encryption-set <set-id>",
  },
  {
    id: "encryption/disk-encryption-set-replaced",
    type: ENCRYPTION_TYPES.disk,
    path: "properties.encryption.diskEncryptionSetId",
    when: { kind: "changed" },
    severity: "medium",
    message: "Disk {name} now uses another disk encryption set: {after}.",
    remediation: "Check that the new set's key is in a vault you control.",
  },
  {
    id: "encryption/disk-network-access-allow-all",
    type: ENCRYPTION_TYPES.disk,
    path: "properties.networkAccessPolicy",
    when: { after: { equals: "AllowAll" }, before: { notEquals: "AllowAll" } },
    severity: "high",
    message:
      "Disk {name} can now be exported (SAS) from any network: network access policy {before} → AllowAll.",
    remediation: "az disk update -g <group> -n <name> --network-access-policy DenyAll",
  },
  {
    id: "encryption/disk-public-network-access-enabled",
    type: ENCRYPTION_TYPES.disk,
    path: "properties.publicNetworkAccess",
    when: openedToPublic,
    severity: "high",
    message: "Disk {name} can now be imported or exported over public networks.",
    remediation: "az disk update -g <group> -n <name> --public-network-access Disabled",
  },
  {
    id: "encryption/disk-ade-disabled",
    type: ENCRYPTION_TYPES.disk,
    path: "properties.encryptionSettingsCollection.enabled",
    when: wasOn,
    severity: "medium",
    message: "Azure Disk Encryption was turned off for disk {name}.",
    remediation: "az vm encryption enable -g <group> -n <vm> --disk-encryption-keyvault <vault>",
  },

  // --- SQL ------------------------------------------------------------------------------------------
  {
    id: "encryption/sql-protector-service-managed",
    type: ENCRYPTION_TYPES.sqlEncryptionProtector,
    path: "properties.serverKeyType",
    when: { before: { equals: "AzureKeyVault" }, after: { notEquals: "AzureKeyVault" } },
    severity: "high",
    message:
      "The TDE protector of SQL server {id} moved from a customer-managed key to a service-managed key.",
    remediation:
      "az sql server tde-key set -g <group> -s <server> --server-key-type AzureKeyVault --kid <key-uri>",
  },
  {
    id: "encryption/sql-protector-auto-rotation-off",
    type: ENCRYPTION_TYPES.sqlEncryptionProtector,
    path: "properties.autoRotationEnabled",
    when: wasOn,
    severity: "medium",
    message: (context) =>
      `The TDE protector of SQL server ${nameAfter(context.resourceId, "servers")} no longer follows its key's latest version.`,
    remediation:
      "az sql server tde-key set -g <group> -s <server> --server-key-type AzureKeyVault --kid <key-uri> --auto-rotation-enabled true",
  },
  {
    id: "encryption/sql-tde-disabled",
    type: ENCRYPTION_TYPES.sqlTransparentDataEncryption,
    path: "properties.state",
    when: { before: { equals: "Enabled" }, after: { notEquals: "Enabled" } },
    severity: "high",
    message: (context) =>
      `Transparent data encryption was disabled on database ${nameAfter(context.resourceId, "databases")} of SQL server ${nameAfter(context.resourceId, "servers")}.`,
    remediation: "az sql db tde set -g <group> -s <server> -d <database> --status Enabled",
  },

  // --- Storage encryption scopes ----------------------------------------------------------------------
  {
    id: "encryption/scope-microsoft-managed-key",
    type: ENCRYPTION_TYPES.storageEncryptionScope,
    path: "properties.source",
    when: { before: { equals: "Microsoft.KeyVault" }, after: { notEquals: "Microsoft.KeyVault" } },
    severity: "high",
    message:
      "Encryption scope {id} moved from a customer-managed key (Key Vault) to a Microsoft-managed key.",
    remediation:
      "az storage account encryption-scope update -g <group> --account-name <account> -n <name> --key-source Microsoft.KeyVault --key-uri <key-uri>",
  },
];
