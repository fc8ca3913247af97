import {
  createDriftDetector,
  createMemoryStore,
  parseResourceId,
  staticTokenCredential,
} from "@azure-drift/core";
import {
  filterTruth,
  generateTenant,
  mutateTenant,
  resourcesOf,
  startArmReplayServer,
  targetedThenFull,
} from "@azure-drift/testing";
import { expect, test } from "vitest";
import { BACKUP_TYPES, backupCollector } from "../src/index.js";

const TYPES = Object.values(BACKUP_TYPES);
const VAULTS = "microsoft.recoveryservices/vaults";
const ACCOUNTS = "microsoft.storage/storageaccounts";

test("targeted check with the backup collector: each changed record read by id (or with its vault or account) is reported as the full check reports it; one GET each plus the parent's reads; a 403 is unknown", async () => {
  const tenant = generateTenant({
    seed: "backup-targeted",
    resources: 120,
    subscriptions: 1,
    mix: { recoveryServicesVault: 1, storageAccount: 1 },
  });
  const subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = createDriftDetector({
      collectors: [backupCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
    });
    await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const truth = filterTruth(
      mutateTenant(tenant, { churn: 0.2, seed: 5, noise: 0.4, types: TYPES }).changes,
      TYPES,
    );
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // A vault and a storage account asked for too: each is read with its children.
    const first = (type: string) => String(resourcesOf(tenant, { types: [type], subscriptionId })[0]!.id);
    const parents = [BACKUP_TYPES.vault, "Microsoft.Storage/storageAccounts"].map(first);
    const ids = [...new Set([...truth.map((change) => change.id), ...parents])];
    server.resetStats();
    let routes: Record<string, number> = {};
    const { targeted, fullOfTargets } = await targetedThenFull(
      detector,
      { tenantId: tenant.tenantId, subscriptionId, resourceIds: ids },
      { afterTargeted: () => (routes = { ...server.stats.byRoute }) },
    );
    const truthKeys = new Set(truth.map((change) => change.key));
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual([...truthKeys].sort());
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);

    const keys = ids.map((id) => id.toLowerCase());
    const held = (key: string) => keys.some((other) => other !== key && key.startsWith(`${other}/`));
    const expected: Record<string, number> = {};
    const count = (route: string) => {
      expected[route] = (expected[route] ?? 0) + 1;
    };
    for (const key of keys) {
      if (held(key)) continue;
      const type = String(parseResourceId(key).type);
      count(`get ${type}`);
      if (!tenant.resources.has(key)) continue;
      if (type === VAULTS) {
        // As collect reads a vault's children: three listings and two GETs.
        count("list microsoft.recoveryservices/vaults/backuppolicies");
        count("list microsoft.recoveryservices/vaults/backupprotecteditems");
        count("list microsoft.recoveryservices/vaults/backupresourceguardproxies");
        count("get microsoft.recoveryservices/vaults/backupstorageconfig");
        count("get microsoft.recoveryservices/vaults/backupencryptionconfigs");
      }
      if (type === ACCOUNTS) {
        count("list microsoft.storage/storageaccounts/blobservices");
        count("list microsoft.storage/storageaccounts/fileservices");
      }
    }
    expect(routes).toEqual(expected);

    // A backup policy that cannot be read is unknown, not unchanged.
    const policy = resourcesOf(tenant, { types: [BACKUP_TYPES.backupPolicy], subscriptionId })[0]!;
    (policy.properties as Record<string, unknown>).instantRpRetentionRangeInDays = 1;
    server.setFaults({ forbidden: [{ type: BACKUP_TYPES.backupPolicy }] });
    const { report } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId,
      resourceIds: [String(policy.id)],
    });
    expect(report.resources).toEqual([]);
    expect(report.unknown.map(({ id, collector }) => ({ id, collector }))).toEqual([
      { id: policy.id, collector: "backup" },
    ]);
    expect(report.unknown[0]!.reason).toMatch(/^could not be read: HTTP 403 /);
  } finally {
    await server.close();
  }
});
