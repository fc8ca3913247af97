import { expectedTargetedGets, resourcesOf, startDriftScenario, unknownAfter403 } from "@azure-drift/testing";
import { expect, test } from "vitest";
import { ENCRYPTION_TYPES, encryptionCollector } from "../src/index.js";
import { ENCRYPTION_MIX } from "./tenant-mix.js";

const TYPES = Object.values(ENCRYPTION_TYPES);
const VAULTS = "microsoft.keyvault/vaults";
const SERVERS = "microsoft.sql/servers";
const DATABASES = "microsoft.sql/servers/databases";
const ACCOUNTS = "microsoft.storage/storageaccounts";
const TDE_LIST = "list microsoft.sql/servers/databases/transparentdataencryption";

test("targeted check with the encryption collector: each changed record read by id (or through its parent) is reported as the full check reports it; one GET each plus the parent's child listings; a 403 is unknown", async () => {
  const scenario = await startDriftScenario({
    collector: encryptionCollector(),
    types: TYPES,
    tenant: { seed: "encryption-targeted", resources: 200, subscriptions: 1, mix: ENCRYPTION_MIX },
    mutate: { churn: 0.2, seed: 11, noise: 0.3 },
  });
  const { tenant, subscriptionId, truth } = scenario;
  try {
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // Parents asked for too: a vault (its keys), a SQL server (protector, databases' TDE), a database (TDE), an account (scopes).
    const first = (type: string) => String(resourcesOf(tenant, { types: [type], subscriptionId })[0]!.id);
    const parents = [VAULTS, SERVERS, DATABASES, ACCOUNTS].map(first);
    const ids = [...new Set([...truth.map((change) => change.id), ...parents])];
    const { targeted, fullOfTargets, routes } = await scenario.targetedThenFull(ids);
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);

    // One GET per id not held by another id asked for, and each parent's child listings.
    const userDatabasesOf = (serverKey: string) =>
      resourcesOf(tenant, { types: ["Microsoft.Sql/servers/databases"], subscriptionId }).filter(
        (database) =>
          String(database.id).toLowerCase().startsWith(`${serverKey}/`) &&
          !String(database.kind ?? "").includes("system") &&
          database.name !== "master",
      );
    const childReads = (key: string, type: string): string[] => {
      if (!tenant.resources.has(key)) return [];
      if (type === VAULTS) return ["list microsoft.keyvault/vaults/keys"];
      if (type === ACCOUNTS) return ["list microsoft.storage/storageaccounts/encryptionscopes"];
      if (type === DATABASES) return [TDE_LIST];
      if (type !== SERVERS) return [];
      return [
        "list microsoft.sql/servers/encryptionprotector",
        "list microsoft.sql/servers/databases",
        ...userDatabasesOf(key).map(() => TDE_LIST),
      ];
    };
    const expected = expectedTargetedGets(ids, childReads);
    expect(routes).toEqual(expected);

    // A disk that cannot be read is unknown, not unchanged.
    const disk = resourcesOf(tenant, { types: [ENCRYPTION_TYPES.disk], subscriptionId })[0]!;
    (disk.properties as Record<string, unknown>).networkAccessPolicy = "AllowAll";
    const report = await scenario.checkForbidden([String(disk.id)], ENCRYPTION_TYPES.disk);
    expect({ resources: report.resources, unknown: report.unknown }).toEqual({
      resources: [],
      unknown: [unknownAfter403(String(disk.id), "encryption")],
    });
  } finally {
    await scenario.close();
  }
});
