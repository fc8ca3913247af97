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
import {
  IDENTITY_RESOURCE_TYPES,
  identityCollector,
  ROLE_ASSIGNMENT_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "../src/index.js";

const TYPES = IDENTITY_RESOURCE_TYPES.map((definition) => definition.type);

test("targeted check with the identity collector: each changed object read by id is reported as the full check reports it, one GET each; a 403 is unknown", async () => {
  const tenant = generateTenant({
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
  });
  const subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = createDriftDetector({
      collectors: [identityCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
    });
    await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const truth = filterTruth(
      mutateTenant(tenant, { churn: 0.2, seed: 7, noise: 0.1, types: TYPES }).changes,
      TYPES,
    );
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    // An identity asked for is read with its federated credentials.
    const [identity] = resourcesOf(tenant, { types: [USER_ASSIGNED_IDENTITY_TYPE], subscriptionId });
    const ids = [...new Set([...truth.map((change) => change.id), String(identity!.id)])];
    server.resetStats();
    let routes: Record<string, number> = {};
    const { targeted, fullOfTargets } = await targetedThenFull(
      detector,
      { tenantId: tenant.tenantId, subscriptionId, resourceIds: ids },
      { afterTargeted: () => (routes = { ...server.stats.byRoute }) },
    );
    expect(targeted.resources.map((drift) => drift.key).sort()).toEqual(
      [...new Set(truth.map((change) => change.key))].sort(),
    );
    expect(targeted.resources).toEqual(fullOfTargets);
    expect(targeted.unknown).toEqual([]);

    const identities = ids
      .filter((id) => parseResourceId(id).type === USER_ASSIGNED_IDENTITY_TYPE)
      .map((id) => id.toLowerCase());
    const expected: Record<string, number> = {};
    const count = (route: string) => {
      expected[route] = (expected[route] ?? 0) + 1;
    };
    for (const id of ids) {
      if (identities.some((parent) => id.toLowerCase().startsWith(`${parent}/`))) continue;
      count(`get ${String(parseResourceId(id).type).toLowerCase()}`);
    }
    for (const key of identities)
      if (tenant.resources.has(key))
        count("list microsoft.managedidentity/userassignedidentities/federatedidentitycredentials");
    expect(routes).toEqual(expected);

    // A role assignment that cannot be read is unknown, not unchanged.
    const [assignment] = resourcesOf(tenant, { types: [ROLE_ASSIGNMENT_TYPE], subscriptionId });
    (assignment!.properties as Record<string, unknown>).principalType = "Group";
    server.setFaults({ forbidden: [{ type: ROLE_ASSIGNMENT_TYPE }] });
    const { report } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId,
      resourceIds: [String(assignment!.id)],
    });
    expect(report.resources).toEqual([]);
    expect(report.unknown.map(({ id, collector }) => ({ id, collector }))).toEqual([
      { id: assignment!.id, collector: "identity" },
    ]);
    expect(report.unknown[0]!.reason).toMatch(/^could not be read: HTTP 403 /);
  } finally {
    await server.close();
  }
});
