/**
 * The bundled demo tenant `azure-drift demo` runs on, and the story of its drift: what a
 * newcomer sees without an Azure account.
 */
import type { JsonObject } from "@azure-drift/core";
import { builtInRoleChanges, referencedBuiltIns } from "./built-in-truth.js";
import { Random } from "./random.js";
import {
  BUILT_IN_ROLES,
  builtInRoleDefinitions,
  kindOfType,
  type Placement,
  ResourcePools,
  ShapeFactory,
} from "./shapes.js";
import { createTenant, parseArmId, putResource, type Tenant } from "./tenant.js";
import type { ResourceKind, TruthChange } from "./types.js";

const DEMO_TENANT_ID = "72f988bf-0000-4000-8000-00000000de00";
const PRODUCTION = "1c6f0e57-0000-4000-8000-000000000001";
const SHARED = "1c6f0e57-0000-4000-8000-000000000002";

/**
 * Renames a freshly built resource: its id, its name, every id under it and its host names
 * (`https://name.`), in it and in the children built with it (a vault's keys, a server's protector).
 */
function rename(built: JsonObject[], resource: JsonObject, name: string): JsonObject[] {
  const oldId = String(resource.id);
  const newId = `${oldId.slice(0, oldId.lastIndexOf("/") + 1)}${name}`;
  const oldHost = `//${String(resource.name)}.`;
  return built.map((item) => {
    const text = JSON.stringify(item).split(oldId).join(newId).split(oldHost).join(`//${name}.`);
    const renamed = JSON.parse(text) as JsonObject;
    if (item === resource) renamed.name = name;
    return renamed;
  });
}

/** Builds a resource of `kind` named `name` and adds it to the tenant. */
function add(
  tenant: Tenant,
  factory: ShapeFactory,
  pools: ResourcePools,
  kind: ResourceKind,
  placement: Placement,
  name?: string,
  edit?: (resource: JsonObject) => void,
): JsonObject {
  let built = factory.build(kind, placement);
  const main = built.find((item) => kindOfType(String(item.type)) === kind);
  if (main && name) built = rename(built, main, name);
  let made: JsonObject | undefined;
  for (const resource of built) {
    edit?.(resource);
    putResource(tenant, resource);
    const madeKind = kindOfType(String(resource.type));
    if (madeKind) pools.add(madeKind, placement.subscriptionId, resource);
    if (kindOfType(String(resource.type)) === kind) made = resource;
  }
  return made as JsonObject;
}

/**
 * A small, fixed tenant for demos: two subscriptions ("Contoso Production" and "Contoso Shared
 * Services") with a few dozen network and identity resources, storage accounts, key vaults and
 * their keys, a disk encryption set and a disk, a SQL server with a database, Defender for
 * Cloud's settings of production, and their governance: a custom policy and an assignment, locks,
 * diagnostic settings, an activity-log alert.
 * Always the same.
 */
