/**
 * Realistic ARM resource shapes for the engine's tests, written for this project (learned from the
 * REST API examples, not copied): NSGs with rules, storage accounts, key vaults, role assignments.
 */
import {
  type DiffOptions,
  type DriftReport,
  diffSnapshots,
  importArmResources,
  type JsonObject,
  type ParseSnapshotOptions,
  type SnapshotData,
} from "@azure-drift/core";

export const SUB = "6f1c2d3e-0000-4a5b-9c8d-112233445566";
export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const RG = "rg-prod";

export function resourceId(provider: string, name: string, group = RG, sub = SUB): string {
  return `/subscriptions/${sub}/resourceGroups/${group}/providers/${provider}/${name}`;
}

export interface RuleSpec {
  name: string;
  priority: number;
  access?: "Allow" | "Deny";
  direction?: "Inbound" | "Outbound";
  port?: string;
  source?: string;
  sourcePrefixes?: string[];
}

export function nsgRule(
  nsgName: string,
  spec: RuleSpec,
  etag = 'W/"00000000-0000-0000-0000-000000000001"',
): JsonObject {
  const properties: JsonObject = {
    provisioningState: "Succeeded",
    protocol: "Tcp",
    sourcePortRange: "*",
    destinationPortRange: spec.port ?? "443",
    destinationAddressPrefix: "*",
    access: spec.access ?? "Allow",
    priority: spec.priority,
    direction: spec.direction ?? "Inbound",
    sourcePortRanges: [],
    destinationPortRanges: [],
    sourceAddressPrefixes: spec.sourcePrefixes ?? [],
    destinationAddressPrefixes: [],
  };
  if (spec.source !== undefined || !spec.sourcePrefixes)
    properties.sourceAddressPrefix = spec.source ?? "VirtualNetwork";
  return {
    name: spec.name,
    id: `${resourceId("Microsoft.Network/networkSecurityGroups", nsgName)}/securityRules/${spec.name}`,
    etag,
    type: "Microsoft.Network/networkSecurityGroups/securityRules",
    properties,
  };
}

export function nsg(
  name: string,
  rules: RuleSpec[],
  options: { etag?: string; id?: string } = {},
): JsonObject {
  const etag = options.etag ?? 'W/"00000000-0000-0000-0000-000000000001"';
  return {
    name,
    id: options.id ?? resourceId("Microsoft.Network/networkSecurityGroups", name),
    etag,
    type: "Microsoft.Network/networkSecurityGroups",
    location: "westeurope",
    tags: { env: "prod" },
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: "2d8a5b0e-8b7f-4c6a-9a41-7f1d2b0c9e11",
      securityRules: rules.map((rule) => nsgRule(name, rule, etag)),
      defaultSecurityRules: [
        {
          name: "DenyAllInBound",
          id: `${resourceId("Microsoft.Network/networkSecurityGroups", name)}/defaultSecurityRules/DenyAllInBound`,
          etag,
          properties: {
            provisioningState: "Succeeded",
            description: "Deny all inbound traffic",
            protocol: "*",
            sourcePortRange: "*",
            destinationPortRange: "*",
            sourceAddressPrefix: "*",
            destinationAddressPrefix: "*",
            access: "Deny",
            priority: 65500,
            direction: "Inbound",
          },
        },
      ],
      subnets: [{ id: resourceId("Microsoft.Network/virtualNetworks", "vnet-prod/subnets/app") }],
    },
  };
}

/** Thirty rules, priorities 200..2900. */
export function thirtyRules(): RuleSpec[] {
  return Array.from({ length: 30 }, (_, i) => ({
    name: `rule-${String(i).padStart(2, "0")}`,
    priority: 200 + i * 100,
  }));
}

