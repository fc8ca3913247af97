import { Random } from "./random.js";
import { builtInRoleDefinitions, kindOfType, type Placement, ResourcePools, ShapeFactory } from "./shapes.js";
import { createTenant, putResource, type Tenant, type TenantSubscription } from "./tenant.js";
import { DEFAULT_MIX, type ResourceKind } from "./types.js";
import { SUBSCRIPTION_SECURITY_KINDS } from "./types-security.js";

/** Options of {@link generateTenant}. */
export interface GenerateTenantOptions {
  /** Same seed, same tenant. */
  seed: number | string;
  /** How many resources to generate across all subscriptions (built-in role definitions come on top). */
  resources: number;
  /** Relative weight per resource type; types left out are not generated. Defaults to {@link DEFAULT_MIX}. */
  mix?: Partial<Record<ResourceKind, number>>;
  /** How many subscriptions (default 2), or the subscriptions themselves. */
  subscriptions?: number | TenantSubscription[];
  /** Resources per resource group, on average (default 25). */
  resourcesPerGroup?: number;
}

const LOCATIONS = ["westeurope", "northeurope", "eastus", "eastus2", "westus2"];
const WORKLOADS = ["web", "api", "data", "shared", "ops", "payments", "identity", "analytics"];
const ENVIRONMENTS = ["prod", "stg", "dev"];

/** The order types are generated in: what a resource refers to exists before it. */
export const GENERATION_ORDER: readonly ResourceKind[] = [
  "networkSecurityGroup",
  "routeTable",
  "publicIpAddress",
  "virtualNetwork",
  "firewallPolicy",
  "azureFirewall",
  "applicationGateway",
  "storageAccount",
  "keyVault",
  "privateEndpoint",
  "userAssignedIdentity",
  "federatedIdentityCredential",
  "roleDefinition",
  "roleAssignment",
  "denyAssignment",
  "sqlServer",
  "managedHsm",
  "diskEncryptionSet",
  "disk",
  "sqlDatabase",
  "keyVaultKey",
  "sqlEncryptionProtector",
  "sqlTransparentDataEncryption",
  "storageEncryptionScope",
  // Governance last: assignments, exemptions, locks and diagnostic settings refer to what exists.
  "policyDefinition",
  "policySetDefinition",
  "policyAssignment",
  "policyExemption",
  "managementLock",
  "diagnosticSetting",
  "activityLogAlert",
  "recoveryServicesVault",
  "backupPolicy",
  "backupProtectedItem",
  "backupStorageConfig",
  "backupEncryptionConfig",
  "backupResourceGuardProxy",
  "blobService",
  "fileService",
];

/** Splits `total` by weight with the largest-remainder method, so the counts add up exactly. */
function apportion(total: number, weights: Partial<Record<ResourceKind, number>>): Map<ResourceKind, number> {
  const entries = GENERATION_ORDER.map((kind) => [kind, Math.max(0, weights[kind] ?? 0)] as const).filter(
    ([, weight]) => weight > 0,
  );
  const sum = entries.reduce((acc, [, weight]) => acc + weight, 0);
  const counts = new Map<ResourceKind, number>();
  if (sum === 0) return counts;
  const remainders: [ResourceKind, number][] = [];
  let assigned = 0;
  for (const [kind, weight] of entries) {
    const exact = (total * weight) / sum;
    counts.set(kind, Math.floor(exact));
    assigned += Math.floor(exact);
    remainders.push([kind, exact - Math.floor(exact)]);
  }
  remainders.sort((a, b) => b[1] - a[1]);
  for (let i = 0; i < total - assigned; i++) {
    const kind = (remainders[i % remainders.length] as [ResourceKind, number])[0];
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/** The resource groups of a subscription, with their locations. */
export interface ResourceGroupPlan {
  subscriptionId: string;
  groups: Placement[];
}

/**
 * Generates a deterministic synthetic tenant: the same options give the same tenant, byte for
 * byte. Shapes follow real ARM payloads (2–6 KB for most resources; NSGs with 5–40 rules,
 * VNets with subnets, role assignments at subscription, resource-group and resource scope…).
 * The tenant also holds a few built-in role definitions at tenant level, which no subscription lists
 * as its own. Children made with their parent (rule collection groups, a SQL server's firewall rules
 * and settings) and each subscription's Defender for Cloud settings come on top of `resources`.
 */
export function generateTenant(options: GenerateTenantOptions): Tenant {
  if (!Number.isInteger(options.resources) || options.resources < 0) {
    throw new RangeError("generateTenant: `resources` must be a non-negative integer.");
  }
  const rng = new Random(options.seed);
  const tenantId = rng.guid();
  const subscriptions: TenantSubscription[] = Array.isArray(options.subscriptions)
    ? options.subscriptions
    : Array.from({ length: options.subscriptions ?? 2 }, (_, i) => ({
        subscriptionId: rng.guid(),
        displayName: `Contoso ${["Production", "Shared Services", "Development", "Data Platform", "Sandbox", "Staging"][i % 6]}${i >= 6 ? ` ${Math.floor(i / 6) + 1}` : ""}`,
        state: "Enabled" as const,
      }));
  if (subscriptions.length === 0)
    throw new RangeError("generateTenant: at least one subscription is needed.");
  const tenant = createTenant({ tenantId, subscriptions, resources: builtInRoleDefinitions() });

  const perGroup = options.resourcesPerGroup ?? 25;
  const groupsPerSubscription = Math.max(1, Math.ceil(options.resources / subscriptions.length / perGroup));
  const plans: ResourceGroupPlan[] = tenant.subscriptions.map((subscription) => ({
    subscriptionId: subscription.subscriptionId,
    groups: Array.from({ length: groupsPerSubscription }, (_, i) => ({
      subscriptionId: subscription.subscriptionId,
      resourceGroup: `rg-${rng.pick(ENVIRONMENTS)}-${rng.pick(WORKLOADS)}-${String(i + 1).padStart(3, "0")}`,
      location: rng.pick(LOCATIONS),
    })),
  }));

  const pools = new ResourcePools();
  const factory = new ShapeFactory(rng, tenantId, pools, (key) => tenant.resources.has(key));
  const counts = apportion(options.resources, options.mix ?? DEFAULT_MIX);
  for (const kind of GENERATION_ORDER) {
    const count = counts.get(kind) ?? 0;
    for (let made = 0; made < count; ) {
      const plan = rng.pick(plans);
      const placement = rng.pick(plan.groups);
      for (const resource of factory.build(kind, placement)) {
        putResource(tenant, resource);
        // A federated credential may bring its parent identity along; only the credential counts.
        const madeKind = kindOfType(String(resource.type));
        // Child resources the generator has no kind for (rule collection groups) ride along uncounted.
        if (madeKind === undefined) continue;
        if (madeKind !== "userAssignedIdentity" || kind === "userAssignedIdentity") {
          pools.add(madeKind, placement.subscriptionId, resource);
        }
        if (madeKind === kind) made++;
      }
    }
  }
  // Subscription-wide settings (Defender for Cloud's): one set per subscription, on top of the count.
  const mix = options.mix ?? DEFAULT_MIX;
  for (const subscription of tenant.subscriptions) {
    const placement = { subscriptionId: subscription.subscriptionId, resourceGroup: "", location: "" };
    for (const kind of SUBSCRIPTION_SECURITY_KINDS) {
      if ((mix[kind] ?? 0) <= 0) continue;
      for (const resource of factory.build(kind, placement)) {
        putResource(tenant, resource);
        pools.add(kind, subscription.subscriptionId, resource);
      }
    }
  }
  return tenant;
}
