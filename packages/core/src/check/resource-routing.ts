/**
 * Which collector reads which resource in a targeted check: ARM ids are parsed into their type and
 * their parents, and each id goes to every collector that declares its type, a parent's type (an
 * NSG's security rule is read as the NSG that embeds it) or a child type of it (a firewall policy
 * is read with its rule collection groups).
 */
import type { Collector } from "../collector.js";

/** What an ARM id says about itself. */
export interface ParsedResourceId {
  /** The id as given. */
  id: string;
  /** The lower-cased id: a record key. */
  key: string;
  /** The ARM type, e.g. `Microsoft.Network/networkSecurityGroups/securityRules`; `undefined` when the id names none. */
  type?: string;
  /** Lower-cased subscription id; `""` for ids above subscriptions (`/providers/…`). */
  subscriptionId: string;
  /**
   * The id's parents under the same provider, nearest first, each with its type: for
   * `…/networkSecurityGroups/nsg/securityRules/r`, the NSG. Never the scope an extension resource
   * sits on (a key vault is not the parent of its diagnostic settings).
   */
  parents: { id: string; type: string }[];
}

/** Parses an ARM resource id. */
export function parseResourceId(id: string): ParsedResourceId {
  const segments = id.split("/").filter(Boolean);
  const lower = segments.map((segment) => segment.toLowerCase());
  const subscriptionId = lower[0] === "subscriptions" ? (lower[1] ?? "") : "";
  const parsed: ParsedResourceId = { id, key: id.toLowerCase(), subscriptionId, parents: [] };
  const providersAt = lower.lastIndexOf("providers");
  if (providersAt < 0) {
    if (lower[0] === "subscriptions" && segments.length === 2)
      parsed.type = "Microsoft.Resources/subscriptions";
    else if (lower[0] === "subscriptions" && lower[2] === "resourcegroups" && segments.length === 4)
      parsed.type = "Microsoft.Resources/resourceGroups";
    return parsed;
  }
  const namespace = segments[providersAt + 1];
  const rest = segments.slice(providersAt + 2);
  // `…/providers/{namespace}/{type}/{name}[/{type}/{name}…]`: an even number of segments after the namespace.
  if (namespace === undefined || rest.length === 0 || rest.length % 2 !== 0) return parsed;
  const typeAt = (pairs: number) =>
    [namespace, ...rest.slice(0, pairs * 2).filter((_, i) => i % 2 === 0)].join("/");
  const pairs = rest.length / 2;
  parsed.type = typeAt(pairs);
  const base = segments.slice(0, providersAt + 2);
  for (let kept = pairs - 1; kept >= 1; kept--) {
    parsed.parents.push({ id: `/${[...base, ...rest.slice(0, kept * 2)].join("/")}`, type: typeAt(kept) });
  }
  return parsed;
}

/** One resource a collector is asked to read, and the id that asked for it. */
export interface RoutedTarget {
  /** The id the collector reads: the requested one, or the parent that holds it. */
  id: string;
  key: string;
  type: string;
  /** Whether the collector emits records under this id (children), found by key prefix. */
  withChildren: boolean;
}

/** Where one requested id went. */
export type RouteOutcome =
  | { kind: "routed"; targets: { collector: Collector; target: RoutedTarget }[] }
  | { kind: "unrouted"; parsed: ParsedResourceId };

/**
 * The collectors that read `parsed`, each with what it reads: the id itself when the collector
 * declares its type or a child type of it, else the nearest parent whose type it declares.
 */
export function routeResourceId(parsed: ParsedResourceId, collectors: readonly Collector[]): RouteOutcome {
  const targets: { collector: Collector; target: RoutedTarget }[] = [];
  const type = parsed.type;
  if (type !== undefined) {
    for (const collector of collectors) {
      const declared = collector.types.map((definition) => definition.type.toLowerCase());
      const hasChildTypes = (of: string) => declared.some((candidate) => candidate.startsWith(`${of}/`));
      const own = type.toLowerCase();
      if (declared.includes(own) || hasChildTypes(own)) {
        targets.push({
          collector,
          target: { id: parsed.id, key: parsed.key, type, withChildren: hasChildTypes(own) },
        });
        continue;
      }
      const parent = parsed.parents.find((candidate) => declared.includes(candidate.type.toLowerCase()));
      if (parent) {
        const parentType = parent.type.toLowerCase();
        targets.push({
          collector,
          target: {
            id: parent.id,
            key: parent.id.toLowerCase(),
            type: parent.type,
            withChildren: hasChildTypes(parentType),
          },
        });
      }
    }
  }
  return targets.length > 0 ? { kind: "routed", targets } : { kind: "unrouted", parsed };
}

/**
 * Whether a record key (lower-cased id) is `targetKey` itself or a child record under it in the same
 * provider (`{target}/{type}/{name}…`, e.g. a firewall policy's rule collection group), never an
 * extension resource on it (`{target}/providers/…`, such as a lock or a role assignment on that
 * resource). `targetKey` may be a child collection's path (`…/servers/s1/firewallrules`).
 */
export function isResourceOrChildOf(key: string, targetKey: string): boolean {
  if (key === targetKey) return true;
  if (!key.startsWith(`${targetKey}/`)) return false;
  return !key
    .slice(targetKey.length + 1)
    .split("/")
    .includes("providers");
}
