/**
 * Governance payloads as ARM returns them (policy 2024-05-01, policy exemptions 2022-07-01-preview,
 * locks 2020-05-01, diagnostic settings 2021-05-01-preview, activity-log alerts 2017-04-01): custom
 * policy definitions and initiatives, policy assignments and exemptions, management locks,
 * diagnostic settings of the subscription and of key vaults, and activity-log alerts.
 */
import type { JsonObject } from "@azure-drift/core";
import type { Placement, ShapeFactory } from "./shapes.js";
import { RESOURCE_TYPES } from "./types.js";

/** Real built-in policy definitions (ids as ARM serves them at tenant level). */
export const BUILT_IN_POLICIES = {
  secureTransferToStorage:
    "/providers/Microsoft.Authorization/policyDefinitions/404c3081-a854-4457-ae30-26a93ef643f9",
  keyVaultSoftDelete:
    "/providers/Microsoft.Authorization/policyDefinitions/1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
  allowedLocations:
    "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
  storageRestrictNetworkAccess:
    "/providers/Microsoft.Authorization/policyDefinitions/34c877ad-507e-4c82-993e-3452a6e0ad3c",
  keyVaultNoPublicNetwork:
    "/providers/Microsoft.Authorization/policyDefinitions/405c5871-3e91-4644-8a63-58e19d68ff5b",
} as const;

/** The Microsoft cloud security benchmark initiative (built-in). */
export const BUILT_IN_BENCHMARK_INITIATIVE =
  "/providers/Microsoft.Authorization/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8";

/** The categories of the subscription's activity log, as a subscription diagnostic setting lists them. */
export const ACTIVITY_LOG_CATEGORIES = [
  "Administrative",
  "Security",
  "ServiceHealth",
  "Alert",
  "Recommendation",
  "Policy",
  "Autoscale",
  "ResourceHealth",
] as const;

const CUSTOM_AREAS = [
  { area: "Storage", field: "Microsoft.Storage/storageAccounts/minimumTlsVersion", value: "TLS1_2" },
  { area: "KeyVault", field: "Microsoft.KeyVault/vaults/enableRbacAuthorization", value: "true" },
  {
    area: "Network",
    field: "Microsoft.Network/networkSecurityGroups/securityRules[*].access",
    value: "Deny",
  },
  { area: "Tags", field: "tags['costCenter']", value: "" },
] as const;

const PEOPLE = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"];

/** The builders of governance resources; random choices come from the factory's seeded generator. */
export class GovernanceShapes {
  constructor(private readonly factory: ShapeFactory) {}

  private get rng() {
    return this.factory.rng;
  }

  private subscriptionScope(placement: Placement): string {
    return `/subscriptions/${placement.subscriptionId}`;
  }

  /** Who created and last updated a policy object: volatile stamps ARM keeps in `metadata`. */
  private policyStamps(): JsonObject {
    return {
      createdBy: this.rng.guid(),
      createdOn: this.factory.timestamp(2024),
      updatedBy: this.rng.chance(0.5) ? this.rng.guid() : null,
      updatedOn: this.rng.chance(0.5) ? this.factory.timestamp(2025) : null,
    };
  }

  /** A custom policy definition at subscription scope whose effect is a parameter (default Deny) or fixed. */
  policyDefinition(placement: Placement): JsonObject {
    const { area, field, value } = this.rng.pick(CUSTOM_AREAS);
    const name = `contoso-${area.toLowerCase()}-${this.rng.hex(8)}`;
    const parameterized = this.rng.chance(0.7);
    const effect = parameterized ? "[parameters('effect')]" : this.rng.pick(["Deny", "Audit"]);
    return {
      id: `${this.subscriptionScope(placement)}/providers/Microsoft.Authorization/policyDefinitions/${name}`,
      type: RESOURCE_TYPES.policyDefinition,
      name,
      systemData: this.factory.systemData(),
      properties: {
        policyType: "Custom",
        mode: area === "Tags" ? "Indexed" : "All",
        displayName: `Contoso ${area} baseline ${this.rng.hex(4)}`,
        description: `Keeps ${area.toLowerCase()} resources on the Contoso baseline.`,
        version: "1.0.0",
        metadata: { category: area, ...this.policyStamps() },
        parameters: parameterized
          ? {
              effect: {
                type: "String",
                metadata: { displayName: "Effect", description: "Deny, audit or disable the policy." },
                allowedValues: ["Audit", "Deny", "Disabled"],
                defaultValue: "Deny",
              },
            }
          : {},
        policyRule: {
          if: {
            allOf: [
              { field: "type", equals: field.split("/").slice(0, 2).join("/") },
              { field, notEquals: value },
            ],
          },
          // biome-ignore lint/suspicious/noThenProperty: ARM's policy rule is an if/then object.
          then: { effect },
        },
      },
    };
  }