export function storageAccount(
  name: string,
  options: { minimumTlsVersion?: string; lastSyncTime?: string; ipRules?: string[]; etag?: string } = {},
): JsonObject {
  return {
    sku: { name: "Standard_RAGRS", tier: "Standard" },
    kind: "StorageV2",
    id: resourceId("Microsoft.Storage/storageAccounts", name),
    name,
    type: "Microsoft.Storage/storageAccounts",
    location: "westeurope",
    tags: {},
    properties: {
      keyCreationTime: { key1: "2025-01-10T08:00:00.0000000Z", key2: "2025-01-10T08:00:00.0000000Z" },
      minimumTlsVersion: options.minimumTlsVersion ?? "TLS1_2",
      allowBlobPublicAccess: false,
      supportsHttpsTrafficOnly: true,
      networkAcls: {
        bypass: "AzureServices",
        virtualNetworkRules: [],
        ipRules: (options.ipRules ?? ["203.0.113.0/24"]).map((value) => ({ value, action: "Allow" })),
        defaultAction: "Deny",
      },
      encryption: {
        services: {
          blob: { keyType: "Account", enabled: true, lastEnabledTime: "2025-01-10T08:00:00.0000000Z" },
          file: { keyType: "Account", enabled: true, lastEnabledTime: "2025-01-10T08:00:00.0000000Z" },
        },
        keySource: "Microsoft.Storage",
      },
      provisioningState: "Succeeded",
      primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/` },
      primaryLocation: "westeurope",
      statusOfPrimary: "available",
      secondaryLocation: "northeurope",
      statusOfSecondary: "available",
      geoReplicationStats: {
        status: "Live",
        lastSyncTime: options.lastSyncTime ?? "2026-11-20T10:00:00.0000000Z",
        canFailover: true,
      },
    },
  };
}

export function keyVault(name: string, policies: Array<{ objectId: string; secrets: string[] }>): JsonObject {
  return {
    id: resourceId("Microsoft.KeyVault/vaults", name),
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    tags: { owner: "platform" },
    systemData: {
      createdBy: "alice@contoso.com",
      createdByType: "User",
      createdAt: "2025-03-01T09:00:00.000Z",
      lastModifiedBy: "alice@contoso.com",
      lastModifiedByType: "User",
      lastModifiedAt: "2026-10-01T09:00:00.000Z",
    },
    properties: {
      sku: { family: "A", name: "standard" },
      tenantId: TENANT,
      accessPolicies: policies.map((policy) => ({
        tenantId: TENANT,
        objectId: policy.objectId,
        permissions: { keys: ["get", "list"], secrets: policy.secrets, certificates: [] },
      })),
      enabledForDeployment: false,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      vaultUri: `https://${name}.vault.azure.net/`,
      provisioningState: "Succeeded",
      publicNetworkAccess: "Disabled",
    },
  };
}

export function roleAssignment(guid: string, principalId: string, role: string): JsonObject {
  return {
    id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${guid}`,
    name: guid,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
      principalType: "ServicePrincipal",
      scope: `/subscriptions/${SUB}`,
      createdOn: "2025-05-01T10:00:00.0000000Z",
      updatedOn: "2025-05-01T10:00:00.0000000Z",
      createdBy: "d93a38bc-d029-4160-bfb0-fbda779ac214",
      updatedBy: "d93a38bc-d029-4160-bfb0-fbda779ac214",
    },
  };
}

/** Imports ARM resources as a snapshot with a fixed clock. */
export function armSnapshot(resources: JsonObject[], options: ParseSnapshotOptions = {}): SnapshotData {
  return importArmResources(resources, { tenantId: TENANT, takenAt: "2026-11-20T12:00:00.000Z", ...options });
}

/** Diffs two lists of ARM resources with a fixed report id and clock. */
export function diffArm(before: JsonObject[], after: JsonObject[], options: DiffOptions = {}): DriftReport {
  return diffSnapshots(armSnapshot(before), armSnapshot(after), {
    reportId: "r1",
    now: new Date("2026-11-21T00:00:00.000Z"),
    ...options,
  });
}
