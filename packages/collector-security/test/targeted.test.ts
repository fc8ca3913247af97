import { expectedTargetedGets, resourcesOf, startDriftScenario, unknownAfter403 } from "@azure-drift/testing";
import { expect, test } from "vitest";
import { SECURITY_TYPES, securityCollector } from "../src/index.js";

const TYPES = Object.values(SECURITY_TYPES);
const SQL_CHILDREN = [
  "firewallrules",
  "auditingsettings",
  "securityalertpolicies",
  "azureadonlyauthentications",
];

test("targeted check with the security collector: each changed resource read by id is reported as the full check reports it, one GET each (a SQL server with its four child listings); a 403 is unknown", async () => {
  const scenario = await startDriftScenario({
    collector: securityCollector(),
    types: TYPES,
    tenant: {
      seed: "security-targeted",
      resources: 120,
      subscriptions: 1,
      mix: { storageAccount: 3, sqlServer: 2, defenderPricing: 1, securityContact: 1, securitySetting: 1 },
    },
    mutate: { churn: 0.2, seed: 11, noise: 0.1 },
  });
  const { tenant, subscriptionId, truth } = scenario;
  try {
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // A SQL server asked for is read with its four child listings; its child ids are then read with it.
    const [sqlServer] = resourcesOf(tenant, { types: [SECURITY_TYPES.sqlServer], subscriptionId });
    const ids = [...new Set([...truth.map((change) => change.id), String(sqlServer!.id)])];
    const { targeted, fullOfTargets, routes } = await scenario.targetedThenFull(ids);
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);
    const expected = expectedTargetedGets(ids, (key, type) =>
      type === "microsoft.sql/servers" && tenant.resources.has(key)
        ? SQL_CHILDREN.map((child) => `list microsoft.sql/servers/${child}`)
        : [],
    );
    expect(routes).toEqual(expected);

    // A storage account that cannot be read is unknown, not unchanged.
    const [account] = resourcesOf(tenant, { types: [SECURITY_TYPES.storageAccount], subscriptionId });
    (account!.properties as Record<string, unknown>).minimumTlsVersion = "TLS1_0";
    const report = await scenario.checkForbidden([String(account!.id)], SECURITY_TYPES.storageAccount);
    expect({ resources: report.resources, unknown: report.unknown }).toEqual({
      resources: [],
      unknown: [unknownAfter403(String(account!.id), "security")],
    });
  } finally {
    await scenario.close();
  }
});