  /** A custom initiative grouping custom definitions of the subscription (or built-ins when it has none). */
  policySetDefinition(placement: Placement): JsonObject {
    const name = `contoso-baseline-${this.rng.hex(8)}`;
    const custom = this.factory.pools.get("policyDefinition", placement.subscriptionId);
    const members = custom.length
      ? this.rng
          .sample(custom, this.rng.int(1, Math.min(3, custom.length)))
          .map((definition) => String(definition.id))
      : this.rng.sample(Object.values(BUILT_IN_POLICIES), 2);
    return {
      id: `${this.subscriptionScope(placement)}/providers/Microsoft.Authorization/policySetDefinitions/${name}`,
      type: RESOURCE_TYPES.policySetDefinition,
      name,
      systemData: this.factory.systemData(),
      properties: {
        policyType: "Custom",
        displayName: `Contoso baseline ${this.rng.hex(4)}`,
        description: "The Contoso landing-zone guardrails.",
        version: "1.0.0",
        metadata: { category: "Governance", ...this.policyStamps() },
        parameters: {},
        policyDefinitionGroups: [{ name: "guardrails", displayName: "Guardrails", category: "Governance" }],
        policyDefinitions: members.map((policyDefinitionId, index) => ({
          policyDefinitionReferenceId: `ref-${index + 1}-${policyDefinitionId.slice(policyDefinitionId.lastIndexOf("/") + 1, policyDefinitionId.lastIndexOf("/") + 9)}`,
          policyDefinitionId,
          definitionVersion: "1.*.*",
          parameters: {},
          groupNames: ["guardrails"],
        })),
      },
    };
  }

  /**
   * A policy assignment at subscription or resource-group scope, of a custom definition or a
   * built-in one, with an `effect` parameter, sometimes a managed identity, a non-compliance message,
   * an override or a resource selector.
   */
  policyAssignment(placement: Placement): JsonObject {
    const atGroup = this.rng.chance(0.4);
    const scope = atGroup ? this.factory.groupPath(placement) : this.subscriptionScope(placement);
    const name = this.rng.hex(24);
    const custom = this.factory.pools
      .get("policyDefinition", placement.subscriptionId)
      .filter((definition) => ((definition.properties as JsonObject).parameters as JsonObject).effect);
    const policyDefinitionId =
      custom.length && this.rng.chance(0.6)
        ? String(this.rng.pick(custom).id)
        : this.rng.pick([
            BUILT_IN_POLICIES.keyVaultNoPublicNetwork,
            BUILT_IN_POLICIES.storageRestrictNetworkAccess,
          ]);
    const withIdentity = this.rng.chance(0.3);
    const properties: JsonObject = {
      displayName: `Contoso guardrail ${this.rng.hex(4)}`,
      description: "Assigned by the platform team.",
      metadata: { assignedBy: this.rng.pick(PEOPLE), ...this.policyStamps() },
      policyDefinitionId,
      definitionVersion: "1.*.*",
      parameters: { effect: { value: this.rng.pick(["Deny", "Deny", "Audit"]) } },
      scope,
      notScopes: [],
      enforcementMode: "Default",
      nonComplianceMessages: [{ message: "Resources must follow the Contoso baseline." }],
    };
    if (this.rng.chance(0.2)) {
      properties.overrides = [
        {
          kind: "policyEffect",
          value: "Audit",
          selectors: [{ kind: "resourceLocation", in: ["northeurope"] }],
        },
      ];
    }
    if (this.rng.chance(0.2)) {
      properties.resourceSelectors = [
        { name: "sdp-rollout", selectors: [{ kind: "resourceLocation", in: ["westeurope", "eastus"] }] },
      ];
    }
    return {
      id: `${scope}/providers/Microsoft.Authorization/policyAssignments/${name}`,
      type: RESOURCE_TYPES.policyAssignment,
      name,
      ...(withIdentity
        ? {
            location: placement.location,
            identity: {
              type: "SystemAssigned",
              principalId: this.rng.guid(),
              tenantId: this.factory.tenantId,
            },
          }
        : {}),
      systemData: this.factory.systemData(),
      properties,
    };
  }

