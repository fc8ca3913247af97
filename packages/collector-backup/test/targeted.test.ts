import { expectedTargetedGets, resourcesOf, startDriftScenario, unknownAfter403 } from "@azure-drift/testing";
import { expect, test } from "vitest";
import { BACKUP_TYPES, backupCollector } from "../src/index.js";

const TYPES = Object.values(BACKUP_TYPES);
const VAULTS = "microsoft.recoveryservices/vaults";
const ACCOUNTS = "microsoft.storage/storageaccounts";
// How collect reads a vault's children (three listings, two GETs) and an account's services.
const VAULT_READS = [
  "list microsoft.recoveryservices/vaults/backuppolicies",
  "list microsoft.recoveryservices/vaults/backupprotecteditems",
  "list microsoft.recoveryservices/vaults/backupresourceguardproxies",
  "get microsoft.recoveryservices/vaults/backupstorageconfig",
  "get microsoft.recoveryservices/vaults/backupencryptionconfigs",
];
const ACCOUNT_READS = [
  "list microsoft.storage/storageaccounts/blobservices",
  "list microsoft.storage/storageaccounts/fileservices",
];

test("targeted check with the backup collector: each changed record read by id (or with its vault or account) is reported as the full check reports it; one GET each plus the parent's reads; a 403 is unknown", async () => {
  const scenario = await startDriftScenario({
    collector: backupCollector(),
    types: TYPES,
    tenant: {
      seed: "backup-targeted",
      resources: 120,
      subscriptions: 1,
      mix: { recoveryServicesVault: 1, storageAccount: 1 },
    },
    mutate: { churn: 0.2, seed: 5, noise: 0.4 },
  });
  const { tenant, subscriptionId, truth } = scenario;
  try {
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // A vault and a storage account asked for too: each is read with its children.
    const first = (type: string) => String(resourcesOf(tenant, { types: [type], subscriptionId })[0]!.id);
    const parents = [BACKUP_TYPES.vault, "Microsoft.Storage/storageAccounts"].map(first);
    const ids = [...new Set([...truth.map((change) => change.id), ...parents])];
    const { targeted, fullOfTargets, routes } = await scenario.targetedThenFull(ids);
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);
    const expected = expectedTargetedGets(ids, (key, type) =>
      !tenant.resources.has(key)
        ? []
        : type === VAULTS
          ? VAULT_READS
          : type === ACCOUNTS
            ? ACCOUNT_READS
            : [],
    );
    expect(routes).toEqual(expected);

    // A backup policy that cannot be read is unknown, not unchanged.
    const policy = resourcesOf(tenant, { types: [BACKUP_TYPES.backupPolicy], subscriptionId })[0]!;
    (policy.properties as Record<string, unknown>).instantRpRetentionRangeInDays = 1;
    const report = await scenario.checkForbidden([String(policy.id)], BACKUP_TYPES.backupPolicy);
    expect({ resources: report.resources, unknown: report.unknown }).toEqual({
      resources: [],
      unknown: [unknownAfter403(String(policy.id), "backup")],
    });
  } finally {
    await scenario.close();
  }
});
