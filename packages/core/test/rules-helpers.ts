import type { FieldChange, JsonObject, JsonValue, ResourceDrift } from "@azure-drift/core";

/** A change as the diff engine emits it, before the rule engine assigns a severity. */
export function change(
  path: string,
  kind: FieldChange["kind"],
  before?: JsonValue,
  after?: JsonValue,
): FieldChange {
  const result: FieldChange = { path, kind, severity: "info" };
  if (before !== undefined) result.before = before;
  if (after !== undefined) result.after = after;
  return result;
}

export function drift(
  type: string,
  name: string,
  status: ResourceDrift["status"],
  changes: FieldChange[] = [],
  id = `/subscriptions/sub1/resourceGroups/rg1/providers/${type}/${name}`,
): ResourceDrift {
  return { id, key: id.toLowerCase(), type, name, subscriptionId: "sub1", status, severity: "info", changes };
}

export const NSG = "Microsoft.Network/networkSecurityGroups";

export function nsgRule(name: string, properties: JsonObject): JsonObject {
  return {
    name,
    properties: {
      protocol: "Tcp",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      access: "Allow",
      direction: "Inbound",
      priority: 100,
      ...properties,
    },
  };
}

export function nsg(rules: JsonObject[]): JsonObject {
  return { name: "nsg1", type: NSG, location: "westeurope", properties: { securityRules: rules } };
}