export function demoTenant(): Tenant {
  const rng = new Random("azure-drift demo");
  const tenant = createTenant({
    tenantId: DEMO_TENANT_ID,
    subscriptions: [
      { subscriptionId: PRODUCTION, displayName: "Contoso Production", state: "Enabled" },
      { subscriptionId: SHARED, displayName: "Contoso Shared Services", state: "Enabled" },
    ],
    resources: builtInRoleDefinitions(),
  });
  const pools = new ResourcePools();
  const factory = new ShapeFactory(rng, DEMO_TENANT_ID, pools, (key) => tenant.resources.has(key));
  const web: Placement = { subscriptionId: PRODUCTION, resourceGroup: "rg-web", location: "westeurope" };
  const data: Placement = { subscriptionId: PRODUCTION, resourceGroup: "rg-data", location: "westeurope" };
  const network: Placement = {
    subscriptionId: PRODUCTION,
    resourceGroup: "rg-network",
    location: "westeurope",
  };
  const hub: Placement = { subscriptionId: SHARED, resourceGroup: "rg-hub", location: "westeurope" };
  const identity: Placement = {
    subscriptionId: SHARED,
    resourceGroup: "rg-identity",
    location: "westeurope",
  };
  const put = (
    kind: ResourceKind,
    placement: Placement,
    name?: string,
    edit?: (resource: JsonObject) => void,
  ) => add(tenant, factory, pools, kind, placement, name, edit);

  put("networkSecurityGroup", network, "nsg-web-frontend");
  put("networkSecurityGroup", network, "nsg-app-backend");
  put("networkSecurityGroup", network, "nsg-data");
  put("routeTable", network, "rt-spoke-egress");
  put("routeTable", network, "rt-legacy-egress");
  put("publicIpAddress", web, "pip-agw-web");
  put("virtualNetwork", network, "vnet-prod-spoke", (vnet) => {
    const properties = vnet.properties as JsonObject;
    const prefix = `/subscriptions/${PRODUCTION}/resourceGroups/rg-network/providers/Microsoft.Network`;
    const subnet = (name: string, cidr: string, nsg: string, routeTable?: string): JsonObject => ({
      name,
      id: `${vnet.id}/subnets/${name}`,
      etag: factory.etag(),
      type: "Microsoft.Network/virtualNetworks/subnets",
      properties: {
        provisioningState: "Succeeded",
        addressPrefix: cidr,
        networkSecurityGroup: { id: `${prefix}/networkSecurityGroups/${nsg}` },
        ...(routeTable ? { routeTable: { id: `${prefix}/routeTables/${routeTable}` } } : {}),
        serviceEndpoints: [],
        delegations: [],
        privateEndpointNetworkPolicies: "Disabled",
        privateLinkServiceNetworkPolicies: "Enabled",
      },
    });
    properties.addressSpace = { addressPrefixes: ["10.20.0.0/16"] };
    properties.subnets = [
      subnet("snet-web", "10.20.1.0/24", "nsg-web-frontend", "rt-spoke-egress"),
      subnet("snet-app", "10.20.2.0/24", "nsg-app-backend", "rt-spoke-egress"),
      subnet("snet-data", "10.20.3.0/24", "nsg-data"),
    ];
  });
  put("applicationGateway", web, "agw-web");
  const dataAccount = put("storageAccount", data, undefined);
  // Blob soft delete on in production: the demo's drift turns it off.
  const dataBlobs = tenant.resources.get(
    `${String(dataAccount.id)}/blobServices/default`.toLowerCase(),
  ) as JsonObject;
  ((dataBlobs.properties as JsonObject).deleteRetentionPolicy as JsonObject).enabled = true;
  put("recoveryServicesVault", data, "rsv-prod-backup", (resource) => {
    if (resource.type !== "Microsoft.RecoveryServices/vaults") return;
    const settings = (resource.properties as JsonObject).securitySettings as JsonObject;
    settings.immutabilitySettings = { state: "Unlocked" };
  });
  put("keyVault", data, "kv-prod-secrets");
  const des = put("diskEncryptionSet", data, "des-prod-data");
  put("disk", data, "disk-sql-data01", (disk) => {
    const properties = disk.properties as JsonObject;
    properties.encryption = { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: String(des.id) };
  });
  put("sqlServer", data, "sql-prod-orders");
  put("sqlDatabase", data, "db-orders");
  put("privateEndpoint", data, "pe-kv-prod-secrets");
  put("userAssignedIdentity", web, "id-checkout-api");
  put("roleDefinition", { ...web, resourceGroup: "" });
  for (let i = 0; i < 5; i++) put("roleAssignment", i < 2 ? web : data);

  put("networkSecurityGroup", hub, "nsg-hub-mgmt");
  put("routeTable", hub, "rt-hub-gateway");
  put("publicIpAddress", hub, "pip-afw-hub");
  put("virtualNetwork", hub, "vnet-hub");
  put("firewallPolicy", hub, "afwp-hub");
  put("azureFirewall", hub, "afw-hub");
  put("storageAccount", hub, undefined);
  put("keyVault", hub, "kv-shared-platform");
  put("userAssignedIdentity", identity, "id-platform-deploy");
  put("federatedIdentityCredential", identity, "fic-github-platform");
  for (let i = 0; i < 4; i++) put("roleAssignment", i < 2 ? hub : identity);
  put("denyAssignment", identity);

  // Defender for Cloud in production, and the data tier's SQL server with its firewall and settings.
  const production: Placement = { subscriptionId: PRODUCTION, resourceGroup: "", location: "" };
  put("defenderPricing", production, undefined, (pricing) => {
    if (pricing.name !== "VirtualMachines") return;
    pricing.properties = {
      pricingTier: "Standard",
      subPlan: "P2",
      freeTrialRemainingTime: "PT0S",
      enablementTime: "2025-03-02T09:14:27.1920000Z",
      enforce: "False",
      resourcesCoverageStatus: "FullyCovered",
      extensions: [
        { name: "AgentlessVmScanning", isEnabled: "True" },
        { name: "MdeDesignatedSubscription", isEnabled: "False" },
      ],
    };
  });
  put("securityContact", production);
  put("autoProvisioningSetting", production);
  put("securitySetting", production);
  put("sqlServer", data, "sql-orders", (resource) => {
    if (resource.type === "Microsoft.Sql/servers/auditingSettings") {
      Object.assign(resource.properties as JsonObject, {
        state: "Enabled",
        isAzureMonitorTargetEnabled: true,
        auditActionsAndGroups: [
          "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
          "FAILED_DATABASE_AUTHENTICATION_GROUP",
        ],
      });
    }
  });
  // Governance: the production subscription's guardrails, locks, activity-log export and alert.
  put("policyDefinition", data, "contoso-storage-tls");
  put("policyAssignment", data, "deny-public-network");
  put("managementLock", data, "do-not-delete-data");
  put("diagnosticSetting", data, "activity-to-law");
  put("diagnosticSetting", data, "diag-prod");
  put("activityLogAlert", web, "alert-policy-changes");
  put("diagnosticSetting", hub, "activity-to-law");
  put("managementLock", hub, "do-not-delete-hub");
  return tenant;
}

