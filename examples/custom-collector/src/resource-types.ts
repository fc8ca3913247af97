import type { ResourceTypeDefinition } from "@azure-drift/core";

/** The ARM type this collector emits, as ARM spells it. */
export const STORAGE_ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts";

/**
 * Storage accounts with their normalization hints. Core's defaults already drop `etag`,
 * `provisioningState`, `systemData.lastModified*` and the accounts' `statusOfPrimary`/`statusOfSecondary`,
 * match arrays of objects by `name` (else `id`) and compare other arrays as sets; these hints
 * cover only what those defaults get wrong for this type.
 */
export const storageAccountType: ResourceTypeDefinition = {
  type: STORAGE_ACCOUNT_TYPE,
  description:
    "Storage accounts: public blob access, TLS, shared key access, network firewall, cross-tenant replication",
  // Every key rotation restamps these: routine operations, not a change of configuration.
  volatile: ["properties.keyCreationTime", "properties.encryption.services.*.lastEnabledTime"],
  // Firewall IP rules have neither `name` nor `id`: without a key core compares them as a set of whole
  // objects, so a change shows at `properties.networkAcls.ipRules` with no element to name in the path,
  // and no rule on `ipRules[*]` can match it. Keyed, an added range is `ipRules[value=192.0.2.0/24]`.
  keyedArrays: {
    "properties.networkAcls.ipRules": ["value"],
    "properties.networkAcls.resourceAccessRules": ["tenantId", "resourceId"],
  },
  // No `secrets`: this listing never returns account keys (they come from listKeys, which a drift
  // collector must not call). A field that can carry one would be listed here, to be redacted before hashing.
};
