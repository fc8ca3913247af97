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
import { GOVERNANCE_TYPES, governanceCollector } from "../src/index.js";

const TYPES = Object.values(GOVERNANCE_TYPES);

test("targeted check with the governance collector: each changed object read by id is reported as the full check reports it, one GET each; a 403 is unknown", async () => {
  const tenant = generateTenant({
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
  });
  const subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = createDriftDetector({
      collectors: [governanceCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
    });
    await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const truth = filterTruth(
      mutateTenant(tenant, { churn: 0.2, seed: 5, noise: 0.3, types: TYPES }).changes,
      TYPES,
    );
    expect(new Set(truth.map((change) => change.status))).toEqual(new Set(["added", "removed", "modified"]));
    expect(new Set(truth.map((change) => change.type)).size).toBeGreaterThanOrEqual(5);
    const ids = [...new Set(truth.map((change) => change.id))];
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
    const expected: Record<string, number> = {};
    for (const id of ids) {
      const route = `get ${String(parseResourceId(id).type).toLowerCase()}`;
      expected[route] = (expected[route] ?? 0) + 1;
    }
    expect(routes).toEqual(expected);

    // A lock that cannot be read is unknown, not removed.
    const [lock] = resourcesOf(tenant, { types: [GOVERNANCE_TYPES.managementLock], subscriptionId });
    tenant.resources.delete(String(lock!.id).toLowerCase());
    server.setFaults({ forbidden: [{ type: GOVERNANCE_TYPES.managementLock }] });
    const { report } = await detector.checkResources({
      tenantId: tenant.tenantId,
      subscriptionId,
      resourceIds: [String(lock!.id)],
    });
    expect(report.resources).toEqual([]);
    expect(report.unknown.map(({ id, collector }) => ({ id, collector }))).toEqual([
      { id: lock!.id, collector: "governance" },
    ]);
    expect(report.unknown[0]!.reason).toMatch(/^could not be read: HTTP 403 /);
  } finally {
    await server.close();
  }
});