function find(tenant: Tenant, type: string, name: string): JsonObject {
  for (const resource of tenant.resources.values()) {
    if (String(resource.type).toLowerCase() === type.toLowerCase() && resource.name === name) return resource;
  }
  throw new Error(`demoDrift: ${type} ${name} is not in the tenant; was it made by demoTenant()?`);
}

function truth(resource: JsonObject, status: TruthChange["status"], paths: string[] = []): TruthChange {
  const key = String(resource.id).toLowerCase();
  const { subscriptionId } = parseArmId(key);
  return {
    key,
    id: String(resource.id),
    type: String(resource.type),
    ...(subscriptionId ? { subscriptionId } : {}),
    status,
    paths,
  };
}

/**
 * The demo's story, applied in place to a tenant made by {@link demoTenant}: a rule opening SSH to
 * the internet, a subnet losing its NSG, a WAF switched to detection only, an Owner assignment
 * at subscription scope, a federated credential added to a managed identity, Defender for servers
 * downgraded to Free, a SQL server's auditing disabled, transparent data encryption switched off on
 * a production database, a route table deleted, a policy assignment set to DoNotEnforce, a delete
 * lock removed, a backup vault's immutability switched off, blob soft delete turned off; plus an
 * etag-only change that is not drift. Returns the ground truth as the collectors
 * see it, sorted by key: it includes Owner's definition `added` in the production subscription
 * (`/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`), since the
 * identity collector records the built-in roles a subscription's assignments reference.
 */
