import { parseResourceId } from "@azure-drift/core";
import {
  countRoute,
  expectedTargetedGets,
  resourcesOf,
  startDriftScenario,
  unknownAfter403,
} from "@azure-drift/testing";
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
    const expected = expectedTargetedGets(ids);
    const keys = ids.map((id) => id.toLowerCase());
    const userDatabasesOf = (serverKey: string) =>
      resourcesOf(tenant, { types: ["Microsoft.Sql/servers/databases"], subscriptionId }).filter(
        (database) =>
          String(database.id).toLowerCase().startsWith(`${serverKey}/`) &&
          !String(database.kind ?? "").includes("system") &&
          database.name !== "master",
      );
    for (const key of keys) {
      const held = keys.some((other) => other !== key && key.startsWith(`${other}/`));
      if (held || !tenant.resources.has(key)) continue;
      const type = String(parseResourceId(key).type);
      if (type === VAULTS) countRoute(expected, "list microsoft.keyvault/vaults/keys");
      if (type === ACCOUNTS) countRoute(expected, "list microsoft.storage/storageaccounts/encryptionscopes");
      if (type === DATABASES) countRoute(expected, TDE_LIST);
      if (type === SERVERS) {
        countRoute(expected, "list microsoft.sql/servers/encryptionprotector");
        countRoute(expected, "list microsoft.sql/servers/databases");
        countRoute(expected, TDE_LIST, userDatabasesOf(key).length);
      }
    }
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
