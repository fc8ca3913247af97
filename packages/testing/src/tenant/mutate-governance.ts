/**
 * The mutator's changes to governance resources, each returning the changed path in the report's
 * syntax (policy set members keyed by `policyDefinitionReferenceId`, diagnostic settings' `logs` and
 * `metrics` by `category` or `categoryGroup`, as the governance collector declares them), and the
 * noise ARM makes on them without anyone changing anything.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";
import type { Random } from "./random.js";
import type { ShapeFactory } from "./shapes.js";

/** One change to a governance resource: the path it changed, or undefined when it does not apply. */
export type GovernanceMutation = (
  resource: JsonObject,
  rng: Random,
  factory: ShapeFactory,
) => string | undefined;

/** The generator's governance kinds. */
export type GovernanceKind =
  | "policyDefinition"
  | "policySetDefinition"
  | "policyAssignment"
  | "policyExemption"
  | "managementLock"
  | "diagnosticSetting"
  | "activityLogAlert";

function properties(resource: JsonObject): JsonObject {
  const value = resource.properties;
  if (value && typeof value === "object" && !Array.isArray(value)) return value as JsonObject;
  const created: JsonObject = {};
  resource.properties = created;
  return created;
}

function object(value: JsonValue | undefined): JsonObject | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? (value.filter((item) => object(item)) as JsonObject[]) : [];
}

const describe: GovernanceMutation = (resource, rng) => {
  properties(resource).description = `Reviewed ${rng.hex(6)}.`;
  return "properties.description";
};

/** The key of a diagnostic setting's log or metric entry, as the report writes it. */
function streamKey(entry: JsonObject): string {
  return typeof entry.category === "string"
    ? `category=${entry.category}`
    : `categoryGroup=${entry.categoryGroup}`;
}

/** The mutations per governance kind. */
export const GOVERNANCE_MUTATIONS: Record<GovernanceKind, GovernanceMutation[]> = {
  policyDefinition: [
    // The effect weakened from Deny, in the parameter's default or in the rule itself.
    (definition, rng) => {
      const effect = object(object(properties(definition).parameters)?.effect);
      if (effect) {
        if (effect.defaultValue !== "Deny") return undefined;
        effect.defaultValue = rng.pick(["Audit", "Disabled"]);
        return "properties.parameters.effect.defaultValue";
      }
      const then = object(object(properties(definition).policyRule)?.then);
      if (then?.effect !== "Deny") return undefined;
      then.effect = "Audit";
      return "properties.policyRule.then.effect";
    },
    describe,
  ],
  policySetDefinition: [
    (initiative, rng) => {
      const members = objects(properties(initiative).policyDefinitions);
      const referenceId = `ref-added-${rng.hex(6)}`;
      properties(initiative).policyDefinitions = [
        ...members,
        {
          policyDefinitionReferenceId: referenceId,
          policyDefinitionId:
            "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
          definitionVersion: "1.*.*",
          parameters: { listOfAllowedLocations: { value: ["westeurope", "northeurope"] } },
          groupNames: ["guardrails"],
        },
      ];
      return `properties.policyDefinitions[policyDefinitionReferenceId=${referenceId}]`;
    },
    describe,
  ],
  policyAssignment: [
    (assignment) => {
      if (properties(assignment).enforcementMode === "DoNotEnforce") return undefined;
      properties(assignment).enforcementMode = "DoNotEnforce";
      return "properties.enforcementMode";
    },
    (assignment, rng) => {
      const scope = String(properties(assignment).scope);
      const notScopes = Array.isArray(properties(assignment).notScopes)
        ? (properties(assignment).notScopes as JsonValue[])
        : [];
      const excluded = scope.includes("/resourceGroups/")
        ? `${scope}/providers/Microsoft.KeyVault/vaults/kv-legacy-${rng.hex(4)}`
        : `${scope}/resourceGroups/rg-sandbox-${rng.hex(4)}`;
      properties(assignment).notScopes = [...notScopes, excluded];
      return "properties.notScopes";
    },
    (assignment) => {
      const effect = object(object(properties(assignment).parameters)?.effect);
      if (effect?.value !== "Deny") return undefined;
      effect.value = "Audit";
      return "properties.parameters.effect.value";
    },
    describe,
  ],
  policyExemption: [
    (exemption) => {
      properties(exemption).expiresOn = "2030-12-31T00:00:00Z";
      return "properties.expiresOn";
    },
    (exemption) => {
      const category = properties(exemption).exemptionCategory;
      properties(exemption).exemptionCategory = category === "Waiver" ? "Mitigated" : "Waiver";
      return "properties.exemptionCategory";
    },
  ],
  managementLock: [
    (lock) => {
      properties(lock).level = properties(lock).level === "ReadOnly" ? "CanNotDelete" : "ReadOnly";
      return "properties.level";
    },
    (lock, rng) => {
      properties(lock).notes = `Lock reviewed under CHG-${rng.int(1000, 9999)}.`;
      return "properties.notes";
    },
  ],
  diagnosticSetting: [
    // One log or metric stream switched off.
    (setting, rng) => {
      const streams = [
        ...objects(properties(setting).logs).map((entry) => ["logs", entry] as const),
        ...objects(properties(setting).metrics).map((entry) => ["metrics", entry] as const),
      ].filter(([, entry]) => entry.enabled === true);
      if (streams.length === 0) return undefined;
      const [list, entry] = rng.pick(streams);
      entry.enabled = false;
      return `properties.${list}[${streamKey(entry)}].enabled`;
    },
    // One log stream removed from the setting (an enabled one: never the one just switched off).
    (setting, rng) => {
      const logs = objects(properties(setting).logs);
      const enabled = logs.filter((entry) => entry.enabled === true);
      if (logs.length < 2 || enabled.length === 0) return undefined;
      const entry = rng.pick(enabled);
      properties(setting).logs = logs.filter((item) => item !== entry);
      return `properties.logs[${streamKey(entry)}]`;
    },
    (setting, rng) => {
      const id = String(setting.id);
      const subscriptionId = id.split("/")[2] ?? "";
      properties(setting).workspaceId =
        `/subscriptions/${subscriptionId}/resourceGroups/rg-sandbox/providers/Microsoft.OperationalInsights/workspaces/law-temp-${rng.hex(4)}`;
      return "properties.workspaceId";
    },
  ],
  activityLogAlert: [
    (alert) => {
      if (properties(alert).enabled !== true) return undefined;
      properties(alert).enabled = false;
      return "properties.enabled";
    },
    describe,
  ],
};

/** Noise ARM makes on policy objects: the `metadata` stamps of an idempotent redeploy. Not drift. */
export function governanceNoise(resource: JsonObject, rng: Random): void {
  const metadata = object(object(resource.properties)?.metadata);
  if (metadata && "updatedOn" in metadata) {
    metadata.updatedOn = new Date(Date.UTC(2026, 1, rng.int(1, 28))).toISOString();
    metadata.updatedBy = rng.guid();
  }
}
