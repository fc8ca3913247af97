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
import { ENCRYPTION_TYPES, encryptionCollector } from "../src/index.js";
import { ENCRYPTION_MIX } from "./tenant-mix.js";

const TYPES = Object.values(ENCRYPTION_TYPES);
const VAULTS = "microsoft.keyvault/vaults";
const SERVERS = "microsoft.sql/servers";
const DATABASES = "microsoft.sql/servers/databases";
const ACCOUNTS = "microsoft.storage/storageaccounts";

test("targeted check with the encryption collector: each changed record read by id (or through its parent) is reported as the full check reports it; one GET each plus the parent's child listings; a 403 is unknown", async () => {
  const tenant = generateTenant({
    seed: "encryption-targeted",
    resources: 200,
    subscriptions: 1,
    mix: ENCRYPTION_MIX,
  });
  const subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = createDriftDetector({
      collectors: [encryptionCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
    });
    await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const truth = filterTruth(
      mutateTenant(tenant, { churn: 0.2, seed: 11, noise: 0.3, types: TYPES }).changes,
      TYPES,
    );
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // Parents asked for too: a vault (its keys), a SQL server (protector, databases' TDE), a database (TDE), an account (scopes).
    const first = (type: string) => String(resourcesOf(tenant, { types: [type], subscriptionId })[0]!.id);
    const parents = [VAULTS, SERVERS, DATABASES, ACCOUNTS].map(first);
    const ids = [...new Set([...truth.map((change) => change.id), ...parents])];
    server.resetStats();
    let routes: Record<string, number> = {};
    const { targeted, fullOfTargets } = await targetedThenFull(
      detector,
      { tenantId: tenant.tenantId, subscriptionId, resourceIds: ids },
      { afterTargeted: () => (routes = { ...server.stats.byRoute }) },
    );
    const truthKeys = new Set(truth.map((change) => change.key));
    expect(targeted.resources.filter((drift) => !truthKeys.has(drift.key))).toEqual([]);
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual([...truthKeys].sort());
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);

    // One GET per id not held by another id asked for, and each parent's child listings.
    const expected: Record<string, number> = {};
    const count = (route: string, n = 1) => {
      if (n > 0) expected[route] = (expected[route] ?? 0) + n;
    };
    const keys = ids.map((id) => id.toLowerCase());
    const held = (key: string) => keys.some((other) => other !== key && key.startsWith(`${other}/`));
    const exists = (key: string) => tenant.resources.has(key);
    const userDatabasesOf = (serverKey: string) =>
      resourcesOf(tenant, { types: ["Microsoft.Sql/servers/databases"], subscriptionId }).filter(
        (database) => {
          const key = String(database.id).toLowerCase();
          return (
            key.startsWith(`${serverKey}/`) &&
            !String(database.kind ?? "").includes("system") &&
            database.name !== "master"
          );
        },
      );
    for (const key of keys) {
      if (held(key)) continue;
      const type = String(parseResourceId(key).type);
      count(`get ${type}`);
      if (!exists(key)) continue;
      if (type === VAULTS) count("list microsoft.keyvault/vaults/keys");
      if (type === ACCOUNTS) count("list microsoft.storage/storageaccounts/encryptionscopes");
      if (type === SERVERS) {
        count("list microsoft.sql/servers/encryptionprotector");
        count("list microsoft.sql/servers/databases");
        count("list microsoft.sql/servers/databases/transparentdataencryption", userDatabasesOf(key).length);
      }
      if (type === DATABASES) count("list microsoft.sql/servers/databases/transparentdataencryption");
    }
    expect(routes).toEqual(expected);

    // A disk that cannot be read is unknown, not unchanged.
    const disk = resourcesOf(tenant, { types: [ENCRYPTION_TYPES.disk], subscriptionId })[0]!;
    (disk.properties as Record<string, unknown>).networkAccessPolicy = "AllowAll";
    server.setFaults({ forbidden: [{ type: ENCRYPTION_TYPES.disk }] });
    const { report } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId,
      resourceIds: [String(disk.id)],
    });
    expect(report.resources).toEqual([]);
    expect(report.unknown.map(({ id, collector }) => ({ id, collector }))).toEqual([
      { id: disk.id, collector: "encryption" },
    ]);
    expect(report.unknown[0]!.reason).toMatch(/^could not be read: HTTP 403 /);
  } finally {
    await server.close();
  }
});
