import type { JsonObject, ResourceDrift } from "@azure-drift/core";
import { createDriftDetector, createMemoryStore, staticTokenCredential } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  mutateTenant,
  putResource,
  removeResource,
  resourcesOf,
  startArmReplayServer,
  summarizeDrift,
} from "@azure-drift/testing";
import { expect, test } from "vitest";
import {
  BUILT_IN_ROLES,
  DENY_ASSIGNMENT_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
  IDENTITY_RESOURCE_TYPES,
  IDENTITY_RULES,
  identityCollector,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "../src/index.js";

/** The remediation a shipped rule gives its findings. */
const remediationOf = (id: string) => IDENTITY_RULES.find((rule) => rule.id === id)?.remediation;

const TYPES = IDENTITY_RESOURCE_TYPES.map((definition) => definition.type);
/** A detector with the identity collector and an in-memory store, pointed at a replay server. */
function identityDetector(server: ArmReplayServer) {
  return createDriftDetector({
    collectors: [identityCollector()],
    store: createMemoryStore(),
    credential: staticTokenCredential("replay-token"),
    arm: { ...server.connection(), retry: { maxRetries: 6, maxRetryDelayMs: 20 } },
    concurrency: 8,
  });
}

test("collect → mutate → check reports exactly the mutator's truth, none of its noise", async () => {
  const tenant = generateTenant({
    seed: "identity-drift",
    resources: 400,
    subscriptions: 2,
    mix: {
      storageAccount: 2,
      keyVault: 2,
      userAssignedIdentity: 6,
      federatedIdentityCredential: 5,
      roleDefinition: 2,
      roleAssignment: 20,
      denyAssignment: 2,
    },
  });
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = identityDetector(server);
    const subscriptions = tenant.subscriptions.map((subscription) => subscription.subscriptionId);
    const first = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(first.report.resources).toEqual([]);

    const { changes } = mutateTenant(tenant, { churn: 0.1, seed: 3, noise: 0.1, types: TYPES });
    // The demo's story: Owner to a service principal at subscription scope, and a federated credential on an identity.
    const [subscriptionId] = subscriptions as [string];
    const owner: JsonObject = {
      id: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleAssignments/0000000a-0000-0000-0000-00000000beef`,
      type: ROLE_ASSIGNMENT_TYPE,
      name: "0000000a-0000-0000-0000-00000000beef",
      properties: {
        roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.owner}`,
        principalId: "5d3c1a9e-0000-0000-0000-000000000001",
        principalType: "ServicePrincipal",
        scope: `/subscriptions/${subscriptionId}`,
      },
    };
    const identity = resourcesOf(tenant, { types: [USER_ASSIGNED_IDENTITY_TYPE], subscriptionId })[0]!;
    const credential: JsonObject = {
      id: `${identity.id}/federatedIdentityCredentials/fork-main`,
      name: "fork-main",
      type: FEDERATED_CREDENTIAL_TYPE,
      properties: {
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:someone/fork:ref:refs/heads/main",
        audiences: ["api://AzureADTokenExchange"],
      },
    };
    putResource(tenant, owner);
    putResource(tenant, credential);
    // A custom role gains a privilege-escalating action; a deny assignment stops denying deletes.
    const modifiedKeys = new Set(changes.map((change) => change.key));
    const custom = resourcesOf(tenant, { types: [ROLE_DEFINITION_TYPE], subscriptionId }).find(
      (definition) => !modifiedKeys.has(String(definition.id).toLowerCase()),
    )!;
    ((custom.properties as JsonObject).permissions as JsonObject[])[0]!.actions = [
      ...(((custom.properties as JsonObject).permissions as JsonObject[])[0]!.actions as string[]),
      "Microsoft.Authorization/roleAssignments/write",
    ];
    const deny = resourcesOf(tenant, { types: [DENY_ASSIGNMENT_TYPE], subscriptionId }).find(
      (assignment) => !modifiedKeys.has(String(assignment.id).toLowerCase()),
    )!;
    const denied = ((deny.properties as JsonObject).permissions as JsonObject[])[0]!;
    denied.actions = (denied.actions as string[]).filter((action) => action !== "*/delete");

    // Owner was assigned nowhere before: its definition enters the first subscription's snapshot. The
    // mutator's truth covers its own changes (built-in roles entering or leaving included); this one is ours.
    const ownerDefinition = `/subscriptions/${subscriptionId}/providers/microsoft.authorization/roledefinitions/${BUILT_IN_ROLES.owner}`;
    expect(changes.some((change) => change.key === ownerDefinition)).toBe(false);
    const truth = [
      ...changes,
      { key: ownerDefinition, status: "added" as const, paths: [] },
      { key: String(owner.id).toLowerCase(), status: "added" as const, paths: [] },
      { key: String(credential.id).toLowerCase(), status: "added" as const, paths: [] },
      {
        key: String(custom.id).toLowerCase(),
        status: "modified" as const,
        paths: ["properties.permissions[0].actions"],
      },
      {
        key: String(deny.id).toLowerCase(),
        status: "modified" as const,
        paths: ["properties.permissions[0].actions"],
      },
    ]
      .map(({ key, status, paths }) => ({ key, status, paths: [...paths].sort() }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(truth.filter((change) => change.status === "modified").length).toBeGreaterThan(5);

    const second = await detector.check({ tenantId: tenant.tenantId, subscriptions });
    expect(second.report.unknown).toEqual([]);
    expect(summarizeDrift(second.report.resources)).toEqual(truth);

    const severityOf = (id: unknown) =>
      second.report.resources.find((drift) => drift.key === String(id).toLowerCase())?.severity;
    expect(severityOf(owner.id)).toBe("critical");
    expect(severityOf(credential.id)).toBe("high");
    expect(severityOf(ownerDefinition)).toBe("info");
    const customDrift = second.report.resources.find(
      (drift) => drift.key === String(custom.id).toLowerCase(),
    );
    expect(customDrift?.changes).toEqual([
      {
        path: "properties.permissions[0].actions",
        kind: "added",
        after: "Microsoft.Authorization/roleAssignments/write",
        severity: "high",
        ruleId: "identity/role-gains-access-control-action",
        remediation: remediationOf("identity/role-gains-access-control-action"),
        message: expect.stringContaining("privilege escalation"),
      },
    ]);
    const denyDrift = second.report.resources.find((drift) => drift.key === String(deny.id).toLowerCase());
    expect(
      denyDrift?.changes.map(({ path, kind, before, ruleId }) => ({ path, kind, before, ruleId })),
    ).toEqual([
      {
        path: "properties.permissions[0].actions",
        kind: "removed",
        before: "*/delete",
        ruleId: "identity/deny-assignment-narrowed",
      },
    ]);
  } finally {
    await server.close();
  }
});

test("an assignment at a management group is seen through its subscription: added, unknown while that subscription is forbidden, then removed", async () => {
  const tenant = generateTenant({
    seed: "management-group",
    resources: 60,
    subscriptions: 2,
    mix: { userAssignedIdentity: 2, roleAssignment: 10 },
  });
  const [a, b] = tenant.subscriptions as [(typeof tenant.subscriptions)[0], (typeof tenant.subscriptions)[0]];
  // mg-prod holds subscription B only.
  b.managementGroups = ["mg-prod"];
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = identityDetector(server);
    const subscriptions = [a.subscriptionId, b.subscriptionId];
    const check = () => detector.check({ tenantId: tenant.tenantId, subscriptions });
    const statuses = (report: { resources: ResourceDrift[] }) =>
      report.resources.map((drift) => [drift.status, drift.key, drift.severity, drift.message]);
    await check();

    const mgScope = "/providers/Microsoft.Management/managementGroups/mg-prod";
    const assignment: JsonObject = {
      id: `${mgScope}/providers/Microsoft.Authorization/roleAssignments/0000000b-0000-0000-0000-0000000000a1`,
      type: ROLE_ASSIGNMENT_TYPE,
      name: "0000000b-0000-0000-0000-0000000000a1",
      properties: {
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.owner}`,
        principalId: "5d3c1a9e-0000-0000-0000-0000000000b2",
        principalType: "Group",
        scope: mgScope,
      },
    };
    putResource(tenant, assignment);
    const key = String(assignment.id).toLowerCase();
    // Owner enters subscription B's snapshot as a referenced built-in role (nothing else assigned it).
    const ownerInB = `/subscriptions/${b.subscriptionId}/providers/microsoft.authorization/roledefinitions/${BUILT_IN_ROLES.owner}`;
    const added = await check();
    expect(added.report.unknown).toEqual([]);
    expect(statuses(added.report).filter(([, each]) => each === key)).toEqual([
      [
        "added",
        key,
        "critical",
        "Owner assigned at management group mg-prod to group 5d3c1a9e-0000-0000-0000-0000000000b2: whoever controls its membership or credentials (outside Azure RBAC) controls every subscription below it.",
      ],
    ]);
    expect(added.report.resources.map((drift) => drift.key).sort()).toEqual([ownerInB, key].sort());

    // B's role assignments answer 403: the assignment is not seen, and must not look removed.
    server.setFaults({ forbidden: [{ subscriptionId: b.subscriptionId, type: ROLE_ASSIGNMENT_TYPE }] });
    const hidden = await check();
    expect(hidden.report.resources.filter((drift) => drift.status === "removed")).toEqual([]);
    expect(hidden.report.unknown.filter((entry) => entry.id === assignment.id)).toEqual([
      {
        id: assignment.id,
        scope: "",
        type: ROLE_ASSIGNMENT_TYPE,
        collector: "identity",
        reason: expect.stringContaining(
          `seen through subscription ${b.subscriptionId}'s listing, which was incomplete`,
        ),
      },
    ]);

    // Readable again, then deleted: removed, as a real deletion must be.
    server.setFaults({});
    await check();
    removeResource(tenant, String(assignment.id));
    const removed = await check();
    expect(removed.report.unknown).toEqual([]);
    expect(removed.report.resources.map((drift) => [drift.status, drift.key]).sort()).toEqual(
      [
        ["removed", key],
        ["removed", ownerInB],
      ].sort(),
    );
  } finally {
    await server.close();
  }
});
