import { expectedTargetedGets, resourcesOf, startDriftScenario, unknownAfter403 } from "@azure-drift/testing";
import { expect, test } from "vitest";
import {
  IDENTITY_RESOURCE_TYPES,
  identityCollector,
  ROLE_ASSIGNMENT_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "../src/index.js";

const TYPES = IDENTITY_RESOURCE_TYPES.map((definition) => definition.type);

test("targeted check with the identity collector: each changed object read by id is reported as the full check reports it, one GET each; a 403 is unknown", async () => {
  const scenario = await startDriftScenario({
    collector: identityCollector(),
    types: TYPES,
    tenant: {
      seed: "identity-targeted",
      resources: 200,
      subscriptions: 1,
      mix: {
        userAssignedIdentity: 6,
        federatedIdentityCredential: 5,
        roleDefinition: 2,
        roleAssignment: 20,
        denyAssignment: 2,
      },
    },
    mutate: { churn: 0.2, seed: 7, noise: 0.1 },
  });
  const { tenant, subscriptionId, truth } = scenario;
  try {
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // An identity asked for is read with its federated credentials.
    const [identity] = resourcesOf(tenant, { types: [USER_ASSIGNED_IDENTITY_TYPE], subscriptionId });
    const ids = [...new Set([...truth.map((change) => change.id), String(identity!.id)])];
    const { targeted, fullOfTargets, routes } = await scenario.targetedThenFull(ids);
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);

    const expected = expectedTargetedGets(ids, (key, type) =>
      type === USER_ASSIGNED_IDENTITY_TYPE.toLowerCase() && tenant.resources.has(key)
        ? ["list microsoft.managedidentity/userassignedidentities/federatedidentitycredentials"]
        : [],
    );
    expect(routes).toEqual(expected);

    // A role assignment that cannot be read is unknown, not unchanged.
    const [assignment] = resourcesOf(tenant, { types: [ROLE_ASSIGNMENT_TYPE], subscriptionId });
    (assignment!.properties as Record<string, unknown>).principalType = "Group";
    const report = await scenario.checkForbidden([String(assignment!.id)], ROLE_ASSIGNMENT_TYPE);
    expect({ resources: report.resources, unknown: report.unknown }).toEqual({
      resources: [],
      unknown: [unknownAfter403(String(assignment!.id), "identity")],
    });
  } finally {
    await scenario.close();
  }
});
