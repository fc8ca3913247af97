import { expectedTargetedGets, resourcesOf, startDriftScenario, unknownAfter403 } from "@azure-drift/testing";
import { expect, test } from "vitest";
import { GOVERNANCE_TYPES, governanceCollector } from "../src/index.js";

const TYPES = Object.values(GOVERNANCE_TYPES);

test("targeted check with the governance collector: each changed object read by id is reported as the full check reports it, one GET each; a 403 is unknown", async () => {
  const scenario = await startDriftScenario({
    collector: governanceCollector(),
    types: TYPES,
    tenant: {
      seed: "governance-targeted",
      resources: 300,
      subscriptions: 1,
      mix: {
        keyVault: 3,
        policyDefinition: 2,
        policySetDefinition: 1,
        policyAssignment: 4,
        policyExemption: 2,
        managementLock: 3,
        diagnosticSetting: 5,
        activityLogAlert: 2,
      },
    },
    mutate: { churn: 0.2, seed: 5, noise: 0.3 },
  });
  const { tenant, subscriptionId, truth } = scenario;
  try {
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    expect(new Set(truth.map((change) => change.type)).size).toBeGreaterThanOrEqual(5);
    const ids = [...new Set(truth.map((change) => change.id))];
    const { targeted, fullOfTargets, routes } = await scenario.targetedThenFull(ids);
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);
    expect(routes).toEqual(expectedTargetedGets(ids));

    // A lock deleted but unreadable is unknown, not removed.
    const [lock] = resourcesOf(tenant, { types: [GOVERNANCE_TYPES.managementLock], subscriptionId });
    tenant.resources.delete(String(lock!.id).toLowerCase());
    const report = await scenario.checkForbidden([String(lock!.id)], GOVERNANCE_TYPES.managementLock);
    expect({ resources: report.resources, unknown: report.unknown }).toEqual({
      resources: [],
      unknown: [unknownAfter403(String(lock!.id), "governance")],
    });
  } finally {
    await scenario.close();
  }
});
