import type { NormalizationHints, ResourceTypeDefinition } from "../collector.js";
import { DriftError } from "../errors.js";
import {
  addPattern,
  type HintFlags,
  type HintState,
  mergeFlags,
  newNode,
  rootState,
  splitHintPath,
} from "./paths.js";

/**
 * The normalization hints of every known resource type. Normalization and the diff engine both read
 * it, so they agree on which arrays are keyed, which are sets and which fields are volatile.
 */
export interface TypeRegistry {
  /** The hints for `type` (matched case-insensitively): the type's own merged with those of `*`. */
  hintsFor(type: string): NormalizationHints;
  /** Every definition the registry was built from, defaults included. */
  definitions(): ResourceTypeDefinition[];
}

/** Hints compiled for fast matching during a walk. Internal. */
export interface CompiledHints {
  root: HintState;
  /** Property names dropped at any depth (`etag`, `provisioningState`). */
  volatileKeys: ReadonlySet<string>;
  /** Property names whose string values are secrets at any depth. */
  secretKeys: ReadonlySet<string>;
}

/** Property names that are volatile wherever they appear. */
export const defaultVolatileKeys: readonly string[] = ["etag", "provisioningState"];

/**
 * Core's default hints, good enough for plain ARM JSON (`az resource list`, `az graph query`).
 * Collectors declare their own types on top; a registry merges both.
 *
 * `systemData`: its `lastModified*` fields are volatile; `created*` are kept, because they change
 * only when a resource is deleted and recreated, which is drift (like `resourceGuid`).
 */
export const defaultTypeDefinitions: readonly ResourceTypeDefinition[] = [
  {
    type: "*",
    description: "Every type: etag, provisioningState and the last-modified stamps are not drift",
    volatile: [
      ...defaultVolatileKeys.map((key) => `**.${key}`),
      "systemData.lastModifiedAt",
      "systemData.lastModifiedBy",
      "systemData.lastModifiedByType",
      // `az resource list --expand changedTime` and Resource Graph add these; they are derived, not configuration.
      "changedTime",
      "resourceGroup",
      "subscriptionId",
    ],
  },
  {
    type: "Microsoft.Storage/storageAccounts",
    volatile: [
      "properties.geoReplicationStats.lastSyncTime",
      "properties.geoReplicationStats.status",
      "properties.geoReplicationStats.canFailover",
      "properties.statusOfPrimary",
      "properties.statusOfSecondary",
    ],
  },
  {
    type: "Microsoft.KeyVault/vaults",
    keyedArrays: { "properties.accessPolicies": ["tenantId", "objectId"] },
  },
  {
    type: "Microsoft.Network/virtualNetworks",
    orderedArrays: ["properties.dhcpOptions.dnsServers"],
  },
  {
    type: "Microsoft.Network/networkInterfaces",
    orderedArrays: ["properties.dnsSettings.dnsServers", "properties.dnsSettings.appliedDnsServers"],
  },
  {
    type: "Microsoft.Network/firewallPolicies",
    orderedArrays: ["properties.dnsSettings.servers"],
  },
  {
    type: "Microsoft.Authorization/roleAssignments",
    volatile: ["properties.updatedOn", "properties.updatedBy"],
  },
  {
    type: "Microsoft.Authorization/roleDefinitions",
    volatile: ["properties.updatedOn", "properties.updatedBy"],
  },
  {
    type: "Microsoft.Compute/virtualMachines",
    volatile: ["properties.instanceView"],
  },
  {
    type: "Microsoft.Web/sites",
    volatile: ["properties.lastModifiedTimeUtc", "properties.state", "properties.availabilityState"],
  },
  {
    type: "Microsoft.Sql/servers/databases",
    volatile: ["properties.earliestRestoreDate", "properties.pausedDate", "properties.resumedDate"],
  },
];

/** Merges hints: lists concatenate (deduplicated), keyed arrays of later hints win. */
export function mergeHints(...hints: NormalizationHints[]): NormalizationHints {
  const merged: NormalizationHints = {};
  const lists = ["volatile", "unorderedArrays", "orderedArrays", "secrets"] as const;
  for (const hint of hints) {
    for (const list of lists) {
      const values = hint[list];
      if (values && values.length > 0) merged[list] = [...new Set([...(merged[list] ?? []), ...values])];
    }
    if (hint.keyedArrays) merged.keyedArrays = { ...merged.keyedArrays, ...hint.keyedArrays };
  }
  return merged;
}