export function demoDrift(tenant: Tenant): TruthChange[] {
  const rng = new Random("azure-drift demo drift");
  const changes: TruthChange[] = [];
  const builtInsBefore = referencedBuiltIns(tenant);

  const nsg = find(tenant, "Microsoft.Network/networkSecurityGroups", "nsg-web-frontend");
  const nsgProperties = nsg.properties as JsonObject;
  nsgProperties.securityRules = [
    {
      name: "Allow-SSH-Internet",
      id: `${nsg.id}/securityRules/Allow-SSH-Internet`,
      etag: `W/"${rng.guid()}"`,
      type: "Microsoft.Network/networkSecurityGroups/securityRules",
      properties: {
        provisioningState: "Succeeded",
        description: "temporary: debug the web tier",
        protocol: "Tcp",
        sourcePortRange: "*",
        destinationPortRange: "22",
        sourceAddressPrefix: "*",
        destinationAddressPrefix: "*",
        access: "Allow",
        priority: 100 - 1,
        direction: "Inbound",
        sourcePortRanges: [],
        destinationPortRanges: [],
        sourceAddressPrefixes: [],
        destinationAddressPrefixes: [],
      },
    },
    ...(nsgProperties.securityRules as JsonObject[]),
  ];
  nsg.etag = `W/"${rng.guid()}"`;
  changes.push(truth(nsg, "modified", ["properties.securityRules[name=Allow-SSH-Internet]"]));

  const vnet = find(tenant, "Microsoft.Network/virtualNetworks", "vnet-prod-spoke");
  const dataSubnet = ((vnet.properties as JsonObject).subnets as JsonObject[]).find(
    (subnet) => subnet.name === "snet-data",
  );
  if (dataSubnet) delete (dataSubnet.properties as JsonObject).networkSecurityGroup;
  changes.push(
    truth(vnet, "modified", ["properties.subnets[name=snet-data].properties.networkSecurityGroup"]),
  );

  const gateway = find(tenant, "Microsoft.Network/applicationGateways", "agw-web");
  ((gateway.properties as JsonObject).webApplicationFirewallConfiguration as JsonObject).firewallMode =
    "Detection";
  changes.push(truth(gateway, "modified", ["properties.webApplicationFirewallConfiguration.firewallMode"]));

  const pools = new ResourcePools();
  const factory = new ShapeFactory(rng, tenant.tenantId, pools, (key) => tenant.resources.has(key));
  const owner = factory.roleAssignment(
    { subscriptionId: PRODUCTION, resourceGroup: "rg-web", location: "westeurope" },
    { scope: "subscription", roleGuid: BUILT_IN_ROLES.Owner, principalType: "User" },
  );
  putResource(tenant, owner);
  changes.push(truth(owner, "added"));

  const checkout = find(tenant, "Microsoft.ManagedIdentity/userAssignedIdentities", "id-checkout-api");
  const [credential] = factory.federatedIdentityCredential(
    { subscriptionId: PRODUCTION, resourceGroup: "rg-web", location: "westeurope" },
    checkout,
  );
  if (credential) {
    (credential.properties as JsonObject).subject = "repo:someone-else/fork:ref:refs/heads/main";
    putResource(tenant, credential);
    changes.push(truth(credential, "added"));
  }

  // Defender for servers switched to Free in production (its sub-plan and extensions go with it),
  // and the orders SQL server stops auditing.
  const serversPlan = find(tenant, "Microsoft.Security/pricings", "VirtualMachines");
  const plan = serversPlan.properties as JsonObject;
  plan.pricingTier = "Free";
  delete plan.subPlan;
  delete plan.extensions;
  changes.push(
    truth(serversPlan, "modified", ["properties.extensions", "properties.pricingTier", "properties.subPlan"]),
  );
  const auditing = [...tenant.resources.values()].find(
    (resource) =>
      resource.type === "Microsoft.Sql/servers/auditingSettings" &&
      String(resource.id).includes("/servers/sql-orders/"),
  );
  if (!auditing)
    throw new Error("demoDrift: sql-orders has no auditing settings; was it made by demoTenant()?");
  (auditing.properties as JsonObject).state = "Disabled";
  changes.push(truth(auditing, "modified", ["properties.state"]));
  // Governance: a guardrail switched to audit-only, a delete lock lifted from the hub.
  const guardrail = find(tenant, "Microsoft.Authorization/policyAssignments", "deny-public-network");
  (guardrail.properties as JsonObject).enforcementMode = "DoNotEnforce";
  changes.push(truth(guardrail, "modified", ["properties.enforcementMode"]));
  const hubLock = find(tenant, "Microsoft.Authorization/locks", "do-not-delete-hub");
  tenant.resources.delete(String(hubLock.id).toLowerCase());
  changes.push(truth(hubLock, "removed"));
  // Backups: the production vault's immutability switched off, blob soft delete off on the data account.
  const vault = find(tenant, "Microsoft.RecoveryServices/vaults", "rsv-prod-backup");
  (
    ((vault.properties as JsonObject).securitySettings as JsonObject).immutabilitySettings as JsonObject
  ).state = "Disabled";
  changes.push(truth(vault, "modified", ["properties.securitySettings.immutabilitySettings.state"]));
  const blobs = [...tenant.resources.values()].find(
    (resource) =>
      resource.type === "Microsoft.Storage/storageAccounts/blobServices" &&
      String(resource.id).startsWith(`/subscriptions/${PRODUCTION}/resourceGroups/rg-data/`),
  ) as JsonObject;
  ((blobs.properties as JsonObject).deleteRetentionPolicy as JsonObject).enabled = false;
  changes.push(truth(blobs, "modified", ["properties.deleteRetentionPolicy.enabled"]));
  const tde = [...tenant.resources.values()].find((resource) =>
    String(resource.id).endsWith("/databases/db-orders/transparentDataEncryption/current"),
  );
  if (!tde)
    throw new Error("demoDrift: the TDE of db-orders is not in the tenant; was it made by demoTenant()?");
  (tde.properties as JsonObject).state = "Disabled";
  changes.push(truth(tde, "modified", ["properties.state"]));

  const legacy = find(tenant, "Microsoft.Network/routeTables", "rt-legacy-egress");
  tenant.resources.delete(String(legacy.id).toLowerCase());
  changes.push(truth(legacy, "removed"));

  // Not drift: ARM rewrote an etag; a backup ran.
  const hubNsg = find(tenant, "Microsoft.Network/networkSecurityGroups", "nsg-hub-mgmt");
  hubNsg.etag = `W/"${rng.guid()}"`;
  for (const resource of tenant.resources.values()) {
    if (String(resource.id).startsWith(`${String(vault.id)}/backupFabrics/`)) {
      Object.assign(resource.properties as JsonObject, {
        lastBackupTime: "2026-03-01T02:30:11.0000000Z",
        lastRecoveryPoint: "2026-03-01T02:30:11.0000000Z",
      });
    }
  }

  changes.push(...builtInRoleChanges(builtInsBefore, referencedBuiltIns(tenant)));
  return changes.sort((a, b) => (a.key < b.key ? -1 : 1));
}
