import type { ResourceTypeDefinition } from "@azure-drift/core";

/** The ARM types the governance collector emits, as ARM spells them. */
export const GOVERNANCE_TYPES = {
  policyAssignment: "Microsoft.Authorization/policyAssignments",
  policyDefinition: "Microsoft.Authorization/policyDefinitions",
  policySetDefinition: "Microsoft.Authorization/policySetDefinitions",
  policyExemption: "Microsoft.Authorization/policyExemptions",
  managementLock: "Microsoft.Authorization/locks",
  diagnosticSetting: "Microsoft.Insights/diagnosticSettings",
  activityLogAlert: "Microsoft.Insights/activityLogAlerts",
} as const;

/** Short name of a governance resource type, e.g. `policyAssignment`. */
export type GovernanceResourceKind = keyof typeof GOVERNANCE_TYPES;

// Who created or last updated a policy object and when: an idempotent redeploy (Bicep, Terraform,
// azure-policy-as-code pipelines) refreshes them without changing what the policy does.
const POLICY_STAMPS = [
  "properties.metadata.createdBy",
  "properties.metadata.createdOn",
  "properties.metadata.updatedBy",
  "properties.metadata.updatedOn",
];

// Log and metric entries carry no name: each is keyed by its `category` or its `categoryGroup`.
const STREAM_KEY = ["category|categoryGroup"];

/**
 * The governance types with their normalization hints. Core's defaults already drop `etag`,
 * `provisioningState` and `systemData.lastModified*`, key arrays of objects by `name` (else `id`) and
 * compare primitive arrays as sets (`notScopes`, `scopes`, `policyDefinitionReferenceIds`), so the
 * hints list only the exceptions.
 */
export const governanceResourceTypes: Record<GovernanceResourceKind, ResourceTypeDefinition> = {
  policyAssignment: {
    type: GOVERNANCE_TYPES.policyAssignment,
    description:
      "Policy assignments at subscription, resource-group and resource scope: definition, enforcement mode, parameters, exclusions (notScopes), overrides, resource selectors, managed identity",
    volatile: POLICY_STAMPS,
  },
  policyDefinition: {
    type: GOVERNANCE_TYPES.policyDefinition,
    description:
      "Custom policy definitions of the subscription: rule, effect, parameters (built-ins are Microsoft's)",
    volatile: POLICY_STAMPS,
  },
  policySetDefinition: {
    type: GOVERNANCE_TYPES.policySetDefinition,
    description:
      "Custom policy set definitions (initiatives) of the subscription: member definitions and their parameters",
    volatile: POLICY_STAMPS,
    keyedArrays: { "properties.policyDefinitions": ["policyDefinitionReferenceId"] },
  },
  policyExemption: {
    type: GOVERNANCE_TYPES.policyExemption,
    description: "Policy exemptions: which assignment, category (waiver or mitigated), expiry, scope",
    volatile: POLICY_STAMPS,
  },
  managementLock: {
    type: GOVERNANCE_TYPES.managementLock,
    description:
      "Management locks (CanNotDelete, ReadOnly) at subscription, resource-group and resource scope",
    keyedArrays: { "properties.owners": ["applicationId"] },
  },
  diagnosticSetting: {
    type: GOVERNANCE_TYPES.diagnosticSetting,
    description:
      "Diagnostic settings of the subscription (its activity log) and of its key vaults and Recovery Services vaults (NSGs and storage accounts on request): where logs go, which categories",
    keyedArrays: { "properties.logs": STREAM_KEY, "properties.metrics": STREAM_KEY },
  },
  activityLogAlert: {
    type: GOVERNANCE_TYPES.activityLogAlert,
    description: "Activity-log alerts: the operations watched, the action groups told, enabled or not",
    keyedArrays: {
      "properties.condition.allOf": ["field"],
      "properties.actions.actionGroups": ["actionGroupId"],
    },
    // Webhook properties are free-form pairs handed to the receiver: integration and routing keys live there.
    secrets: ["properties.actions.actionGroups.webhookProperties.*"],
  },
};
