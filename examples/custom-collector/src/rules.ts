import type { JsonObject, JsonValue, SeverityRule } from "@azure-drift/core";
import { STORAGE_ACCOUNT_TYPE } from "./resource-types.js";

function asObject(value: JsonValue | undefined): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

function lower(value: JsonValue | undefined): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}

/**
 * Whether a storage account (ARM JSON) accepts traffic from every network: public network access is
 * not disabled (absent means enabled) and its firewall allows by default.
 */
export function isOpenToAllNetworks(account: JsonObject | undefined): boolean {
  const properties = asObject(account?.properties);
  if (!properties) return false;
  const networkAcls = asObject(properties.networkAcls);
  return (
    lower(properties.publicNetworkAccess) !== "disabled" &&
    // No firewall configured at all means every network is allowed.
    (networkAcls === undefined || lower(networkAcls.defaultAction) === "allow")
  );
}

/**
 * The severity rules of the example collector. They run after the user's rules and before core's
 * defaults, which already rate `minimumTlsVersion` lowered, `allowBlobPublicAccess` turned on,
 * HTTPS-only turned off and shared key access turned on for storage accounts: these rules add what
 * those do not see.
 */
export const storageRules: SeverityRule[] = [
  {
    // A function predicate: it needs the rest of the account, not just the changed field. When it does
    // not hold, core's `core/storage-blob-public-access-on` (high) rates the same change.
    id: "example-storage/anonymous-blob-access-open-network",
    type: STORAGE_ACCOUNT_TYPE,
    path: "properties.allowBlobPublicAccess",
    when: (context) =>
      context.after === true && context.before !== true && isOpenToAllNetworks(context.resourceAfter),
    severity: "critical",
    remediation:
      "Turn anonymous blob access off and restrict networks: az storage account update -g <group> -n <account> --allow-blob-public-access false --default-action Deny",
    message:
      "Storage account {name} now allows anonymous blob access and accepts traffic from every network.",
  },
  {
    // A data predicate: the same shape a JSON rules file uses.
    id: "example-storage/cross-tenant-replication-on",
    type: STORAGE_ACCOUNT_TYPE,
    path: "properties.allowCrossTenantReplication",
    when: { after: { equals: true }, before: { notEquals: true } },
    severity: "high",
    remediation:
      "Turn cross-tenant replication off: az storage account update -g <group> -n <account> --allow-cross-tenant-replication false",
    message: "Storage account {name} may now replicate its blobs to accounts in other Entra tenants.",
  },
  {
    // An element of a keyed array: `{element}` is its key, here the IP range.
    id: "example-storage/firewall-ip-range-added",
    type: STORAGE_ACCOUNT_TYPE,
    path: "properties.networkAcls.ipRules[*]",
    when: { kind: "added" },
    severity: "medium",
    remediation:
      "Check the new IP range is approved; remove it with az storage account network-rule remove -g <group> --account-name <account> --ip-address <range>",
    message: "IP range {element} can now reach storage account {name} through its firewall.",
  },
];
