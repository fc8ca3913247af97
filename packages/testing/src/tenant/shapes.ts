/**
 * Builders of realistic ARM payloads, one per generated resource type. Shapes follow Microsoft's
 * REST API examples (api-versions of the pinned SDKs): mixed-case ids as ARM returns them, `etag`,
 * `properties.provisioningState`, `resourceGuid`, `systemData`, embedded child collections.
 */
import type { JsonObject } from "@azure-drift/core";
import { hashString, type Random } from "./random.js";
import { recoveryServicesVaultWithChildren, storageServices } from "./shapes-backup.js";
import { buildEncryption, withEncryptionChildren } from "./shapes-encryption.js";
import { GovernanceShapes } from "./shapes-governance.js";
import { buildSecurity } from "./shapes-security.js";
import { RESOURCE_TYPES, type ResourceKind } from "./types.js";

/** Where a new resource goes. */
export interface Placement {
  subscriptionId: string;
  /** Resource group name as created (display case). */
  resourceGroup: string;
  location: string;
}

const KIND_BY_TYPE = new Map(
  Object.entries(RESOURCE_TYPES).map(([kind, type]) => [type.toLowerCase(), kind as ResourceKind]),
);

/** The generator's short name of an ARM type, if it knows it. */
export function kindOfType(type: string): ResourceKind | undefined {
  return KIND_BY_TYPE.get(type.toLowerCase());
}

/** Well-known built-in role definitions (real ids). */
export const BUILT_IN_ROLES = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
} as const;

