/**
 * Shapes of the backup domain: Recovery Services vaults with the backup children ARM serves per
 * vault (policies, protected items, storage and encryption config, resource guard proxies), and the
 * data protection settings of a storage account's blob and file services. Shapes follow Microsoft's
 * examples for the api-versions the pinned SDKs send (vaults 2024-04-01, backup 2023-06-01, storage
 * 2025-06-01). A vault's GET carries `securitySettings` and `redundancySettings`; the replay server
 * leaves them out of its list (see replay/list-views.ts), as ARM does.
 */
import type { JsonObject } from "@azure-drift/core";
import { Random } from "./random.js";
import type { Placement, ShapeFactory } from "./shapes.js";
import { RESOURCE_TYPES } from "./types.js";

const REDUNDANCY = ["GeoRedundant", "GeoRedundant", "ZoneRedundant", "LocallyRedundant"] as const;

/** The operations a resource guard protects in the vaults that reference it. */
const GUARDED_OPERATIONS = [
  "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/delete",
  "Microsoft.RecoveryServices/vaults/backupconfig/write",
  "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies/delete",
  "Microsoft.RecoveryServices/vaults/backupSecurityPIN/action",
];

/** A Recovery Services vault as a GET returns it, followed by its backup children. */
export function recoveryServicesVaultWithChildren(factory: ShapeFactory, placement: Placement): JsonObject[] {
  const { rng } = factory;
  const prefix = `${factory.groupPath(placement, "plain")}/providers/Microsoft.RecoveryServices/vaults`;
  const name = factory.uniqueName("rsv", prefix);
  const id = `${prefix}/${name}`;
  const redundancy = rng.pick(REDUNDANCY);
  const crossRegionRestore = redundancy === "GeoRedundant" && rng.chance(0.6) ? "Enabled" : "Disabled";
  const vault: JsonObject = {
    location: placement.location,
    name,
    etag: `W/"datetime'${encodeURIComponent(factory.timestamp(2025))}'"`,
    tags: factory.tags(),
    identity: { type: "SystemAssigned", principalId: rng.guid(), tenantId: factory.tenantId },
    properties: {
      provisioningState: "Succeeded",
      privateEndpointConnections: [],
      privateEndpointStateForBackup: "None",
      privateEndpointStateForSiteRecovery: "None",
      publicNetworkAccess: rng.chance(0.4) ? "Disabled" : "Enabled",
      monitoringSettings: {
        azureMonitorAlertSettings: {
          alertsForAllJobFailures: "Enabled",
          alertsForAllReplicationIssues: "Enabled",
          alertsForAllFailoverIssues: "Disabled",
        },
        classicAlertSettings: {
          alertsForCriticalOperations: "Disabled",
          emailNotificationsForSiteRecovery: "Enabled",
        },
      },
      redundancySettings: { standardTierStorageRedundancy: redundancy, crossRegionRestore },
      securitySettings: {
        immutabilitySettings: { state: rng.pick(["Disabled", "Unlocked", "Unlocked", "Locked"]) },
        softDeleteSettings: {
          softDeleteState: rng.chance(0.25) ? "AlwaysON" : "Enabled",
          softDeleteRetentionPeriodInDays: rng.pick([14, 14, 30, 60]),
          enhancedSecurityState: rng.chance(0.8) ? "Enabled" : "Disabled",
        },
        multiUserAuthorization: rng.chance(0.5) ? "Enabled" : "Disabled",
      },
      bcdrSecurityLevel: rng.pick(["Poor", "Fair", "Good", "Excellent"]),
      secureScore: rng.pick(["None", "Minimum", "Adequate", "Maximum"]),
      backupStorageVersion: "V2",
    },
    id,
    type: RESOURCE_TYPES.recoveryServicesVault,
    sku: { name: "RS0", tier: "Standard" },
    systemData: factory.systemData(),
  };
  const policies = Array.from({ length: rng.int(1, 3) }, (_, i) =>
    backupPolicy(factory, id, i === 0 ? "DefaultPolicy" : undefined),
  );
  const items = Array.from({ length: rng.int(1, 4) }, () =>
    backupProtectedItem(factory, id, placement, rng.pick(policies)),
  );
  const children = [
    ...policies,
    ...items,
    backupStorageConfig(factory, id, redundancy, crossRegionRestore === "Enabled"),
    backupEncryptionConfig(factory, id, placement),
  ];
  if (rng.chance(0.5)) children.push(resourceGuardProxy(factory, id, placement));
  return [vault, ...children];
}