/** Compiles hints into a trie; `**.name` patterns become any-depth name sets. */
export function compileHints(hints: NormalizationHints): CompiledHints {
  const root = newNode();
  const volatileKeys = new Set<string>();
  const secretKeys = new Set<string>();
  const mark = (pattern: string, flags: HintFlags, anyDepth?: Set<string>): void => {
    const segments = splitHintPath(pattern);
    if (segments.length === 0) return;
    if (anyDepth && segments.length === 2 && segments[0] === "**" && !segments[1]!.includes("*")) {
      anyDepth.add(segments[1]!);
      return;
    }
    const node = addPattern(root, pattern);
    node.flags = mergeFlags(node.flags, flags);
  };
  for (const pattern of hints.volatile ?? []) mark(pattern, { volatile: true }, volatileKeys);
  for (const pattern of hints.secrets ?? []) mark(pattern, { secret: true }, secretKeys);
  for (const pattern of hints.unorderedArrays ?? []) mark(pattern, { unordered: true });
  for (const pattern of hints.orderedArrays ?? []) mark(pattern, { ordered: true });
  for (const [pattern, keyFields] of Object.entries(hints.keyedArrays ?? {})) {
    if (keyFields.length > 0) mark(pattern, { keyFields });
  }
  return { root: rootState(root), volatileKeys, secretKeys };
}

const compiledCache = new WeakMap<TypeRegistry, Map<string, CompiledHints>>();

/**
 * The last answer of {@link compiledHintsFor}: resources come grouped by type, and comparing the type
 * string spares hashing it (a new string per resource) for the lookups.
 */
let last: { registry: TypeRegistry; type: string; compiled: CompiledHints } | undefined;

/** The compiled hints of a type in a registry, cached per registry and lower-cased type. */
export function compiledHintsFor(registry: TypeRegistry, type: string): CompiledHints {
  if (last !== undefined && last.type === type && last.registry === registry) return last.compiled;
  const compiled = lookUpHints(registry, type);
  last = { registry, type, compiled };
  return compiled;
}

function lookUpHints(registry: TypeRegistry, type: string): CompiledHints {
  let cache = compiledCache.get(registry);
  if (!cache) {
    cache = new Map();
    compiledCache.set(registry, cache);
  }
  // Types repeat as written: the spelling is looked up first, the lower-cased type only once per spelling.
  let compiled = cache.get(type);
  if (compiled) return compiled;
  const lowered = type.toLowerCase();
  compiled = cache.get(lowered);
  if (!compiled) {
    compiled = compileHints(registry.hintsFor(type));
    cache.set(lowered, compiled);
  }
  cache.set(type, compiled);
  return compiled;
}

/** Options of {@link createTypeRegistry}. */
export interface TypeRegistryOptions {
  /** Start from core's {@link defaultTypeDefinitions}. Default true. */
  defaults?: boolean;
}

/**
 * Builds the registry of resource types: core's defaults merged with `definitions` (collectors'
 * types, users' additions). Types match case-insensitively; a definition of type `*` applies to all.
 */
export function createTypeRegistry(
  definitions: readonly ResourceTypeDefinition[] = [],
  options: TypeRegistryOptions = {},
): TypeRegistry {
  const all = [...(options.defaults === false ? [] : defaultTypeDefinitions), ...definitions];
  const byType = new Map<string, NormalizationHints[]>();
  for (const definition of all) {
    if (typeof definition?.type !== "string" || definition.type.length === 0) {
      throw new DriftError(
        "E_INPUT",
        "A resource type definition has no `type`; give each one its ARM type.",
      );
    }
    const lowered = definition.type.toLowerCase();
    const { type: _type, description: _description, ...hints } = definition;
    byType.set(lowered, [...(byType.get(lowered) ?? []), hints]);
  }
  const resolved = new Map<string, NormalizationHints>();
  const everyType = byType.get("*") ?? [];
  return {
    hintsFor(type) {
      const lowered = type.toLowerCase();
      let hints = resolved.get(lowered);
      if (!hints) {
        hints = mergeHints(...everyType, ...(lowered === "*" ? [] : (byType.get(lowered) ?? [])));
        resolved.set(lowered, hints);
      }
      return hints;
    },
    definitions() {
      return all.map((definition) => ({ ...definition }));
    },
  };
}
