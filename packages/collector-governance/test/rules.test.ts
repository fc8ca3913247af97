import {
  createTypeRegistry,
  diffSnapshots,
  importArmResources,
  type JsonObject,
  type Severity,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { GOVERNANCE_TYPES, governanceCollector, governanceRules } from "../src/index.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000a1";
const GROUP = `${SUB}/resourceGroups/rg-data`;
const VAULT = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-prod`;
const registry = createTypeRegistry(governanceCollector().types);

/** Diffs two lists of ARM resources through core's real diff and rule engine, with core's defaults after ours. */
function findings(
  before: JsonObject[],
  after: JsonObject[],
): [string, string, string | undefined, Severity][] {
  // An unchanged resource of each type on both sides, so each (subscription, type) slice is covered
  // in both snapshots and an addition or removal is one (never "unknown").
  const types = new Set([...before, ...after].map((resource) => String(resource.type)));
  const anchors = [...types].map((type) => ({
    id: `${SUB}/providers/${type}/unchanged-anchor`,
    type,
    name: "unchanged-anchor",
    properties: {},
  }));
  const snapshot = (resources: JsonObject[]) =>
    importArmResources(structuredClone([...resources, ...anchors]), {
      registry,
      tenantId: "t",
      importCoverage: "types",
    });
  const report = diffSnapshots(snapshot(before), snapshot(after), {
    registry,
    collectorRules: governanceRules,
    reportId: "r1",
    now: new Date("2026-12-01T00:00:00.000Z"),
  });
  return report.resources.flatMap((drift) =>
    drift.changes.length
      ? drift.changes.map(
          (change) =>
            [drift.status, change.path, change.ruleId, change.severity] as [
              string,
              string,
              string | undefined,
              Severity,
            ],
        )
      : [[drift.status, "", undefined, drift.severity] as [string, string, string | undefined, Severity]],
  );
}

/** What one change to `resource` rates: `edit` changes a copy. */
function rate(resource: JsonObject, edit: (copy: JsonObject) => void) {
  const after = structuredClone(resource);
  edit(after);
  return findings([resource], [after]);
}

const props = (resource: JsonObject) => resource.properties as JsonObject;

const assignment: JsonObject = {
  id: `${SUB}/providers/Microsoft.Authorization/policyAssignments/deny-kv-public`,
  type: GOVERNANCE_TYPES.policyAssignment,
  name: "deny-kv-public",
  properties: {
    displayName: "Key vaults: no public network",
    policyDefinitionId:
      "/providers/Microsoft.Authorization/policyDefinitions/405c5871-3e91-4644-8a63-58e19d68ff5b",
    scope: SUB,
    notScopes: [],
    enforcementMode: "Default",
    parameters: { effect: { value: "Deny" } },
    metadata: { assignedBy: "alice@contoso.com", updatedOn: "2025-01-01T00:00:00Z" },
  },
};

const definition: JsonObject = {
  id: `${SUB}/providers/Microsoft.Authorization/policyDefinitions/contoso-tls`,
  type: GOVERNANCE_TYPES.policyDefinition,
  name: "contoso-tls",
  properties: {
    policyType: "Custom",
    displayName: "Storage: TLS 1.2",
    parameters: {
      effect: { type: "String", allowedValues: ["Audit", "Deny", "Disabled"], defaultValue: "Deny" },
    },
    policyRule: {
      if: { field: "type", equals: "Microsoft.Storage/storageAccounts" },
      // biome-ignore lint/suspicious/noThenProperty: ARM's policy rule is an if/then object.
      then: { effect: "Deny" },
    },
  },
};

const initiative: JsonObject = {
  id: `${SUB}/providers/Microsoft.Authorization/policySetDefinitions/contoso-baseline`,
  type: GOVERNANCE_TYPES.policySetDefinition,
  name: "contoso-baseline",
  properties: {
    policyType: "Custom",
    displayName: "Contoso baseline",
    policyDefinitions: [
      {
        policyDefinitionReferenceId: "tls",
        policyDefinitionId: String(definition.id),
        parameters: { effect: { value: "Deny" } },
      },
      { policyDefinitionReferenceId: "tags", policyDefinitionId: `${definition.id}-tags`, parameters: {} },
    ],
  },
};

const exemption: JsonObject = {
  id: `${GROUP}/providers/Microsoft.Authorization/policyExemptions/legacy-kv`,
  type: GOVERNANCE_TYPES.policyExemption,
  name: "legacy-kv",
  properties: {
    policyAssignmentId: String(assignment.id),
    exemptionCategory: "Waiver",
    expiresOn: "2026-06-01T00:00:00Z",
    displayName: "Legacy vault",
  },
};

const lock = (level: string): JsonObject => ({
  id: `${VAULT}/providers/Microsoft.Authorization/locks/keep`,
  type: GOVERNANCE_TYPES.managementLock,
  name: "keep",
  properties: { level, notes: "Production secrets." },
});

const subscriptionSetting: JsonObject = {
  id: `${SUB}/providers/Microsoft.Insights/diagnosticSettings/activity-to-law`,
  type: GOVERNANCE_TYPES.diagnosticSetting,
  name: "activity-to-law",
  properties: {
    workspaceId: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law`,
    logs: ["Administrative", "Security", "ServiceHealth", "Alert", "Policy"].map((category) => ({
      category,
      categoryGroup: null,
      enabled: true,
    })),
  },
};

