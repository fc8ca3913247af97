/**
 * The security domain's mutations: what people and pipelines change in Defender for Cloud, storage
 * accounts and SQL servers, each returning the changed paths in the report's syntax.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";
import type { Mutation } from "./mutate.js";
import type { SecurityResourceKind } from "./types-security.js";

/** The generic mutations of `mutate.ts` the security ones are built from (handed in: no import cycle). */
export interface MutationKit {
  changeField(path: string[], values: JsonValue[]): Mutation;
  addTag: Mutation;
}

function propertiesOf(resource: JsonObject): JsonObject {
  const value = resource.properties;
  return value && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : {};
}

function objectsOf(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value)
    ? (value.filter((item) => item && typeof item === "object" && !Array.isArray(item)) as JsonObject[])
    : [];
}

/** Standard → Free, as the portal does it: the sub-plan and extensions go with the paid tier. */
const downgradePlan: Mutation = (pricing) => {
  const properties = propertiesOf(pricing);
  if (properties.pricingTier !== "Standard") return undefined;
  const paths = ["properties.pricingTier"];
  properties.pricingTier = "Free";
  for (const field of ["subPlan", "extensions"]) {
    if (properties[field] !== undefined) paths.push(`properties.${field}`);
    delete properties[field];
  }
  return paths;
};

const LOWER_SUB_PLANS: Readonly<Record<string, string>> = {
  P2: "P1",
  DefenderForStorageV2: "PerTransaction",
  PerKeyVault: "PerTransaction",
  PerSubscription: "PerApiCall",
};

const lowerSubPlan: Mutation = (pricing) => {
  const properties = propertiesOf(pricing);
  const lower = LOWER_SUB_PLANS[String(properties.subPlan)];
  if (!lower) return undefined;
  properties.subPlan = lower;
  return "properties.subPlan";
};

const disableExtension: Mutation = (pricing, m) => {
  const extensions = objectsOf(propertiesOf(pricing).extensions).filter(
    (extension) => extension.isEnabled === "True" && !m.touched.has(String(extension.name)),
  );
  if (extensions.length === 0) return undefined;
  const extension = m.rng.pick(extensions);
  m.touched.add(String(extension.name));
  extension.isEnabled = "False";
  return `properties.extensions[name=${extension.name}].isEnabled`;
};

/** Customer-managed key → Microsoft-managed keys: the key vault reference goes away. */
const dropCustomerKey: Mutation = (account) => {
  const encryption = propertiesOf(account).encryption as JsonObject | undefined;
  if (encryption?.keySource !== "Microsoft.Keyvault") return undefined;
  encryption.keySource = "Microsoft.Storage";
  delete encryption.keyvaultproperties;
  return ["properties.encryption.keySource", "properties.encryption.keyvaultproperties"];
};

const removeEntraAdmin: Mutation = (server) => {
  const properties = propertiesOf(server);
  // A server without a SQL login cannot lose its Entra admin: ARM refuses it.
  if (!properties.administrators || !properties.administratorLogin) return undefined;
  delete properties.administrators;
  return "properties.administrators";
};

const widenFirewallRule: Mutation = (rule) => {
  const properties = propertiesOf(rule);
  if (properties.startIpAddress === "0.0.0.0") return undefined;
  properties.startIpAddress = "0.0.0.0";
  properties.endIpAddress = "255.255.255.255";
  return ["properties.endIpAddress", "properties.startIpAddress"];
};

/** The security mutations by kind, and those added to the shared storage account kind. */
export function securityMutations(kit: MutationKit): {
  kinds: Record<SecurityResourceKind, Mutation[]>;
  storageAccount: Mutation[];
} {
  const { changeField, addTag } = kit;
  return {
    storageAccount: [
      changeField(["properties", "publicNetworkAccess"], ["Disabled", "Enabled"]),
      changeField(["properties", "allowSharedKeyAccess"], [false, true]),
      dropCustomerKey,
    ],
    kinds: {
      defenderPricing: [downgradePlan, lowerSubPlan, disableExtension],
      securityContact: [
        changeField(["properties", "alertNotifications"], ["On", "Off"]),
        changeField(["properties", "alertsToAdmins"], ["On", "Off"]),
        changeField(["properties", "email"], ["secops@contoso.com", "it-helpdesk@contoso.com"]),
      ],
      autoProvisioningSetting: [changeField(["properties", "autoProvision"], ["On", "Off"])],
      securitySetting: [changeField(["properties", "enabled"], [true, false])],
      sqlServer: [
        changeField(["properties", "publicNetworkAccess"], ["Disabled", "Enabled"]),
        changeField(["properties", "minimalTlsVersion"], ["1.2", "1.0"]),
        removeEntraAdmin,
        addTag,
      ],
      sqlFirewallRule: [widenFirewallRule],
      sqlAuditingSetting: [changeField(["properties", "state"], ["Enabled", "Disabled"])],
      sqlSecurityAlertPolicy: [
        changeField(["properties", "state"], ["Enabled", "Disabled"]),
        changeField(["properties", "emailAccountAdmins"], [true, false]),
      ],
      sqlAzureADOnlyAuthentication: [changeField(["properties", "azureADOnlyAuthentication"], [true, false])],
    },
  };
}