  /** An exemption from an assignment of the subscription, at a resource group (or the subscription if it has none). */
  policyExemption(placement: Placement): JsonObject {
    const assignments = this.factory.pools.get("policyAssignment", placement.subscriptionId);
    const policyAssignmentId = assignments.length
      ? String(this.rng.pick(assignments).id)
      : `${this.subscriptionScope(placement)}/providers/Microsoft.Authorization/policyAssignments/${this.rng.hex(24)}`;
    const scope = this.factory.groupPath(placement);
    const name = `exempt-${this.rng.hex(8)}`;
    const category = this.rng.pick(["Waiver", "Mitigated"]);
    return {
      id: `${scope}/providers/Microsoft.Authorization/policyExemptions/${name}`,
      type: RESOURCE_TYPES.policyExemption,
      name,
      systemData: this.factory.systemData(),
      properties: {
        policyAssignmentId,
        policyDefinitionReferenceIds: [],
        exemptionCategory: category,
        displayName: `${category}: ${placement.resourceGroup}`,
        description:
          category === "Waiver" ? "Accepted risk until the migration." : "Mitigated by a firewall.",
        expiresOn: `${2026 + this.rng.int(0, 1)}-${String(this.rng.int(1, 12)).padStart(2, "0")}-01T00:00:00Z`,
        metadata: { requestedBy: this.rng.pick(PEOPLE), ticketRef: `CHG-${this.rng.int(1000, 9999)}` },
        assignmentScopeValidation: "Default",
        resourceSelectors: [],
      },
    };
  }

  /** A lock on a resource group, or on a key vault or storage account of the subscription. */
  managementLock(placement: Placement): JsonObject {
    const targets = [
      ...this.factory.pools.get("keyVault", placement.subscriptionId),
      ...this.factory.pools.get("storageAccount", placement.subscriptionId),
    ];
    const scope =
      targets.length && this.rng.chance(0.5)
        ? String(this.rng.pick(targets).id)
        : this.factory.groupPath(placement);
    const level = this.rng.chance(0.75) ? "CanNotDelete" : "ReadOnly";
    const name = `lock-${level === "ReadOnly" ? "readonly" : "nodelete"}-${this.rng.hex(6)}`;
    return {
      id: `${scope}/providers/Microsoft.Authorization/locks/${name}`,
      type: RESOURCE_TYPES.managementLock,
      name,
      properties: {
        level,
        notes: this.rng.pick(["Protects production data.", "Do not delete: shared platform resource.", ""]),
        owners: this.rng.chance(0.3) ? [{ applicationId: this.rng.guid() }] : [],
      },
    };
  }

  /**
   * A diagnostic setting: the subscription's own first, then one on a key vault of the subscription
   * (the resources whose settings the governance collector reads by default), sending its audit logs
   * by category group (`audit`) or by category (`AuditEvent`). Without a key vault, another one of
   * the subscription's.
   */
  diagnosticSetting(placement: Placement): JsonObject {
    const existing = this.factory.pools.get("diagnosticSetting", placement.subscriptionId);
    const subscriptionHasOne = existing.some((setting) =>
      /^\/subscriptions\/[^/]+\/providers\//i.test(String(setting.id)),
    );
    const vaults = this.factory.pools.get("keyVault", placement.subscriptionId);
    if (!subscriptionHasOne || vaults.length === 0)
      return this.subscriptionDiagnosticSetting(placement.subscriptionId);
    const retention = { enabled: false, days: 0 };
    return this.resourceDiagnosticSetting(String(this.rng.pick(vaults).id), {
      logs: this.rng.chance(0.5)
        ? [
            { category: null, categoryGroup: "audit", enabled: true, retentionPolicy: retention },
            { category: null, categoryGroup: "allLogs", enabled: false, retentionPolicy: retention },
          ]
        : [
            { category: "AuditEvent", categoryGroup: null, enabled: true, retentionPolicy: retention },
            {
              category: "AzurePolicyEvaluationDetails",
              categoryGroup: null,
              enabled: this.rng.chance(0.5),
              retentionPolicy: retention,
            },
          ],
      metrics: [{ category: "AllMetrics", enabled: true, retentionPolicy: retention }],
    });
  }