/** The built-in role definitions as ARM serves them at `/providers/Microsoft.Authorization/roleDefinitions/{id}`. */
export function builtInRoleDefinitions(): JsonObject[] {
  const permissions: Record<keyof typeof BUILT_IN_ROLES, JsonObject> = {
    Owner: { actions: ["*"], notActions: [], dataActions: [], notDataActions: [] },
    Contributor: {
      actions: ["*"],
      notActions: [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
      ],
      dataActions: [],
      notDataActions: [],
    },
    Reader: { actions: ["*/read"], notActions: [], dataActions: [], notDataActions: [] },
    "User Access Administrator": {
      actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
      notActions: [],
      dataActions: [],
      notDataActions: [],
    },
    "Network Contributor": {
      actions: [
        "Microsoft.Authorization/*/read",
        "Microsoft.Insights/alertRules/*",
        "Microsoft.Network/*",
        "Microsoft.ResourceHealth/availabilityStatuses/read",
        "Microsoft.Resources/deployments/*",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        "Microsoft.Support/*",
      ],
      notActions: [],
      dataActions: [],
      notDataActions: [],
    },
    "Key Vault Secrets User": {
      actions: [],
      notActions: [],
      dataActions: [
        "Microsoft.KeyVault/vaults/secrets/getSecret/action",
        "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
      ],
      notDataActions: [],
    },
    "Storage Blob Data Reader": {
      actions: [
        "Microsoft.Storage/storageAccounts/blobServices/containers/read",
        "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
      ],
      notActions: [],
      dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
      notDataActions: [],
    },
  };
  return Object.entries(BUILT_IN_ROLES).map(([roleName, guid]) => ({
    id: `/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    type: RESOURCE_TYPES.roleDefinition,
    name: guid,
    properties: {
      roleName,
      type: "BuiltInRole",
      description: `${roleName} built-in role.`,
      assignableScopes: ["/"],
      permissions: [permissions[roleName as keyof typeof BUILT_IN_ROLES]],
      createdOn: "2015-02-02T21:55:09.8806423Z",
      updatedOn: "2024-05-16T18:50:08.4562781Z",
      createdBy: null,
      updatedBy: null,
    },
  }));
}

/** Resources generated so far, by subscription and kind: what new resources refer to. */
export class ResourcePools {
  private readonly bySubscription = new Map<string, Map<ResourceKind, JsonObject[]>>();

  add(kind: ResourceKind, subscriptionId: string, resource: JsonObject): void {
    const kinds = this.bySubscription.get(subscriptionId) ?? new Map<ResourceKind, JsonObject[]>();
    this.bySubscription.set(subscriptionId, kinds);
    const list = kinds.get(kind) ?? [];
    kinds.set(kind, list);
    list.push(resource);
  }

  get(kind: ResourceKind, subscriptionId: string): JsonObject[] {
    return this.bySubscription.get(subscriptionId)?.get(kind) ?? [];
  }
}

const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal"] as const;
const TAG_VALUES: Record<string, string[]> = {
  environment: ["prod", "staging", "dev", "test"],
  owner: ["platform-team", "payments", "data-eng", "identity", "web"],
  costCenter: ["CC-1001", "CC-2040", "CC-3300", "CC-4120"],
  application: ["checkout", "catalog", "ledger", "portal", "reporting"],
  dataClassification: ["confidential", "internal", "public"],
};
const SERVICE_TAGS = ["VirtualNetwork", "AzureLoadBalancer", "AzureCloud", "Storage", "Sql", "AzureMonitor"];
const RULE_PORTS = ["443", "80", "1433", "5432", "6379", "8080", "8443", "9000-9100", "3306", "5671-5672"];

/**
 * Builds resources. Every random choice comes from `rng`, so the same seed gives the same tenant.
 */
export class ShapeFactory {
  constructor(
    readonly rng: Random,
    readonly tenantId: string,
    readonly pools: ResourcePools,
    /** Returns whether an id (lower-cased) is taken, so generated names never collide. */
    private readonly taken: (key: string) => boolean = () => false,
  ) {}

  /**
   * A new resource of `kind` at `placement` (a federated credential goes under an existing identity,
   * made if needed), with the children that come with it (a vault's keys, a server's protector…).
   */
  build(kind: ResourceKind, placement: Placement): JsonObject[] {
    return withEncryptionChildren(this.buildKind(kind, placement));
  }

  private buildKind(kind: ResourceKind, placement: Placement): JsonObject[] {
    switch (kind) {
      case "networkSecurityGroup":
        return [this.networkSecurityGroup(placement)];
      case "virtualNetwork":
        return [this.virtualNetwork(placement)];
      case "routeTable":
        return [this.routeTable(placement)];
      case "publicIpAddress":
        return [this.publicIpAddress(placement)];
      case "firewallPolicy":
        return this.firewallPolicyWithGroups(placement);
      case "azureFirewall":
        return this.azureFirewall(placement);
      case "applicationGateway":
        return this.applicationGateway(placement);
      case "privateEndpoint":
        return [this.privateEndpoint(placement)];
      case "userAssignedIdentity":
        return [this.userAssignedIdentity(placement)];
      case "federatedIdentityCredential":
        return this.federatedIdentityCredential(placement);
      // A storage account comes with its blob and file services, as in ARM; asking for either makes an account.
      case "storageAccount":
      case "blobService":
      case "fileService": {
        const account = this.storageAccount(placement);
        return [account, ...storageServices(account)];
      }
      case "keyVault":
        return [this.keyVault(placement)];
      case "roleDefinition":
        return [this.roleDefinition(placement)];
      case "roleAssignment":
        return [this.roleAssignment(placement)];
      case "denyAssignment":
        return [this.denyAssignment(placement)];
      case "defenderPricing":
      case "securityContact":
      case "autoProvisioningSetting":
      case "securitySetting":
      case "sqlServer":
      case "sqlFirewallRule":
      case "sqlAuditingSetting":
      case "sqlSecurityAlertPolicy":
      case "sqlAzureADOnlyAuthentication":
        return buildSecurity(this, kind, placement);
      case "policyDefinition":
        return [this.governance.policyDefinition(placement)];
      case "policySetDefinition":
        return [this.governance.policySetDefinition(placement)];
      case "policyAssignment":
        return [this.governance.policyAssignment(placement)];
      case "policyExemption":
        return [this.governance.policyExemption(placement)];
      case "managementLock":
        return [this.governance.managementLock(placement)];
      case "diagnosticSetting":
        return [this.governance.diagnosticSetting(placement)];
      case "activityLogAlert":
        return [this.governance.activityLogAlert(placement)];
      // A vault comes with its backup children; asking for a child makes a vault with all of them.
      case "recoveryServicesVault":
      case "backupPolicy":
      case "backupProtectedItem":
      case "backupStorageConfig":
      case "backupEncryptionConfig":
      case "backupResourceGuardProxy":
        return recoveryServicesVaultWithChildren(this, placement);
      case "keyVaultKey":
      case "managedHsm":
      case "diskEncryptionSet":
      case "disk":
      case "sqlDatabase":
      case "sqlEncryptionProtector":
      case "sqlTransparentDataEncryption":
      case "storageEncryptionScope":
        return buildEncryption(this, kind, placement);
    }
  }

  /** The governance builders (policy, locks, diagnostic settings, activity-log alerts). */
  readonly governance = new GovernanceShapes(this);

  /** A resource group segment as a provider spells it: some return the group upper-cased, MSI says `resourcegroups`. */
  groupPath(placement: Placement, style: "network" | "msi" | "plain" = "plain"): string {
    const upper =
      style === "network" && hashString(`${placement.subscriptionId}/${placement.resourceGroup}`) % 4 === 0;
    const segment = style === "msi" ? "resourcegroups" : "resourceGroups";
    return `/subscriptions/${placement.subscriptionId}/${segment}/${upper ? placement.resourceGroup.toUpperCase() : placement.resourceGroup}`;
  }

  /** Whether an ARM id (any case) is taken in this tenant. */
  isTaken(id: string): boolean {
    return this.taken(id.toLowerCase());
  }

  /** A name not used yet in this tenant. */
  uniqueName(prefix: string, parent: string): string {
    for (;;) {
      const name = `${prefix}-${this.rng.hex(6)}`;
      if (!this.taken(`${parent}/${name}`.toLowerCase())) return name;
    }
  }

  etag(): string {
    return `W/"${this.rng.guid()}"`;
  }

  systemData(): JsonObject {
    const created = this.timestamp(2023);
    const modified = this.timestamp(2025);
    return {
      createdBy: this.rng.pick(["alice@contoso.com", "deploy-pipeline", "bob@contoso.com"]),
      createdByType: this.rng.pick(["User", "Application"]),
      createdAt: created,
      lastModifiedBy: this.rng.pick(["alice@contoso.com", "deploy-pipeline", "carol@contoso.com"]),
      lastModifiedByType: this.rng.pick(["User", "Application"]),
      lastModifiedAt: modified,
    };
  }

  timestamp(year: number): string {
    const month = String(this.rng.int(1, 12)).padStart(2, "0");
    const day = String(this.rng.int(1, 28)).padStart(2, "0");
    const time = `${String(this.rng.int(0, 23)).padStart(2, "0")}:${String(this.rng.int(0, 59)).padStart(2, "0")}:${String(this.rng.int(0, 59)).padStart(2, "0")}`;
    return `${year}-${month}-${day}T${time}.${String(this.rng.int(0, 9999999)).padStart(7, "0")}Z`;
  }

  tags(max = 4): JsonObject {
    const tags: JsonObject = {};
    for (const key of this.rng.sample(Object.keys(TAG_VALUES), this.rng.int(0, max))) {
      tags[key] = this.rng.pick(TAG_VALUES[key] ?? ["x"]);
    }
    return tags;
  }

  private cidr16(): string {
    return `10.${this.rng.int(0, 255)}.0.0/16`;
  }

  /** One NSG security rule; `index` keeps priorities unique within the group. */
  securityRule(nsgId: string, priority: number, name?: string): JsonObject {
    const ruleName =
      name ?? this.uniqueName(this.rng.pick(["Allow-App", "Allow-Mgmt", "Deny-Legacy", "Allow-Lb"]), nsgId);
    const direction = this.rng.chance(0.75) ? "Inbound" : "Outbound";
    const access = ruleName.startsWith("Deny") ? "Deny" : "Allow";
    const multiPort = this.rng.chance(0.3);
    const multiSource = this.rng.chance(0.3);
    const ports = this.rng.sample(RULE_PORTS, this.rng.int(2, 4));
    const sources = Array.from(
      { length: this.rng.int(2, 4) },
      () => `10.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.0/24`,
    );
    return {
      name: ruleName,
      id: `${nsgId}/securityRules/${ruleName}`,
      etag: this.etag(),
      type: "Microsoft.Network/networkSecurityGroups/securityRules",
      properties: {
        provisioningState: "Succeeded",
        description: `${access} ${direction.toLowerCase()} traffic for ${this.rng.pick(["the app tier", "monitoring", "the jump host", "the load balancer", "partners"])}`,
        protocol: this.rng.pick(["Tcp", "Tcp", "Udp", "*"]),
        sourcePortRange: "*",
        ...(multiPort ? {} : { destinationPortRange: ports[0] ?? "443" }),
        ...(multiSource
          ? {}
          : { sourceAddressPrefix: this.rng.pick([...SERVICE_TAGS, sources[0] ?? "10.0.0.0/24"]) }),
        destinationAddressPrefix: this.rng.pick(["*", "VirtualNetwork", `10.${this.rng.int(0, 255)}.1.0/24`]),
        access,
        priority,
        direction,
        sourcePortRanges: [],
        destinationPortRanges: multiPort ? ports : [],
        sourceAddressPrefixes: multiSource ? sources : [],
        destinationAddressPrefixes: [],
      },
    };
  }

  private defaultSecurityRules(nsgId: string): JsonObject[] {
    const rule = (
      name: string,
      description: string,
      source: string,
      destination: string,
      access: string,
      priority: number,
      direction: string,
    ): JsonObject => ({
      name,
      id: `${nsgId}/defaultSecurityRules/${name}`,
      etag: this.etag(),
      type: "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
      properties: {
        provisioningState: "Succeeded",
        description,
        protocol: "*",
        sourcePortRange: "*",
        destinationPortRange: "*",
        sourceAddressPrefix: source,
        destinationAddressPrefix: destination,
        access,
        priority,
        direction,
        sourcePortRanges: [],
        destinationPortRanges: [],
        sourceAddressPrefixes: [],
        destinationAddressPrefixes: [],
      },
    });
    return [
      rule(
        "AllowVnetInBound",
        "Allow inbound traffic from all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Inbound",
      ),
      rule(
        "AllowAzureLoadBalancerInBound",
        "Allow inbound traffic from azure load balancer",
        "AzureLoadBalancer",
        "*",
        "Allow",
        65001,
        "Inbound",
      ),
      rule("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
      rule(
        "AllowVnetOutBound",
        "Allow outbound traffic from all VMs to all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Outbound",
      ),
      rule(
        "AllowInternetOutBound",
        "Allow outbound traffic from all VMs to Internet",
        "*",
        "Internet",
        "Allow",
        65001,
        "Outbound",
      ),
      rule("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
    ];
  }

  networkSecurityGroup(
    placement: Placement,
    ruleCount = 5 + Math.floor(35 * this.rng.next() ** 3),
  ): JsonObject {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/networkSecurityGroups`;
    const name = this.uniqueName("nsg", prefix);
    const id = `${prefix}/${name}`;
    const priorities = this.rng.sample(
      Array.from({ length: 390 }, (_, i) => 100 + i * 10),
      ruleCount,
    );
    return {
      name,
      id,
      etag: this.etag(),
      type: RESOURCE_TYPES.networkSecurityGroup,
      location: placement.location,
      tags: this.tags(),
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: this.rng.guid(),
        securityRules: priorities.map((priority) => this.securityRule(id, priority)),
        defaultSecurityRules: this.defaultSecurityRules(id),
      },
    };
  }

  route(routeTableId: string, name?: string): JsonObject {
    const routeName = name ?? this.uniqueName("route", routeTableId);
    const hop = this.rng.pick([
      "VirtualAppliance",
      "VirtualAppliance",
      "Internet",
      "VnetLocal",
      "VirtualNetworkGateway",
    ]);
    return {
      name: routeName,
      id: `${routeTableId}/routes/${routeName}`,
      etag: this.etag(),
      type: "Microsoft.Network/routeTables/routes",
      properties: {
        provisioningState: "Succeeded",
        addressPrefix: this.rng.chance(0.2)
          ? "0.0.0.0/0"
          : `10.${this.rng.int(0, 255)}.0.0/${this.rng.pick([16, 20, 24])}`,
        nextHopType: hop,
        ...(hop === "VirtualAppliance" ? { nextHopIpAddress: `10.${this.rng.int(0, 255)}.0.4` } : {}),
        hasBgpOverride: false,
      },
    };
  }

  routeTable(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/routeTables`;
    const name = this.uniqueName("rt", prefix);
    const id = `${prefix}/${name}`;
    return {
      name,
      id,
      etag: this.etag(),
      type: RESOURCE_TYPES.routeTable,
      location: placement.location,
      tags: this.tags(),
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: this.rng.guid(),
        disableBgpRoutePropagation: this.rng.chance(0.3),
        routes: Array.from({ length: this.rng.int(2, 10) }, () => this.route(id)),
      },
    };
  }

  subnet(vnetId: string, subscriptionId: string, index: number, name?: string): JsonObject {
    const subnetName =
      name ?? this.uniqueName(this.rng.pick(["snet-app", "snet-data", "snet-web", "snet-pe"]), vnetId);
    const nsgs = this.pools.get("networkSecurityGroup", subscriptionId);
    const routeTables = this.pools.get("routeTable", subscriptionId);
    const properties: JsonObject = {
      provisioningState: "Succeeded",
      addressPrefix: `10.${index}.${this.rng.int(0, 255)}.0/24`,
    };
    if (nsgs.length > 0 && this.rng.chance(0.8))
      properties.networkSecurityGroup = { id: String(this.rng.pick(nsgs).id) };
    if (routeTables.length > 0 && this.rng.chance(0.5))
      properties.routeTable = { id: String(this.rng.pick(routeTables).id) };
    properties.serviceEndpoints = this.rng
      .sample(["Microsoft.Storage", "Microsoft.KeyVault", "Microsoft.Sql"], this.rng.int(0, 2))
      .map((service) => ({
        provisioningState: "Succeeded",
        service,
        locations: ["*"],
      }));
    properties.delegations = [];
    properties.privateEndpointNetworkPolicies = this.rng.pick([
      "Disabled",
      "Enabled",
      "NetworkSecurityGroupEnabled",
    ]);
    properties.privateLinkServiceNetworkPolicies = "Enabled";
    return {
      name: subnetName,
      id: `${vnetId}/subnets/${subnetName}`,
      etag: this.etag(),
      type: "Microsoft.Network/virtualNetworks/subnets",
      properties,
    };
  }

  virtualNetwork(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/virtualNetworks`;
    const name = this.uniqueName("vnet", prefix);
    const id = `${prefix}/${name}`;
    const second = this.rng.int(0, 255);
    return {
      name,
      id,
      etag: this.etag(),
      type: RESOURCE_TYPES.virtualNetwork,
      location: placement.location,
      tags: this.tags(),
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: this.rng.guid(),
        addressSpace: {
          addressPrefixes: [`10.${second}.0.0/16`, ...(this.rng.chance(0.3) ? [this.cidr16()] : [])],
        },
        dhcpOptions: { dnsServers: this.rng.chance(0.3) ? [`10.${second}.0.4`, `10.${second}.0.5`] : [] },
        subnets: Array.from({ length: this.rng.int(1, 6) }, () =>
          this.subnet(id, placement.subscriptionId, second),
        ),
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
        privateEndpointVNetPolicies: "Disabled",
      },
    };
  }

  publicIpAddress(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/publicIPAddresses`;
    const name = this.uniqueName("pip", prefix);
    const label = this.rng.chance(0.4) ? `${name}-${this.rng.hex(4)}` : undefined;
    return {
      name,
      id: `${prefix}/${name}`,
      etag: this.etag(),
      type: RESOURCE_TYPES.publicIpAddress,
      location: placement.location,
      tags: this.tags(),
      sku: { name: "Standard", tier: "Regional" },
      zones: ["1", "2", "3"],
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: this.rng.guid(),
        ipAddress: `${this.rng.int(20, 52)}.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`,
        publicIPAddressVersion: "IPv4",
        publicIPAllocationMethod: "Static",
        idleTimeoutInMinutes: 4,
        ipTags: [],
        ddosSettings: { protectionMode: "VirtualNetworkInherited" },
        ...(label
          ? {
              dnsSettings: {
                domainNameLabel: label,
                fqdn: `${label}.${placement.location}.cloudapp.azure.com`,
              },
            }
          : {}),
      },
    };
  }

  firewallPolicy(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/firewallPolicies`;
    const name = this.uniqueName("afwp", prefix);
    const id = `${prefix}/${name}`;
    const premium = this.rng.chance(0.4);
    return {
      name,
      id,
      etag: this.etag(),
      type: RESOURCE_TYPES.firewallPolicy,
      location: placement.location,
      tags: this.tags(),
      properties: {
        provisioningState: "Succeeded",
        sku: { tier: premium ? "Premium" : "Standard" },
        threatIntelMode: this.rng.pick(["Alert", "Deny"]),
        threatIntelWhitelist: { ipAddresses: [], fqdns: [] },
        dnsSettings: { servers: [], enableProxy: true },
        ...(premium
          ? {
              intrusionDetection: {
                mode: "Alert",
                configuration: { signatureOverrides: [], bypassTrafficSettings: [] },
              },
            }
          : {}),
        ruleCollectionGroups: [
          "DefaultNetworkRuleCollectionGroup",
          "DefaultApplicationRuleCollectionGroup",
        ].map((group) => ({
          id: `${id}/ruleCollectionGroups/${group}`,
        })),
        childPolicies: [],
        firewalls: [],
      },
    };
  }

  /** A firewall policy and its rule collection groups (child resources, listed under the policy). */
  firewallPolicyWithGroups(placement: Placement): JsonObject[] {
    const policy = this.firewallPolicy(placement);
    const groups = ["DefaultNetworkRuleCollectionGroup", "DefaultApplicationRuleCollectionGroup"].map(
      (name, index): JsonObject => ({
        name,
        id: `${policy.id}/ruleCollectionGroups/${name}`,
        etag: this.etag(),
        type: "Microsoft.Network/FirewallPolicies/ruleCollectionGroups",
        properties: {
          provisioningState: "Succeeded",
          priority: 200 + index * 100,
          ruleCollections: [
            {
              name: index === 0 ? "allow-shared-services" : "allow-web-egress",
              ruleCollectionType: "FirewallPolicyFilterRuleCollection",
              priority: 1000,
              action: { type: "Allow" },
              rules: Array.from(
                { length: this.rng.int(1, 4) },
                (_, i): JsonObject =>
                  index === 0
                    ? {
                        name: `net-rule-${i}`,
                        ruleType: "NetworkRule",
                        description: "Network rule",
                        ipProtocols: ["TCP"],
                        sourceAddresses: [`10.${this.rng.int(0, 255)}.0.0/16`],
                        destinationAddresses: [`10.${this.rng.int(0, 255)}.0.0/16`],
                        destinationPorts: this.rng.sample(RULE_PORTS, this.rng.int(1, 3)),
                        sourceIpGroups: [],
                        destinationIpGroups: [],
                        destinationFqdns: [],
                      }
                    : {
                        name: `app-rule-${i}`,
                        ruleType: "ApplicationRule",
                        description: "Application rule",
                        protocols: [{ protocolType: "Https", port: 443 }],
                        sourceAddresses: [`10.${this.rng.int(0, 255)}.0.0/16`],
                        targetFqdns: [`*.${this.rng.pick(["github.com", "microsoft.com", "contoso.com"])}`],
                        fqdnTags: [],
                        sourceIpGroups: [],
                        terminateTLS: false,
                        webCategories: [],
                      },
              ),
            },
          ],
        },
      }),
    );
    return [policy, ...groups];
  }

  private vnetSubnetId(subscriptionId: string, subnetName: string): string {
    const vnets = this.pools.get("virtualNetwork", subscriptionId);
    if (vnets.length === 0)
      return `/subscriptions/${subscriptionId}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/${subnetName}`;
    return `${String(this.rng.pick(vnets).id)}/subnets/${subnetName}`;
  }

  private publicIpRef(subscriptionId: string): string | undefined {
    const ips = this.pools.get("publicIpAddress", subscriptionId);
    return ips.length ? String(this.rng.pick(ips).id) : undefined;
  }

  azureFirewall(placement: Placement): JsonObject[] {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/azureFirewalls`;
    const name = this.uniqueName("afw", prefix);
    const id = `${prefix}/${name}`;
    const policies = this.pools.get("firewallPolicy", placement.subscriptionId);
    const publicIp = this.publicIpRef(placement.subscriptionId);
    const networkRule = (index: number): JsonObject => ({
      name: `rule-${index}`,
      description: "Allow the app tier to reach shared services",
      protocols: this.rng.sample(["TCP", "UDP"], this.rng.int(1, 2)),
      sourceAddresses: [`10.${this.rng.int(0, 255)}.0.0/16`],
      destinationAddresses: [`10.${this.rng.int(0, 255)}.0.0/16`],
      destinationPorts: this.rng.sample(RULE_PORTS, this.rng.int(1, 3)),
    });
    return [
      {
        name,
        id,
        etag: this.etag(),
        type: RESOURCE_TYPES.azureFirewall,
        location: placement.location,
        tags: this.tags(),
        zones: [],
        properties: {
          provisioningState: "Succeeded",
          sku: { name: "AZFW_VNet", tier: "Standard" },
          threatIntelMode: "Alert",
          ipConfigurations: [
            {
              name: "azureFirewallIpConfiguration",
              id: `${id}/azureFirewallIpConfigurations/azureFirewallIpConfiguration`,
              etag: this.etag(),
              properties: {
                provisioningState: "Succeeded",
                privateIPAddress: `10.${this.rng.int(0, 255)}.0.4`,
                subnet: { id: this.vnetSubnetId(placement.subscriptionId, "AzureFirewallSubnet") },
                ...(publicIp ? { publicIPAddress: { id: publicIp } } : {}),
              },
            },
          ],
          applicationRuleCollections: [],
          natRuleCollections: [],
          networkRuleCollections: [
            {
              name: "netrulecoll",
              id: `${id}/networkRuleCollections/netrulecoll`,
              etag: this.etag(),
              properties: {
                provisioningState: "Succeeded",
                priority: 110,
                action: { type: "Allow" },
                rules: Array.from({ length: this.rng.int(2, 6) }, (_, i) => networkRule(i)),
              },
            },
          ],
          ...(policies.length ? { firewallPolicy: { id: String(this.rng.pick(policies).id) } } : {}),
          additionalProperties: {},
        },
      },
    ];
  }

  applicationGateway(placement: Placement): JsonObject[] {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/applicationGateways`;
    const name = this.uniqueName("agw", prefix);
    const id = `${prefix}/${name}`;
    const publicIp = this.publicIpRef(placement.subscriptionId);
    const child = (collection: string, childName: string, properties: JsonObject): JsonObject => ({
      name: childName,
      id: `${id}/${collection}/${childName}`,
      etag: this.etag(),
      properties: { provisioningState: "Succeeded", ...properties },
    });
    const backend = this.rng.pick(["checkout", "catalog", "portal"]);
    return [
      {
        name,
        id,
        etag: this.etag(),
        type: RESOURCE_TYPES.applicationGateway,
        location: placement.location,
        tags: this.tags(),
        properties: {
          provisioningState: "Succeeded",
          resourceGuid: this.rng.guid(),
          sku: { name: "WAF_v2", tier: "WAF_v2", capacity: this.rng.int(2, 4) },
          operationalState: "Running",
          gatewayIPConfigurations: [
            child("gatewayIPConfigurations", "appGatewayIpConfig", {
              subnet: { id: this.vnetSubnetId(placement.subscriptionId, "snet-agw") },
            }),
          ],
          sslCertificates: [],
          frontendIPConfigurations: [
            child("frontendIPConfigurations", "appGwPublicFrontendIp", {
              privateIPAllocationMethod: "Dynamic",
              ...(publicIp ? { publicIPAddress: { id: publicIp } } : {}),
            }),
          ],
          frontendPorts: [
            child("frontendPorts", "port_443", { port: 443 }),
            child("frontendPorts", "port_80", { port: 80 }),
          ],
          backendAddressPools: [
            child("backendAddressPools", `pool-${backend}`, {
              backendAddresses: [{ fqdn: `${backend}-${this.rng.hex(4)}.azurewebsites.net` }],
            }),
          ],
          backendHttpSettingsCollection: [
            child("backendHttpSettingsCollection", "https-settings", {
              port: 443,
              protocol: "Https",
              cookieBasedAffinity: "Disabled",
              pickHostNameFromBackendAddress: true,
              requestTimeout: 30,
            }),
          ],
          httpListeners: [
            child("httpListeners", "listener-https", {
              frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/appGwPublicFrontendIp` },
              frontendPort: { id: `${id}/frontendPorts/port_443` },
              protocol: "Https",
              hostNames: [],
              requireServerNameIndication: false,
            }),
          ],
          requestRoutingRules: [
            child("requestRoutingRules", "rule-https", {
              ruleType: "Basic",
              priority: 100,
              httpListener: { id: `${id}/httpListeners/listener-https` },
              backendAddressPool: { id: `${id}/backendAddressPools/pool-${backend}` },
              backendHttpSettings: { id: `${id}/backendHttpSettingsCollection/https-settings` },
            }),
          ],
          sslPolicy: { policyType: "Predefined", policyName: "AppGwSslPolicy20220101" },
          webApplicationFirewallConfiguration: {
            enabled: true,
            firewallMode: "Prevention",
            ruleSetType: "OWASP",
            ruleSetVersion: "3.2",
            disabledRuleGroups: [],
            exclusions: [],
            requestBodyCheck: true,
            maxRequestBodySizeInKb: 128,
            fileUploadLimitInMb: 100,
          },
          enableHttp2: true,
        },
      },
    ];
  }

  privateEndpoint(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/privateEndpoints`;
    const name = this.uniqueName("pe", prefix);
    const id = `${prefix}/${name}`;
    const targets = [
      ...this.pools.get("storageAccount", placement.subscriptionId),
      ...this.pools.get("keyVault", placement.subscriptionId),
    ];
    const target = targets.length
      ? String(this.rng.pick(targets).id)
      : `/subscriptions/${placement.subscriptionId}/resourceGroups/rg-shared/providers/Microsoft.Storage/storageAccounts/stshared`;
    const groupId = target.includes("Microsoft.KeyVault") ? "vault" : "blob";
    const nic = `${this.groupPath(placement, "network")}/providers/Microsoft.Network/networkInterfaces/${name}.nic.${this.rng.guid()}`;
    return {
      name,
      id,
      etag: this.etag(),
      type: RESOURCE_TYPES.privateEndpoint,
      location: placement.location,
      tags: this.tags(),
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: this.rng.guid(),
        subnet: { id: this.vnetSubnetId(placement.subscriptionId, "snet-pe") },
        privateLinkServiceConnections: [
          {
            name: `${name}-connection`,
            id: `${id}/privateLinkServiceConnections/${name}-connection`,
            etag: this.etag(),
            type: "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
            properties: {
              provisioningState: "Succeeded",
              privateLinkServiceId: target,
              groupIds: [groupId],
              privateLinkServiceConnectionState: {
                status: "Approved",
                description: "Auto-Approved",
                actionsRequired: "None",
              },
            },
          },
        ],
        manualPrivateLinkServiceConnections: [],
        networkInterfaces: [{ id: nic }],
        customDnsConfigs: [
          {
            fqdn: `${target.split("/").pop()}.${groupId === "vault" ? "vault.azure.net" : "blob.core.windows.net"}`,
            ipAddresses: [`10.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(4, 250)}`],
          },
        ],
        ipConfigurations: [],
        applicationSecurityGroups: [],
        customNetworkInterfaceName: "",
      },
    };
  }

  userAssignedIdentity(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "msi")}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
    const name = this.uniqueName("id", prefix);
    return {
      id: `${prefix}/${name}`,
      name,
      type: RESOURCE_TYPES.userAssignedIdentity,
      location: placement.location,
      tags: this.tags(),
      properties: {
        tenantId: this.tenantId,
        principalId: this.rng.guid(),
        clientId: this.rng.guid(),
        isolationScope: "None",
      },
      systemData: this.systemData(),
    };
  }

  /** A federated credential under an identity of the subscription (making the identity when there is none). */
  federatedIdentityCredential(placement: Placement, parent?: JsonObject): JsonObject[] {
    const made: JsonObject[] = [];
    let identity = parent;
    if (!identity) {
      const identities = this.pools.get("userAssignedIdentity", placement.subscriptionId);
      if (identities.length) identity = this.rng.pick(identities);
      else {
        identity = this.userAssignedIdentity(placement);
        this.pools.add("userAssignedIdentity", placement.subscriptionId, identity);
        made.push(identity);
      }
    }
    const parentId = String(identity.id);
    const name = this.uniqueName("fic", `${parentId}/federatedIdentityCredentials`);
    const github = this.rng.chance(0.5);
    const repo = this.rng.pick(["contoso/checkout", "contoso/platform", "contoso/ledger"]);
    made.push({
      id: `${parentId}/federatedIdentityCredentials/${name}`,
      name,
      type: RESOURCE_TYPES.federatedIdentityCredential,
      properties: {
        issuer: github
          ? "https://token.actions.githubusercontent.com"
          : `https://oidc.prod-aks.azure.com/${this.tenantId}/${this.rng.guid()}/`,
        subject: github
          ? `repo:${repo}:environment:${this.rng.pick(["production", "staging"])}`
          : `system:serviceaccount:${this.rng.pick(["payments", "web", "jobs"])}:${this.rng.pick(["api", "worker"])}`,
        audiences: ["api://AzureADTokenExchange"],
      },
      systemData: this.systemData(),
    });
    return made;
  }

  storageAccount(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "plain")}/providers/Microsoft.Storage/storageAccounts`;
    let name: string;
    do name = `st${this.rng.hex(12)}`;
    while (this.taken(`${prefix}/${name}`.toLowerCase()));
    const created = this.timestamp(2024);
    const sku = this.rng.pick(["Standard_LRS", "Standard_GRS", "Standard_ZRS"]);
    // Derived from the name, not drawn from `rng`, so the rest of a seeded tenant stays as it was.
    const nameHash = hashString(name);
    const customerKey = nameHash % 3 === 0;
    const keyVersion = `${nameHash.toString(16).padStart(8, "0")}`.repeat(4);
    return {
      sku: { name: sku, tier: "Standard" },
      kind: "StorageV2",
      id: `${prefix}/${name}`,
      name,
      type: RESOURCE_TYPES.storageAccount,
      location: placement.location,
      tags: this.tags(),
      properties: {
        keyCreationTime: { key1: created, key2: created },
        allowCrossTenantReplication: false,
        privateEndpointConnections: [],
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: this.rng.chance(0.5),
        publicNetworkAccess: this.rng.pick(["Enabled", "Disabled"]),
        networkAcls: {
          bypass: "AzureServices",
          virtualNetworkRules: [],
          ipRules: this.rng.chance(0.3)
            ? [{ value: `${this.rng.int(20, 200)}.${this.rng.int(0, 255)}.0.0/24`, action: "Allow" }]
            : [],
          defaultAction: "Deny",
        },
        supportsHttpsTrafficOnly: true,
        encryption: {
          requireInfrastructureEncryption: false,
          services: {
            file: { keyType: "Account", enabled: true, lastEnabledTime: created },
            blob: { keyType: "Account", enabled: true, lastEnabledTime: created },
          },
          keySource: customerKey ? "Microsoft.Keyvault" : "Microsoft.Storage",
          ...(customerKey
            ? {
                keyvaultproperties: {
                  keyvaulturi: `https://kv-${name.slice(2, 10)}.vault.azure.net/`,
                  keyname: "storage-cmk",
                  keyversion: "",
                  currentVersionedKeyIdentifier: `https://kv-${name.slice(2, 10)}.vault.azure.net/keys/storage-cmk/${keyVersion}`,
                  lastKeyRotationTimestamp: created,
                  currentVersionedKeyExpirationTimestamp: "1970-01-01T00:00:00.0000000Z",
                },
              }
            : {}),
        },
        accessTier: "Hot",
        provisioningState: "Succeeded",
        creationTime: created,
        primaryEndpoints: {
          dfs: `https://${name}.dfs.core.windows.net/`,
          web: `https://${name}.z6.web.core.windows.net/`,
          blob: `https://${name}.blob.core.windows.net/`,
          queue: `https://${name}.queue.core.windows.net/`,
          table: `https://${name}.table.core.windows.net/`,
          file: `https://${name}.file.core.windows.net/`,
        },
        primaryLocation: placement.location,
        statusOfPrimary: "available",
        ...(sku === "Standard_GRS"
          ? {
              secondaryLocation: placement.location === "northeurope" ? "westeurope" : "northeurope",
              statusOfSecondary: "available",
            }
          : {}),
      },
      ...(customerKey
        ? {
            identity: {
              type: "SystemAssigned",
              principalId: `${keyVersion.slice(0, 8)}-${keyVersion.slice(8, 12)}-4${keyVersion.slice(13, 16)}-8${keyVersion.slice(17, 20)}-${keyVersion.slice(20, 32)}`,
              tenantId: this.tenantId,
            },
          }
        : {}),
    };
  }

  keyVault(placement: Placement): JsonObject {
    const prefix = `${this.groupPath(placement, "plain")}/providers/Microsoft.KeyVault/vaults`;
    const name = this.uniqueName("kv", prefix);
    const rbac = this.rng.chance(0.5);
    const policy = (): JsonObject => ({
      tenantId: this.tenantId,
      objectId: this.rng.guid(),
      permissions: {
        keys: this.rng.sample(["get", "list", "wrapKey", "unwrapKey", "sign"], this.rng.int(1, 4)),
        secrets: this.rng.sample(["get", "list", "set"], this.rng.int(1, 3)),
        certificates: this.rng.sample(["get", "list"], this.rng.int(0, 2)),
      },
    });
    return {
      id: `${prefix}/${name}`,
      name,
      type: RESOURCE_TYPES.keyVault,
      location: placement.location,
      tags: this.tags(),
      systemData: this.systemData(),
      properties: {
        sku: { family: "A", name: this.rng.pick(["standard", "premium"]) },
        tenantId: this.tenantId,
        accessPolicies: rbac ? [] : Array.from({ length: this.rng.int(1, 4) }, policy),
        enabledForDeployment: false,
        enabledForDiskEncryption: this.rng.chance(0.3),
        enabledForTemplateDeployment: false,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enableRbacAuthorization: rbac,
        enablePurgeProtection: true,
        vaultUri: `https://${name}.vault.azure.net/`,
        provisioningState: "Succeeded",
        publicNetworkAccess: this.rng.pick(["Enabled", "Disabled"]),
        networkAcls: { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
      },
    };
  }

  roleDefinition(placement: Placement): JsonObject {
    const guid = this.rng.guid();
    const subscriptionScope = `/subscriptions/${placement.subscriptionId}`;
    const area = this.rng.pick(["Network", "Storage", "KeyVault", "Compute"]);
    return {
      id: `${subscriptionScope}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      type: RESOURCE_TYPES.roleDefinition,
      name: guid,
      properties: {
        roleName: `Contoso ${area} Operator ${this.rng.hex(4)}`,
        type: "CustomRole",
        description: `Operates ${area.toLowerCase()} resources without changing access.`,
        assignableScopes: [subscriptionScope],
        permissions: [
          {
            actions: [
              `Microsoft.${area}/*/read`,
              `Microsoft.${area}/*/write`,
              "Microsoft.Resources/subscriptions/resourceGroups/read",
            ],
            notActions: [`Microsoft.${area}/*/delete`],
            dataActions: [],
            notDataActions: [],
          },
        ],
        createdOn: this.timestamp(2023),
        updatedOn: this.timestamp(2024),
        createdBy: this.rng.guid(),
        updatedBy: this.rng.guid(),
      },
    };
  }

  /** A role assignment at subscription, resource-group or resource scope. */
  roleAssignment(
    placement: Placement,
    options: {
      scope?: "subscription" | "resourceGroup" | "resource";
      roleGuid?: string;
      principalType?: string;
    } = {},
  ): JsonObject {
    const subscriptionScope = `/subscriptions/${placement.subscriptionId}`;
    const resources = [
      ...this.pools.get("storageAccount", placement.subscriptionId),
      ...this.pools.get("keyVault", placement.subscriptionId),
      ...this.pools.get("userAssignedIdentity", placement.subscriptionId),
    ];
    let kind =
      options.scope ??
      this.rng.pick(["subscription", "resourceGroup", "resourceGroup", "resource", "resource"] as const);
    if (kind === "resource" && resources.length === 0) kind = "resourceGroup";
    const scope =
      kind === "subscription"
        ? subscriptionScope
        : kind === "resourceGroup"
          ? `${subscriptionScope}/resourcegroups/${placement.resourceGroup}`
          : String(this.rng.pick(resources).id);
    const customs = this.pools.get("roleDefinition", placement.subscriptionId);
    const roleGuid =
      options.roleGuid ??
      (customs.length && this.rng.chance(0.15)
        ? String(this.rng.pick(customs).name)
        : this.rng.pick(
            kind === "subscription"
              ? [
                  BUILT_IN_ROLES.Reader,
                  BUILT_IN_ROLES.Reader,
                  BUILT_IN_ROLES.Contributor,
                  BUILT_IN_ROLES["Network Contributor"],
                ]
              : Object.values(BUILT_IN_ROLES).filter((guid) => guid !== BUILT_IN_ROLES.Owner),
          ));
    const identities = this.pools.get("userAssignedIdentity", placement.subscriptionId);
    const usesIdentity = identities.length > 0 && this.rng.chance(0.3);
    const principalType =
      options.principalType ?? (usesIdentity ? "ServicePrincipal" : this.rng.pick(PRINCIPAL_TYPES));
    const principalId = usesIdentity
      ? String((this.rng.pick(identities).properties as JsonObject).principalId)
      : this.rng.guid();
    const name = this.rng.guid();
    const created = this.timestamp(2024);
    return {
      properties: {
        roleDefinitionId: `${subscriptionScope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
        principalId,
        principalType,
        scope,
        condition: null,
        conditionVersion: null,
        createdOn: created,
        updatedOn: created,
        createdBy: this.rng.guid(),
        updatedBy: this.rng.guid(),
        delegatedManagedIdentityResourceId: null,
        description: this.rng.chance(0.4) ? `Granted for ticket CHG-${this.rng.int(10000, 99999)}` : null,
      },
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      type: RESOURCE_TYPES.roleAssignment,
      name,
    };
  }

  denyAssignment(placement: Placement): JsonObject {
    const subscriptionScope = `/subscriptions/${placement.subscriptionId}`;
    const scope = this.rng.chance(0.5)
      ? subscriptionScope
      : `${subscriptionScope}/resourcegroups/${placement.resourceGroup}`;
    const name = this.rng.guid();
    return {
      properties: {
        denyAssignmentName: `Blueprint deny ${this.rng.hex(6)}`,
        description: "Created by a managed application to protect its resources.",
        permissions: [
          {
            actions: ["*/write", "*/delete"],
            notActions: ["Microsoft.Resources/deployments/*"],
            dataActions: [],
            notDataActions: [],
          },
        ],
        scope,
        doNotApplyToChildScopes: false,
        principals: [{ id: "00000000-0000-0000-0000-000000000000", type: "SystemDefined" }],
        excludePrincipals: [{ id: this.rng.guid(), type: "ServicePrincipal" }],
        isSystemProtected: true,
      },
      id: `${scope}/providers/Microsoft.Authorization/denyAssignments/${name}`,
      type: RESOURCE_TYPES.denyAssignment,
      name,
    };
  }
}