/** An Azure VM backup policy: a daily or weekly schedule, daily retention and optional weekly retention. */
export function backupPolicy(factory: ShapeFactory, vaultId: string, name?: string): JsonObject {
  const { rng } = factory;
  const policyName =
    name ??
    factory.uniqueName(rng.pick(["policy-vm", "policy-daily", "policy-prod"]), `${vaultId}/backupPolicies`);
  const runTime = `2024-0${rng.int(1, 9)}-1${rng.int(0, 9)}T0${rng.int(0, 5)}:30:00Z`;
  const retentionPolicy: JsonObject = {
    retentionPolicyType: "LongTermRetentionPolicy",
    dailySchedule: {
      retentionTimes: [runTime],
      retentionDuration: { count: rng.pick([30, 30, 35, 60, 90, 180]), durationType: "Days" },
    },
  };
  if (rng.chance(0.5)) {
    retentionPolicy.weeklySchedule = {
      daysOfTheWeek: ["Sunday"],
      retentionTimes: [runTime],
      retentionDuration: { count: rng.pick([12, 26, 52]), durationType: "Weeks" },
    };
  }
  return {
    id: `${vaultId}/backupPolicies/${policyName}`,
    name: policyName,
    type: RESOURCE_TYPES.backupPolicy,
    properties: {
      backupManagementType: "AzureIaasVM",
      instantRpRetentionRangeInDays: rng.pick([2, 5]),
      schedulePolicy: {
        schedulePolicyType: "SimpleSchedulePolicy",
        scheduleRunFrequency: "Daily",
        scheduleRunTimes: [runTime],
        scheduleWeeklyFrequency: 0,
      },
      retentionPolicy,
      timeZone: rng.pick(["UTC", "W. Europe Standard Time", "Pacific Standard Time"]),
      protectedItemsCount: rng.int(0, 12),
    },
  };
}

/** An Azure VM protected by `policy`: the container and item names encode the VM's group and name. */
export function backupProtectedItem(
  factory: ShapeFactory,
  vaultId: string,
  placement: Placement,
  policy: JsonObject,
): JsonObject {
  const { rng } = factory;
  const vm = `vm-${rng.pick(["web", "app", "sql", "jump", "batch"])}-${rng.hex(6)}`;
  const group = placement.resourceGroup.toLowerCase();
  const container = `iaasvmcontainerv2;${group};${vm}`;
  const vmId = `/subscriptions/${placement.subscriptionId}/resourceGroups/${placement.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm}`;
  const lastBackup = factory.timestamp(2026);
  return {
    id: `${vaultId}/backupFabrics/Azure/protectionContainers/IaasVMContainer;${container}/protectedItems/VM;${container}`,
    name: `VM;${container}`,
    type: RESOURCE_TYPES.backupProtectedItem,
    properties: {
      friendlyName: vm,
      virtualMachineId: vmId,
      protectionStatus: "Healthy",
      protectionState: "Protected",
      healthStatus: "Passed",
      lastBackupStatus: "Completed",
      lastBackupTime: lastBackup,
      protectedItemDataId: String(rng.int(100_000_000, 999_999_999)),
      protectedItemType: "Microsoft.Compute/virtualMachines",
      backupManagementType: "AzureIaasVM",
      workloadType: "VM",
      containerName: container,
      sourceResourceId: vmId,
      policyId: String(policy.id),
      policyName: String(policy.name),
      lastRecoveryPoint: lastBackup,
      isScheduledForDeferredDelete: false,
      isRehydrate: false,
    },
  };
}

/** The vault's backup storage settings (`backupstorageconfig/vaultstorageconfig`). */
export function backupStorageConfig(
  factory: ShapeFactory,
  vaultId: string,
  redundancy: string,
  crossRegionRestore: boolean,
): JsonObject {
  return {
    id: `${vaultId}/backupstorageconfig/vaultstorageconfig`,
    name: "vaultstorageconfig",
    type: RESOURCE_TYPES.backupStorageConfig,
    properties: {
      storageModelType: redundancy,
      storageType: redundancy,
      storageTypeState: factory.rng.chance(0.7) ? "Locked" : "Unlocked",
      crossRegionRestoreFlag: crossRegionRestore,
      dedupState: "Disabled",
      xcoolState: "Disabled",
    },
  };
}