const vaultSetting = (logs: JsonObject[]): JsonObject => ({
  id: `${VAULT}/providers/microsoft.insights/diagnosticSettings/kv-audit`,
  type: GOVERNANCE_TYPES.diagnosticSetting,
  name: "kv-audit",
  properties: {
    workspaceId: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law`,
    logs,
    metrics: [{ category: "AllMetrics", enabled: true }],
  },
});

const nsgSetting: JsonObject = {
  id: `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/nsg-web/providers/microsoft.insights/diagnosticSettings/nsg-logs`,
  type: GOVERNANCE_TYPES.diagnosticSetting,
  name: "nsg-logs",
  properties: {
    workspaceId: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law`,
    logs: [{ category: "NetworkSecurityGroupEvent", enabled: true }],
  },
};

const alert: JsonObject = {
  id: `${GROUP}/providers/microsoft.insights/activityLogAlerts/policy-deleted`,
  type: GOVERNANCE_TYPES.activityLogAlert,
  name: "policy-deleted",
  location: "Global",
  properties: {
    scopes: [SUB],
    condition: {
      allOf: [
        { field: "category", equals: "Administrative" },
        { field: "operationName", equals: "Microsoft.Authorization/policyAssignments/delete" },
      ],
    },
    actions: {
      actionGroups: [
        { actionGroupId: `${GROUP}/providers/microsoft.insights/actionGroups/secops`, webhookProperties: {} },
        { actionGroupId: `${GROUP}/providers/microsoft.insights/actionGroups/oncall`, webhookProperties: {} },
      ],
    },
    enabled: true,
  },
};

describe("policy assignments", () => {
  test("removed: medium, by the governance rule (core's says less)", () => {
    expect(findings([assignment], [])).toEqual([
      ["removed", "", "governance/policy-assignment-removed", "medium"],
    ]);
  });

  test("set to DoNotEnforce: medium; back to Default is not rated", () => {
    expect(rate(assignment, (copy) => (props(copy).enforcementMode = "DoNotEnforce"))).toEqual([
      ["modified", "properties.enforcementMode", "governance/policy-not-enforced", "medium"],
    ]);
    const off = structuredClone(assignment);
    props(off).enforcementMode = "DoNotEnforce";
    expect(rate(off, (copy) => (props(copy).enforcementMode = "Default"))).toEqual([
      ["modified", "properties.enforcementMode", undefined, "low"],
    ]);
  });

  test("an exclusion added: medium, the first and a further one; one removed is not rated", () => {
    expect(
      rate(assignment, (copy) => (props(copy).notScopes = [`${SUB}/resourceGroups/rg-sandbox`])),
    ).toEqual([["modified", "properties.notScopes", "governance/policy-exclusion-added", "medium"]]);
    const excluded = structuredClone(assignment);
    props(excluded).notScopes = [`${SUB}/resourceGroups/rg-sandbox`];
    expect(
      rate(
        excluded,
        (copy) =>
          (props(copy).notScopes = [`${SUB}/resourceGroups/rg-sandbox`, `${SUB}/resourceGroups/rg-dev`]),
      ),
    ).toEqual([["modified", "properties.notScopes", "governance/policy-exclusion-added", "medium"]]);
    expect(rate(excluded, (copy) => (props(copy).notScopes = []))).toEqual([
      ["modified", "properties.notScopes", undefined, "low"],
    ]);
  });

  test("the effect parameter weakened from Deny: medium; Audit to Deny is not rated", () => {
    expect(rate(assignment, (copy) => (props(copy).parameters = { effect: { value: "Audit" } }))).toEqual([
      [
        "modified",
        "properties.parameters.effect.value",
        "governance/policy-assignment-effect-weakened",
        "medium",
      ],
    ]);
    const audit = structuredClone(assignment);
    props(audit).parameters = { effect: { value: "Audit" } };
    expect(rate(audit, (copy) => (props(copy).parameters = { effect: { value: "Deny" } }))).toEqual([
      ["modified", "properties.parameters.effect.value", undefined, "low"],
    ]);
  });

  test("an override that sets the effect to Audit: medium", () => {
    expect(
      rate(assignment, (copy) => {
        props(copy).overrides = [
          { kind: "policyEffect", value: "Audit", selectors: [{ kind: "resourceLocation", in: ["eastus"] }] },
        ];
      }),
    ).toEqual([["modified", "properties.overrides", "governance/policy-effect-override-added", "medium"]]);
  });

  test("metadata stamps of a redeploy are not drift", () => {
    expect(
      rate(
        assignment,
        (copy) =>
          (props(copy).metadata = {
            assignedBy: "alice@contoso.com",
            updatedOn: "2026-11-30T00:00:00Z",
            updatedBy: "pipeline",
          }),
      ),
    ).toEqual([]);
  });
});

describe("definitions and initiatives", () => {
  test("a rule's effect or the effect parameter's default weakened from Deny: medium", () => {
    expect(
      rate(definition, (copy) => {
        const rule = props(copy).policyRule as JsonObject;
        // biome-ignore lint/suspicious/noThenProperty: ARM's policy rule is an if/then object.
        rule.then = { effect: "Disabled" };
      }),
    ).toEqual([
      ["modified", "properties.policyRule.then.effect", "governance/policy-effect-weakened", "medium"],
    ]);
    expect(
      rate(
        definition,
        (copy) => (((props(copy).parameters as JsonObject).effect as JsonObject).defaultValue = "Audit"),
      ),
    ).toEqual([
      [
        "modified",
        "properties.parameters.effect.defaultValue",
        "governance/policy-effect-weakened",
        "medium",
      ],
    ]);
    expect(rate(definition, (copy) => (props(copy).displayName = "Storage TLS"))).toEqual([
      ["modified", "properties.displayName", undefined, "low"],
    ]);
  });

  test("an initiative member's effect weakened: medium, matched by its reference id", () => {
    expect(
      rate(initiative, (copy) => {
        const [tls] = props(copy).policyDefinitions as JsonObject[];
        tls!.parameters = { effect: { value: "Audit" } };
      }),
    ).toEqual([
      [
        "modified",
        "properties.policyDefinitions[policyDefinitionReferenceId=tls].parameters.effect.value",
        "governance/initiative-effect-weakened",
        "medium",
      ],
    ]);
  });
});

describe("exemptions", () => {
  test("added: medium; removed is not rated; expiry moved later: low", () => {
    expect(findings([], [exemption])).toEqual([["added", "", "governance/policy-exemption-added", "medium"]]);
    expect(findings([exemption], [])).toEqual([["removed", "", undefined, "low"]]);
    expect(rate(exemption, (copy) => (props(copy).expiresOn = "2027-06-01T00:00:00Z"))).toEqual([
      ["modified", "properties.expiresOn", "governance/policy-exemption-extended", "low"],
    ]);
    expect(rate(exemption, (copy) => (props(copy).expiresOn = "2026-01-01T00:00:00Z"))).toEqual([
      ["modified", "properties.expiresOn", undefined, "low"],
    ]);
  });
});

describe("locks", () => {
  test("a CanNotDelete or ReadOnly lock removed: high (core says medium)", () => {
    expect(findings([lock("CanNotDelete")], [])).toEqual([
      ["removed", "", "governance/lock-removed", "high"],
    ]);
    expect(findings([lock("ReadOnly")], [])).toEqual([["removed", "", "governance/lock-removed", "high"]]);
  });

  test("ReadOnly to CanNotDelete: low, by its rule; the other way is not rated", () => {
    expect(rate(lock("ReadOnly"), (copy) => (props(copy).level = "CanNotDelete"))).toEqual([
      ["modified", "properties.level", "governance/lock-weakened", "low"],
    ]);
    expect(rate(lock("CanNotDelete"), (copy) => (props(copy).level = "ReadOnly"))).toEqual([
      ["modified", "properties.level", undefined, "low"],
    ]);
  });
});

describe("diagnostic settings", () => {
  test("the subscription's removed: high; another resource's: medium", () => {
    expect(findings([subscriptionSetting], [])).toEqual([
      ["removed", "", "governance/subscription-diagnostic-setting-removed", "high"],
    ]);
    expect(findings([nsgSetting], [])).toEqual([
      ["removed", "", "governance/diagnostic-setting-removed", "medium"],
    ]);
  });

  test("the subscription's Administrative, Security or Policy category disabled or dropped: high; ServiceHealth is not", () => {
    const entry = (copy: JsonObject, category: string) =>
      (props(copy).logs as JsonObject[]).find((log) => log.category === category)!;
    expect(rate(subscriptionSetting, (copy) => (entry(copy, "Administrative").enabled = false))).toEqual([
      [
        "modified",
        "properties.logs[category=Administrative].enabled",
        "governance/activity-log-category-disabled",
        "high",
      ],
    ]);
    expect(
      rate(subscriptionSetting, (copy) => {
        props(copy).logs = (props(copy).logs as JsonObject[]).filter((log) => log.category !== "Security");
      }),
    ).toEqual([
      ["modified", "properties.logs[category=Security]", "governance/activity-log-category-disabled", "high"],
    ]);
    expect(rate(subscriptionSetting, (copy) => (entry(copy, "ServiceHealth").enabled = false))).toEqual([
      ["modified", "properties.logs[category=ServiceHealth].enabled", undefined, "low"],
    ]);
    expect(rate(subscriptionSetting, (copy) => delete props(copy).logs)).toEqual([
      ["modified", "properties.logs", "governance/activity-log-category-disabled", "high"],
    ]);
  });

  test("a key vault's audit logging removed, disabled or dropped: high, by category or category group", () => {
    const byGroup = vaultSetting([
      { category: null, categoryGroup: "audit", enabled: true },
      { category: null, categoryGroup: "allLogs", enabled: false },
    ]);
    expect(findings([byGroup], [])).toEqual([
      ["removed", "", "governance/key-vault-audit-logging-removed", "high"],
    ]);
    expect(rate(byGroup, (copy) => ((props(copy).logs as JsonObject[])[0]!.enabled = false))).toEqual([
      [
        "modified",
        "properties.logs[categoryGroup=audit].enabled",
        "governance/key-vault-audit-logging-disabled",
        "high",
      ],
    ]);
    const byCategory = vaultSetting([
      { category: "AuditEvent", enabled: true },
      { category: "AzurePolicyEvaluationDetails", enabled: true },
    ]);
    expect(
      rate(
        byCategory,
        (copy) => (props(copy).logs = [{ category: "AzurePolicyEvaluationDetails", enabled: true }]),
      ),
    ).toEqual([
      [
        "modified",
        "properties.logs[category=AuditEvent]",
        "governance/key-vault-audit-logging-disabled",
        "high",
      ],
    ]);
    expect(rate(byCategory, (copy) => ((props(copy).logs as JsonObject[])[1]!.enabled = false))).toEqual([
      ["modified", "properties.logs[category=AzurePolicyEvaluationDetails].enabled", undefined, "low"],
    ]);
    // A vault setting without audit streams removed is an ordinary removal.
    expect(
      findings([vaultSetting([{ category: "AzurePolicyEvaluationDetails", enabled: true }])], []),
    ).toEqual([["removed", "", "governance/diagnostic-setting-removed", "medium"]]);
  });

  test("logs sent to another workspace: medium", () => {
    expect(
      rate(
        nsgSetting,
        (copy) =>
          (props(copy).workspaceId =
            `${SUB}/resourceGroups/rg-x/providers/Microsoft.OperationalInsights/workspaces/other`),
      ),
    ).toEqual([
      ["modified", "properties.workspaceId", "governance/diagnostic-destination-changed", "medium"],
    ]);
  });
});

describe("activity-log alerts", () => {
  test("removed or disabled: medium; an action group dropped: medium; enabled again is not rated", () => {
    expect(findings([alert], [])).toEqual([
      ["removed", "", "governance/activity-log-alert-removed", "medium"],
    ]);
    expect(rate(alert, (copy) => (props(copy).enabled = false))).toEqual([
      ["modified", "properties.enabled", "governance/activity-log-alert-disabled", "medium"],
    ]);
    const disabled = structuredClone(alert);
    props(disabled).enabled = false;
    expect(rate(disabled, (copy) => (props(copy).enabled = true))).toEqual([
      ["modified", "properties.enabled", undefined, "low"],
    ]);
    const [, oncall] = (props(alert).actions as { actionGroups: JsonObject[] }).actionGroups;
    expect(
      rate(alert, (copy) => {
        (props(copy).actions as JsonObject).actionGroups = [oncall!];
      }),
    ).toEqual([
      [
        "modified",
        `properties.actions.actionGroups[actionGroupId=${`${GROUP}/providers/microsoft.insights/actionGroups/secops`.toLowerCase()}]`,
        "governance/activity-log-alert-action-removed",
        "medium",
      ],
    ]);
  });
});

test("every rule has a governance/ id, a one-line remediation and a distinct id", () => {
  const ids = governanceRules.map((rule) => rule.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const rule of governanceRules) {
    expect(rule.id).toMatch(/^governance\/[a-z-]+$/);
    expect(rule.remediation).toMatch(/^[^\n]{10,}$/);
  }
});
