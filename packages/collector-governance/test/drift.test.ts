import type { JsonObject } from "@azure-drift/core";
import { createDriftDetector, createMemoryStore, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  GOVERNANCE_TYPES as GENERATED_GOVERNANCE_TYPES,
  generateTenant,
  mutateTenant,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  summarizeDrift,
  summarizeTruth,
  type Tenant,
} from "@azure-drift/testing";
import { expect, test } from "vitest";
import { GOVERNANCE_TYPES, governanceCollector } from "../src/index.js";

const TYPES = Object.values(GOVERNANCE_TYPES);
const ROUTING_KEY = "R0c0ffee5ecre7r0u7ingkey00000000";
const CONNECTION_STRING =
  "Endpoint=sb://contoso-audit.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0LXNhcy1rZXktZm9yLWF1ZGl0LWh1Yg==";

function governanceTenant(): Tenant {
  return generateTenant({
    seed: "governance-drift",
    resources: 500,
    subscriptions: 2,
    mix: {
      keyVault: 3,
      networkSecurityGroup: 3,
      storageAccount: 3,
      policyDefinition: 2,
      policySetDefinition: 1,
      policyAssignment: 4,
      policyExemption: 2,
      managementLock: 3,
      diagnosticSetting: 5,
      activityLogAlert: 2,
    },
  });
}

/** Secrets as people plant them: a routing key in an alert's webhook, a connection string in a policy parameter. */
function plantSecrets(tenant: Tenant, subscriptionId: string): void {
  const [alert] = resourcesOf(tenant, { types: [GOVERNANCE_TYPES.activityLogAlert], subscriptionId });
  const groups = ((alert!.properties as JsonObject).actions as JsonObject).actionGroups as JsonObject[];
  groups[0]!.webhookProperties = { routingKey: ROUTING_KEY };
  const [assignment] = resourcesOf(tenant, { types: [GOVERNANCE_TYPES.policyAssignment], subscriptionId });
  ((assignment!.properties as JsonObject).parameters as JsonObject).auditSink = { value: CONNECTION_STRING };
}

test("collect → mutate → check reports exactly the mutator's truth, none of its noise, no secret", async () => {
  expect([...GENERATED_GOVERNANCE_TYPES].sort()).toEqual([...TYPES].sort());
  const tenant = governanceTenant();
  const subscriptions = tenant.subscriptions.map((subscription) => subscription.subscriptionId);
  plantSecrets(tenant, subscriptions[0]!);
  const server: ArmReplayServer = await startArmReplayServer({ tenant, pageSize: 7 });
  try {
    const store = createMemoryStore();
    const detector = createDriftDetector({
      collectors: [governanceCollector()],
      store,
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
      concurrency: 8,
    });
    const first = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(first.report.resources).toEqual([]);

    const { changes } = mutateTenant(tenant, { churn: 0.2, seed: 5, noise: 0.3, types: TYPES });
    const statuses = new Set(changes.map((change) => change.status));
    expect([...statuses].sort()).toEqual(["added", "modified", "removed"]);
    expect(changes.length).toBeGreaterThan(12);
    // The secret rotated: redacted, so not drift either.
    plantSecrets(tenant, subscriptions[0]!);
    const [alert] = resourcesOf(tenant, {
      types: [GOVERNANCE_TYPES.activityLogAlert],
      subscriptionId: subscriptions[0]!,
    });
    (
      ((alert!.properties as JsonObject).actions as JsonObject).actionGroups as JsonObject[]
    )[0]!.webhookProperties = {
      routingKey: `${ROUTING_KEY.slice(0, -4)}ffff`,
    };

    const second = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(second.report.unknown).toEqual([]);
    expect(summarizeDrift(second.report.resources)).toEqual(summarizeTruth(changes));
    // Governance changes are rated by the governance rules (never left at core's default severity).
    const rated = second.report.resources.flatMap((drift) =>
      drift.changes.map((change) => change.ruleId ?? ""),
    );
    expect(rated.some((id) => id.startsWith("governance/"))).toBe(true);

    // No secret in the reports or the stored snapshots' records.
    const stored: string[] = [];
    for (const check of [first, second]) {
      for await (const record of store.readRecords(tenant.tenantId, check.snapshot.id))
        stored.push(JSON.stringify(record));
    }
    // They were served: the tenant's JSON holds both.
    const served = JSON.stringify(resourcesOf(tenant, { types: TYPES }));
    expect(served).toContain(CONNECTION_STRING);
    expect(served).toContain(`${ROUTING_KEY.slice(0, -4)}ffff`);
    const bytes = stored.join("\n") + JSON.stringify(first.report) + JSON.stringify(second.report);
    expect(stored.length).toBeGreaterThan(50);
    expect(bytes).not.toContain(ROUTING_KEY.slice(2, -4));
    expect(bytes).not.toContain("c2VjcmV0LXNhcy1rZXktZm9yLWF1ZGl0LWh1Yg");
  } finally {
    await server.close();
  }
});

test("a 403 on locks: their slice is unknown and a lock deleted meanwhile is not reported removed; once readable, a deleted lock is (high)", async () => {
  const tenant = governanceTenant();
  const subscriptions = tenant.subscriptions.map((subscription) => subscription.subscriptionId);
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = createDriftDetector({
      collectors: [governanceCollector()],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
      concurrency: 8,
    });
    await detector.check({ tenantId: tenant.tenantId, subscriptions });
    const locks = resourcesOf(tenant, {
      types: [GOVERNANCE_TYPES.managementLock],
      subscriptionId: subscriptions[0]!,
    });
    const locksBefore = locks.map((each) => String(each.id).toLowerCase());
    const [lock] = locks;
    removeResource(tenant, String(lock!.id));
    server.setFaults({
      forbidden: [{ subscriptionId: subscriptions[0]!, type: GOVERNANCE_TYPES.managementLock }],
    });
    const hidden = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(hidden.report.resources).toEqual([]);
    // The slice, and each lock of the first snapshot that cannot be seen now: unknown, not removed.
    expect(hidden.report.unknown.every((entry) => entry.type === GOVERNANCE_TYPES.managementLock)).toBe(true);
    expect(hidden.report.unknown.filter((entry) => entry.id === undefined)).toEqual([
      {
        scope: subscriptions[0],
        type: GOVERNANCE_TYPES.managementLock,
        collector: "governance",
        reason: expect.stringContaining("HTTP 403"),
      },
    ]);
    expect(
      hidden.report.unknown.flatMap((entry) => (entry.id ? [entry.id.toLowerCase()] : [])).sort(),
    ).toEqual([...locksBefore].sort());

    // Readable again: a lock deleted now is removed, rated high by the governance rule.
    server.setFaults({});
    await detector.check({ tenantId: tenant.tenantId, subscriptions });
    const other = locks[1]!;
    removeResource(tenant, String(other.id));
    const seen = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(seen.report.unknown).toEqual([]);
    expect(seen.report.resources.map((drift) => [drift.status, drift.key, drift.severity])).toEqual([
      ["removed", String(other.id).toLowerCase(), "high"],
    ]);
    expect(seen.report.resources[0]?.changes[0]?.ruleId).toBe("governance/lock-removed");
  } finally {
    await server.close();
  }
});
