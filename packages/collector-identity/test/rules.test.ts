import type { FieldChange, JsonObject, ResourceDrift } from "@azure-drift/core";
import { createRuleEngine } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { BUILT_IN_ROLES, IDENTITY_RULES } from "../src/index.js";
import {
  DENY_ASSIGNMENT_TYPE,
  FEDERATED_CREDENTIAL_TYPE,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
} from "../src/resource-types.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000a1";
const engine = createRuleEngine({}, IDENTITY_RULES);

function assignment(scope: string, role: string, principalType = "User"): JsonObject {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/ra1`,
    type: ROLE_ASSIGNMENT_TYPE,
    name: "ra1",
    properties: {
      roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId: "11111111-1111-1111-1111-111111111111",
      principalType,
      scope,
    },
  };
}

/** The rule engine's assessment of a resource added or removed. */
function assessResource(status: "added" | "removed", config: JsonObject) {
  const drift: ResourceDrift = {
    id: String(config.id),
    key: String(config.id).toLowerCase(),
    type: String(config.type),
    name: String(config.name),
    status,
    severity: "low",
    changes: [],
  };
  return engine.assess(
    drift,
    status === "removed" ? config : undefined,
    status === "added" ? config : undefined,
  ).drift;
}

/** The finding (rule id and severity) of a resource added or removed. */
function resourceFinding(status: "added" | "removed", config: JsonObject) {
  const drift = assessResource(status, config);
  return { ruleId: drift?.changes[0]?.ruleId, severity: drift?.severity };
}

/** The finding of one field change of a modified resource. */
function changeFinding(before: JsonObject, after: JsonObject, change: Omit<FieldChange, "severity">) {
  const drift: ResourceDrift = {
    id: String(after.id),
    key: String(after.id).toLowerCase(),
    type: String(after.type),
    name: String(after.name),
    status: "modified",
    severity: "low",
    changes: [{ ...change, severity: "low" }],
  };
  const assessed = engine.assess(drift, before, after).drift?.changes[0];
  return { ruleId: assessed?.ruleId, severity: assessed?.severity };
}

describe("role assignments added", () => {
  test.each([
    [
      SUB,
      BUILT_IN_ROLES.owner,
      "ServicePrincipal",
      "identity/access-admin-to-non-user-at-subscription",
      "critical",
    ],
    [
      SUB,
      BUILT_IN_ROLES.userAccessAdministrator,
      "Group",
      "identity/access-admin-to-non-user-at-subscription",
      "critical",
    ],
    [SUB, BUILT_IN_ROLES.owner, "User", "identity/privileged-role-at-subscription", "high"],
    [SUB, BUILT_IN_ROLES.contributor, "ServicePrincipal", "identity/privileged-role-at-subscription", "high"],
    [
      SUB,
      BUILT_IN_ROLES.roleBasedAccessControlAdministrator,
      "User",
      "identity/privileged-role-at-subscription",
      "high",
    ],
    [SUB, BUILT_IN_ROLES.reader, "User", "identity/role-assignment-at-subscription", "medium"],
    [
      `${SUB}/resourceGroups/rg1`,
      BUILT_IN_ROLES.owner,
      "ServicePrincipal",
      "identity/privileged-role-assigned",
      "medium",
    ],
    [`${SUB}/resourceGroups/rg1`, BUILT_IN_ROLES.reader, "User", undefined, "low"],
    [
      "/providers/Microsoft.Management/managementGroups/corp",
      BUILT_IN_ROLES.userAccessAdministrator,
      "ServicePrincipal",
      "identity/access-admin-to-non-user-above-subscription",
      "critical",
    ],
    ["/", BUILT_IN_ROLES.owner, "Group", "identity/access-admin-to-non-user-above-subscription", "critical"],
    ["/", BUILT_IN_ROLES.owner, "User", "identity/privileged-role-above-subscription", "high"],
    [
      "/providers/Microsoft.Management/managementGroups/corp",
      BUILT_IN_ROLES.contributor,
      "Group",
      "identity/privileged-role-above-subscription",
      "high",
    ],
    [
      "/providers/Microsoft.Management/managementGroups/corp",
      BUILT_IN_ROLES.reader,
      "User",
      "identity/role-assignment-above-subscription",
      "medium",
    ],
  ])("at %s, role %s to a %s: %s (%s)", (scope, role, principalType, ruleId, severity) => {
    expect(resourceFinding("added", assignment(scope, role, principalType))).toEqual({ ruleId, severity });
  });

  test("the role id is matched case-insensitively and in its tenant-level form", () => {
    const config = assignment(SUB.toUpperCase(), BUILT_IN_ROLES.owner.toUpperCase(), "User");
    (config.properties as JsonObject).roleDefinitionId =
      `/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.owner.toUpperCase()}`;
    expect(resourceFinding("added", config)).toEqual({
      ruleId: "identity/privileged-role-at-subscription",
      severity: "high",
    });
  });
});

describe("messages name the role, the principal and the scope", () => {
  const message = (status: "added" | "removed", config: JsonObject) =>
    assessResource(status, config)?.message;
  const PRINCIPAL = "11111111-1111-1111-1111-111111111111";

  test.each([
    [
      SUB,
      BUILT_IN_ROLES.owner,
      "ServicePrincipal",
      `Owner assigned at subscription scope to service principal ${PRINCIPAL}: whoever controls its membership or credentials (outside Azure RBAC) controls the subscription.`,
    ],
    [
      SUB,
      BUILT_IN_ROLES.contributor,
      "Group",
      `Contributor assigned at subscription scope to group ${PRINCIPAL}: it applies to every resource in the subscription.`,
    ],
    [
      SUB,
      "0000aaaa-0000-0000-0000-000000000000",
      "User",
      `Role 0000aaaa-0000-0000-0000-000000000000 assigned at subscription scope to user ${PRINCIPAL}: it applies to every resource in the subscription.`,
    ],
    [
      `${SUB}/resourceGroups/rg1`,
      BUILT_IN_ROLES.roleBasedAccessControlAdministrator,
      "ForeignGroup",
      `Role Based Access Control Administrator assigned to foreign group ${PRINCIPAL} at ${SUB}/resourceGroups/rg1.`,
    ],
    [
      "/providers/Microsoft.Management/managementGroups/corp",
      BUILT_IN_ROLES.reader,
      "User",
      `Reader assigned at management group corp to user ${PRINCIPAL}: it applies to every subscription below it.`,
    ],
    [
      "/",
      BUILT_IN_ROLES.owner,
      "User",
      `Owner assigned at the tenant root (/) to user ${PRINCIPAL}: it applies to every subscription below it.`,
    ],
  ])("at %s, role %s to a %s", (scope, role, principalType, expected) => {
    expect(message("added", assignment(scope, role, principalType))).toBe(expected);
  });

  test("a built-in role entering or leaving the snapshot is named", () => {
    const owner: JsonObject = {
      id: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES.owner}`,
      type: ROLE_DEFINITION_TYPE,
      name: BUILT_IN_ROLES.owner,
      properties: { roleName: "Owner", type: "BuiltInRole", permissions: [{ actions: ["*"] }] },
    };
    expect(message("added", owner)).toBe(
      `Built-in role Owner (${BUILT_IN_ROLES.owner}) is now assigned in this subscription.`,
    );
    expect(message("removed", owner)).toBe(
      `Built-in role Owner (${BUILT_IN_ROLES.owner}) is no longer assigned in this subscription (built-in roles are not deleted; it left the snapshot).`,
    );
  });
});