  private workspaceId(subscriptionId: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-contoso-platform`;
  }

  /** The subscription's diagnostic setting: every activity-log category to a workspace (no metrics, no retention there). */
  subscriptionDiagnosticSetting(subscriptionId: string, name?: string): JsonObject {
    const settingName = name ?? `activity-to-law-${this.rng.hex(4)}`;
    return {
      id: `/subscriptions/${subscriptionId}/providers/Microsoft.Insights/diagnosticSettings/${settingName}`,
      type: RESOURCE_TYPES.diagnosticSetting,
      name: settingName,
      properties: {
        workspaceId: this.workspaceId(subscriptionId),
        storageAccountId: null,
        eventHubAuthorizationRuleId: null,
        eventHubName: null,
        logAnalyticsDestinationType: null,
        logs: ACTIVITY_LOG_CATEGORIES.map((category) => ({ category, categoryGroup: null, enabled: true })),
      },
    };
  }

  private resourceDiagnosticSetting(
    resourceId: string,
    streams: { logs: JsonObject[]; metrics: JsonObject[] },
  ): JsonObject {
    const name = `diag-${this.rng.hex(6)}`;
    const subscriptionId = resourceId.split("/")[2] ?? "";
    return {
      id: `${resourceId}/providers/microsoft.insights/diagnosticSettings/${name}`,
      type: RESOURCE_TYPES.diagnosticSetting,
      name,
      properties: {
        workspaceId: this.workspaceId(subscriptionId),
        storageAccountId: null,
        eventHubAuthorizationRuleId: null,
        eventHubName: null,
        logAnalyticsDestinationType: this.rng.chance(0.5) ? "Dedicated" : null,
        metrics: streams.metrics,
        logs: streams.logs,
      },
    };
  }

  /**
   * An activity-log alert on an administrative operation of the subscription, with an action group
   * whose webhook properties may carry an integration key (a secret under a neutral name).
   */
  activityLogAlert(placement: Placement): JsonObject {
    const operation = this.rng.pick([
      "Microsoft.Authorization/policyAssignments/delete",
      "Microsoft.Authorization/policyAssignments/write",
      "Microsoft.Network/networkSecurityGroups/write",
      "Microsoft.Network/networkSecurityGroups/delete",
      "Microsoft.Sql/servers/firewallRules/write",
      "Microsoft.Security/securitySolutions/delete",
    ]);
    const name = `alert-${operation.split("/").slice(-2).join("-").toLowerCase()}-${this.rng.hex(4)}`;
    const group = this.factory.groupPath(placement);
    return {
      id: `${group}/providers/microsoft.insights/activityLogAlerts/${name}`,
      type: RESOURCE_TYPES.activityLogAlert,
      name,
      location: "Global",
      tags: this.factory.tags(2),
      properties: {
        scopes: [this.subscriptionScope(placement)],
        condition: {
          allOf: [
            { field: "category", equals: operation.includes("Security") ? "Security" : "Administrative" },
            { field: "operationName", equals: operation },
          ],
        },
        actions: {
          actionGroups: [
            {
              actionGroupId: `${group}/providers/microsoft.insights/actionGroups/ag-secops`,
              webhookProperties: this.rng.chance(0.5) ? { routingKey: `R0${this.rng.hex(30)}` } : {},
            },
          ],
        },
        enabled: true,
        description: `Tells SecOps about ${operation}.`,
      },
    };
  }
}