/** The vault's encryption at rest (`backupEncryptionConfigs/backupResourceEncryptionConfig`). */
export function backupEncryptionConfig(
  factory: ShapeFactory,
  vaultId: string,
  placement: Placement,
): JsonObject {
  const { rng } = factory;
  const customerManaged = rng.chance(0.3);
  return {
    id: `${vaultId}/backupEncryptionConfigs/backupResourceEncryptionConfig`,
    name: "backupResourceEncryptionConfig",
    type: RESOURCE_TYPES.backupEncryptionConfig,
    properties: customerManaged
      ? {
          encryptionAtRestType: "CustomerManaged",
          keyUri: `https://kv-backup-${rng.hex(4)}.vault.azure.net/keys/rsv-cmk/${rng.hex(32)}`,
          useSystemAssignedIdentity: true,
          subscriptionId: placement.subscriptionId,
          lastUpdateStatus: "Succeeded",
          infrastructureEncryptionState: rng.chance(0.5) ? "Enabled" : "Disabled",
        }
      : {
          encryptionAtRestType: "MicrosoftManaged",
          lastUpdateStatus: "NotEnabled",
          infrastructureEncryptionState: "Disabled",
        },
  };
}

/** The vault's link to a resource guard (multi-user authorization): `backupResourceGuardProxies/VaultProxy`. */
export function resourceGuardProxy(factory: ShapeFactory, vaultId: string, placement: Placement): JsonObject {
  const { rng } = factory;
  const guard = `/subscriptions/${placement.subscriptionId}/resourceGroups/rg-security-guards/providers/Microsoft.DataProtection/resourceGuards/guard-${rng.hex(6)}`;
  return {
    id: `${vaultId}/backupResourceGuardProxies/VaultProxy`,
    name: "VaultProxy",
    type: RESOURCE_TYPES.backupResourceGuardProxy,
    properties: {
      resourceGuardResourceId: guard,
      resourceGuardOperationDetails: GUARDED_OPERATIONS.map((operation) => ({
        vaultCriticalOperation: operation,
        defaultResourceRequest: `${guard}/${operation.split("/").slice(2).join("")}/default`,
      })),
      lastUpdatedTime: factory.timestamp(2025),
      description: "Multi-user authorization through the security team's resource guard",
    },
  };
}

/**
 * A storage account's blob and file services (`…/blobServices/default`, `…/fileServices/default`).
 * Their random choices come from the account's id, not from the factory's sequence, so adding them
 * left every other generated resource as it was.
 */
export function storageServices(account: JsonObject): JsonObject[] {
  const rng = new Random(`storage services ${String(account.id)}`);
  const sku = account.sku as JsonObject;
  const versioning = rng.chance(0.6);
  const changeFeed = versioning && rng.chance(0.7);
  const blobProperties: JsonObject = {
    cors: { corsRules: [] },
    deleteRetentionPolicy: {
      allowPermanentDelete: false,
      enabled: rng.chance(0.85),
      days: rng.pick([7, 14, 30]),
    },
    containerDeleteRetentionPolicy: { enabled: rng.chance(0.75), days: rng.pick([7, 14]) },
    isVersioningEnabled: versioning,
    changeFeed: changeFeed ? { enabled: true, retentionInDays: rng.pick([7, 30]) } : { enabled: false },
  };
  if (changeFeed && (blobProperties.deleteRetentionPolicy as JsonObject).enabled) {
    const enabledAt = `2025-0${rng.int(1, 9)}-1${rng.int(0, 9)}T08:${rng.int(10, 59)}:00.0000000Z`;
    blobProperties.restorePolicy = {
      enabled: true,
      days: 6,
      lastEnabledTime: enabledAt,
      minRestoreTime: enabledAt,
    };
  }
  return [
    {
      sku: { ...sku },
      id: `${account.id}/blobServices/default`,
      name: "default",
      type: RESOURCE_TYPES.blobService,
      properties: blobProperties,
    },
    {
      sku: { ...sku },
      id: `${account.id}/fileServices/default`,
      name: "default",
      type: RESOURCE_TYPES.fileService,
      properties: {
        protocolSettings: { smb: { multichannel: { enabled: false } } },
        cors: { corsRules: [] },
        shareDeleteRetentionPolicy: { enabled: rng.chance(0.85), days: rng.pick([7, 14, 30]) },
      },
    },
  ];
}