describe("role assignments modified", () => {
  const before = assignment(SUB, BUILT_IN_ROLES.reader);
  test("condition removed is high, changed medium", () => {
    expect(
      changeFinding(before, before, { path: "properties.condition", kind: "removed", before: "x" }),
    ).toEqual({
      ruleId: "identity/role-assignment-condition-removed",
      severity: "high",
    });
    expect(
      changeFinding(before, before, {
        path: "properties.condition",
        kind: "changed",
        before: "x",
        after: "y",
      }),
    ).toEqual({ ruleId: "identity/role-assignment-condition-changed", severity: "medium" });
  });
  test("a new principal under the same assignment name is high; a description is not", () => {
    expect(
      changeFinding(before, before, {
        path: "properties.principalId",
        kind: "changed",
        before: "a",
        after: "b",
      }),
    ).toEqual({ ruleId: "identity/role-assignment-retargeted", severity: "high" });
    expect(
      changeFinding(before, before, {
        path: "properties.description",
        kind: "changed",
        before: "a",
        after: "b",
      }),
    ).toEqual({ ruleId: undefined, severity: "low" });
  });
});

function role(type: "CustomRole" | "BuiltInRole", actions: string[]): JsonObject {
  return {
    id: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/rd1`,
    type: ROLE_DEFINITION_TYPE,
    name: "rd1",
    properties: {
      roleName: "Ops",
      type,
      assignableScopes: [SUB],
      permissions: [
        { actions, notActions: ["Microsoft.Network/*/delete"], dataActions: [], notDataActions: [] },
      ],
    },
  };
}

describe("role definitions", () => {
  const custom = role("CustomRole", ["Microsoft.Network/*/read"]);
  test.each([
    ["*", "identity/role-gains-access-control-action", "high"],
    ["Microsoft.Authorization/*/write", "identity/role-gains-access-control-action", "high"],
    ["Microsoft.Authorization/roleAssignments/write", "identity/role-gains-access-control-action", "high"],
    ["*/delete", "identity/role-gains-wildcard-action", "high"],
    ["*/read", undefined, "low"],
    ["Microsoft.Network/*/write", undefined, "low"],
  ])("action %s added: %s (%s)", (action, ruleId, severity) => {
    const after = role("CustomRole", ["Microsoft.Network/*/read", action]);
    expect(
      changeFinding(custom, after, {
        path: "properties.permissions[0].actions",
        kind: "added",
        after: action,
      }),
    ).toEqual({ ruleId, severity });
  });

  test("an exclusion removed is medium", () => {
    expect(
      changeFinding(custom, custom, {
        path: "properties.permissions[0].notActions",
        kind: "removed",
        before: "Microsoft.Network/*/delete",
      }),
    ).toEqual({ ruleId: "identity/role-exclusion-removed", severity: "medium" });
  });

  test("a new permissions block granting role assignment is high", () => {
    expect(
      changeFinding(custom, custom, {
        path: "properties.permissions[1]",
        kind: "added",
        after: { actions: ["Microsoft.Authorization/roleAssignments/*"], notActions: [] },
      }),
    ).toEqual({ ruleId: "identity/role-permissions-block-added", severity: "high" });
  });

  test("assignable scopes widened: a management group is high, a subscription medium", () => {
    expect(
      changeFinding(custom, custom, {
        path: "properties.assignableScopes",
        kind: "added",
        after: "/providers/Microsoft.Management/managementGroups/corp",
      }),
    ).toEqual({ ruleId: "identity/role-assignable-at-root-or-management-group", severity: "high" });
    expect(
      changeFinding(custom, custom, {
        path: "properties.assignableScopes",
        kind: "added",
        after: "/subscriptions/other",
      }),
    ).toEqual({ ruleId: "identity/role-assignable-scopes-widened", severity: "medium" });
  });

  test("a custom role created with access-control actions is high; a built-in one entering or leaving is info", () => {
    expect(resourceFinding("added", role("CustomRole", ["Microsoft.Authorization/*"]))).toEqual({
      ruleId: "identity/custom-role-added-with-access-control",
      severity: "high",
    });
    expect(resourceFinding("added", role("CustomRole", ["Microsoft.Network/*/read"]))).toEqual({
      ruleId: undefined,
      severity: "low",
    });
    expect(resourceFinding("added", role("BuiltInRole", ["*"]))).toEqual({
      ruleId: "identity/built-in-role-referenced",
      severity: "info",
    });
    expect(resourceFinding("removed", role("BuiltInRole", ["*"]))).toEqual({
      ruleId: "identity/built-in-role-unreferenced",
      severity: "info",
    });
  });

  test("Microsoft widening a built-in role in use is medium", () => {
    const builtIn = role("BuiltInRole", ["Microsoft.Network/*/read"]);
    expect(
      changeFinding(builtIn, builtIn, {
        path: "properties.permissions[0].dataActions",
        kind: "added",
        after: "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
      }),
    ).toEqual({ ruleId: "identity/built-in-role-widened", severity: "medium" });
  });
});

describe("deny assignments", () => {
  const deny: JsonObject = {
    id: `${SUB}/providers/Microsoft.Authorization/denyAssignments/da1`,
    type: DENY_ASSIGNMENT_TYPE,
    name: "da1",
    properties: {
      permissions: [{ actions: ["*/write"], notActions: [] }],
      principals: [],
      excludePrincipals: [],
    },
  };
  test("removed is high", () => {
    expect(resourceFinding("removed", deny)).toEqual({
      ruleId: "identity/deny-assignment-removed",
      severity: "high",
    });
  });
  test("a principal excluded, or an action no longer denied, is medium", () => {
    expect(
      changeFinding(deny, deny, {
        path: "properties.excludePrincipals[id=abc]",
        kind: "added",
        after: { id: "abc", type: "User" },
      }),
    ).toEqual({ ruleId: "identity/deny-assignment-principal-excluded", severity: "medium" });
    expect(
      changeFinding(deny, deny, {
        path: "properties.permissions[0].actions",
        kind: "removed",
        before: "*/write",
      }),
    ).toEqual({ ruleId: "identity/deny-assignment-narrowed", severity: "medium" });
  });
});

describe("managed identities and federated credentials", () => {
  const credential: JsonObject = {
    id: `${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1/federatedIdentityCredentials/f1`,
    type: FEDERATED_CREDENTIAL_TYPE,
    name: "f1",
    properties: {
      issuer: "https://token.actions.githubusercontent.com",
      subject: "repo:a/b:ref:main",
      audiences: [],
    },
  };
  const identity: JsonObject = {
    id: `${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1`,
    type: USER_ASSIGNED_IDENTITY_TYPE,
    name: "id1",
    properties: { principalId: "p1", clientId: "c1" },
  };
  test("a credential added is high, its subject changed high, its audiences medium", () => {
    expect(resourceFinding("added", credential)).toEqual({
      ruleId: "identity/federated-credential-added",
      severity: "high",
    });
    expect(
      changeFinding(credential, credential, {
        path: "properties.subject",
        kind: "changed",
        before: "a",
        after: "b",
      }),
    ).toEqual({ ruleId: "identity/federated-credential-trust-changed", severity: "high" });
    expect(
      changeFinding(credential, credential, {
        path: "properties.audiences",
        kind: "added",
        after: "api://x",
      }),
    ).toEqual({ ruleId: "identity/federated-credential-audience-changed", severity: "medium" });
  });
  test("an identity removed is low, recreated medium", () => {
    expect(resourceFinding("removed", identity)).toEqual({
      ruleId: "identity/managed-identity-removed",
      severity: "low",
    });
    expect(
      changeFinding(identity, identity, {
        path: "properties.principalId",
        kind: "changed",
        before: "p1",
        after: "p2",
      }),
    ).toEqual({ ruleId: "identity/managed-identity-recreated", severity: "medium" });
  });
});

test("rule ids are unique and all in the identity/ namespace", () => {
  const ids = IDENTITY_RULES.map((rule) => rule.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.filter((id) => !id.startsWith("identity/"))).toEqual([]);
});
