import type { JsonValue } from "@azure-drift/core";

/** NSG and firewall sources that mean "anyone on the internet". */
const INTERNET_SOURCES = new Set(["*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"]);

/** Ports whose exposure to the internet is critical: SSH and RDP. */
export const MANAGEMENT_PORTS: readonly number[] = [22, 3389];

type JsonRecord = Record<string, JsonValue>;

/** The value as an object, or undefined. */
export function asObject(value: JsonValue | undefined): JsonRecord | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

/** A field of an ARM object's `properties`. */
export function prop(resource: JsonValue | undefined, name: string): JsonValue | undefined {
  return asObject(asObject(resource)?.properties)?.[name];
}

/** A value as a list: absent → [], scalar → [scalar]. */
export function listOf(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Lower-cased string, or "" for anything else. */
export function lower(value: JsonValue | undefined): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}

/** Whether a port spec (`22`, `20-25`, `*`) covers `port`; with no port, whether it is every port. */
export function coversPort(spec: JsonValue, port?: number): boolean {
  const text = String(spec).trim();
  if (text === "*") return true;
  const bounds = text.split("-").map((part) => Number(part.trim()));
  const low = bounds[0] ?? Number.NaN;
  const high = bounds[1] ?? low;
  if (bounds.length > 2 || Number.isNaN(low) || Number.isNaN(high)) return false;
  return port === undefined ? low <= 0 && high >= 65535 : port >= low && port <= high;
}

/** Whether an NSG security rule (ARM JSON) is an inbound Allow from the internet. */
export function isInboundAllowFromInternet(rule: JsonValue | undefined): boolean {
  if (!asObject(rule)) return false;
  if (lower(prop(rule, "direction")) !== "inbound" || lower(prop(rule, "access")) !== "allow") return false;
  const sources = [
    ...listOf(prop(rule, "sourceAddressPrefix")),
    ...listOf(prop(rule, "sourceAddressPrefixes")),
  ];
  return sources.some((source) => INTERNET_SOURCES.has(lower(source)));
}

function destinationPorts(rule: JsonValue | undefined): JsonValue[] {
  return [...listOf(prop(rule, "destinationPortRange")), ...listOf(prop(rule, "destinationPortRanges"))];
}

/** An inbound Allow from the internet to SSH, RDP or every port (ICMP aside). */
export function opensManagementPort(rule: JsonValue | undefined): boolean {
  if (!isInboundAllowFromInternet(rule) || lower(prop(rule, "protocol")) === "icmp") return false;
  return destinationPorts(rule).some(
    (spec) => coversPort(spec) || MANAGEMENT_PORTS.some((port) => coversPort(spec, port)),
  );
}

/** An inbound Allow from the internet to some port that is not SSH, RDP or every port. */
export function opensOtherPort(rule: JsonValue | undefined): boolean {
  return isInboundAllowFromInternet(rule) && !opensManagementPort(rule) && destinationPorts(rule).length > 0;
}

/** Whether an address list (firewall rule sources or destinations) means anywhere. */
function isAnywhere(addresses: JsonValue | undefined): boolean {
  return listOf(addresses).some((address) => INTERNET_SOURCES.has(lower(address)));
}

/** Whether one firewall rule (policy or classic shape) lets any source reach any destination on any port. */
function isAnyToAny(rule: Record<string, JsonValue>, application: boolean): boolean {
  const anySource = isAnywhere(rule.sourceAddresses);
  const anyDestination =
    isAnywhere(rule.destinationAddresses) ||
    isAnywhere(rule.destinationFqdns) ||
    isAnywhere(rule.targetFqdns);
  const anyPort = application || listOf(rule.destinationPorts).some((spec) => coversPort(spec));
  return anySource && anyDestination && anyPort;
}

/**
 * The firewall rules that allow any source to any destination on any port, as `collection/rule`
 * names (lower-cased): from a firewall policy's rule collection group (`properties.ruleCollections`)
 * or from an Azure firewall's classic `networkRuleCollections`/`applicationRuleCollections`.
 */
export function anyToAnyAllowRules(resource: JsonValue | undefined): Set<string> {
  const found = new Set<string>();
  const add = (collection: JsonValue, settings: JsonValue | undefined, application?: boolean) => {
    const object = asObject(collection);
    const body = asObject(settings);
    if (!object || !body || lower(asObject(body.action)?.type) !== "allow") return;
    for (const rule of listOf(body.rules)) {
      const r = asObject(rule);
      if (r && isAnyToAny(r, application ?? lower(r.ruleType) === "applicationrule")) {
        found.add(`${lower(object.name)}/${lower(r.name)}`);
      }
    }
  };
  for (const collection of listOf(prop(resource, "ruleCollections"))) add(collection, collection);
  for (const collection of listOf(prop(resource, "networkRuleCollections"))) {
    add(collection, asObject(collection)?.properties, false);
  }
  for (const collection of listOf(prop(resource, "applicationRuleCollections"))) {
    add(collection, asObject(collection)?.properties, true);
  }
  return found;
}
