/**
 * Changes a tenant the way people and pipelines do (rules inserted, fields changed, tags added,
 * resources added and removed) and records the ground truth in the report's path syntax. Optional
 * noise changes what is not drift (etags, systemData, provisioning state, the order of keyed arrays
 * and sets, the case of ids) and is never in the truth.
 */
import type { JsonObject, JsonValue } from "@azure-drift/core";
import { builtInRoleChanges, referencedBuiltIns } from "./built-in-truth.js";
import { addBackupNoise, BACKUP_MODIFY_ONLY_KINDS, BACKUP_MUTATIONS } from "./mutate-backup.js";
import { ENCRYPTION_NOISE, encryptionMutations } from "./mutate-encryption.js";
import { GOVERNANCE_MUTATIONS, type GovernanceMutation, governanceNoise } from "./mutate-governance.js";
import { securityMutations } from "./mutate-security.js";
import { hashString, Random } from "./random.js";
import { kindOfType, type Placement, ResourcePools, ShapeFactory } from "./shapes.js";
import { parseArmId, putResource, type Tenant } from "./tenant.js";
import type { ResourceKind, TruthChange } from "./types.js";
import { ENCRYPTION_MODIFY_ONLY_KINDS } from "./types-encryption.js";
import { SECURITY_MODIFY_ONLY_KINDS } from "./types-security.js";

/** Fractions of the tenant's (eligible) resources to change. */
export interface Churn {
  modify: number;
  add: number;
  remove: number;
}

/** Options of {@link mutateTenant}. */
export interface MutateTenantOptions {
  /** Fraction of resources changed: a number splits 80 % modified, 10 % added, 10 % removed. */
  churn: number | Churn;
  seed: number | string;
  /** Fraction of resources given a change that is not drift (default 0). */
  noise?: number;
  /** Only resources of these ARM types are changed, added or removed (default: every generated type). */
  types?: readonly string[];
}

/** What {@link mutateTenant} did. */
export interface MutationResult {
  /** The same tenant object, changed in place (a replay server serving it sees the changes). */
  tenant: Tenant;
  /**
   * Ground truth as the collectors see it, sorted by key: the changed resources, plus the built-in
   * role definitions the identity collector records per subscription (as
   * `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`) that enter or
   * leave a subscription because the first assignment to them appeared or the last one went.
   */
  changes: TruthChange[];
}

type Properties = Record<string, JsonValue>;

function props(resource: JsonObject): Properties {
  const value = resource.properties;
  if (value && typeof value === "object" && !Array.isArray(value)) return value as Properties;
  const created: Properties = {};
  resource.properties = created;
  return created;
}

function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value)
    ? (value.filter((item) => item && typeof item === "object" && !Array.isArray(item)) as JsonObject[])
    : [];
}

/**
 * One modification: changes `resource` and returns the changed path (or paths, when one edit changes
 * several fields), or undefined when it does not apply.
 */
export type Mutation = (resource: JsonObject, m: Mutator) => string | string[] | undefined;

/** State shared by the mutations of one resource. */
export interface Mutator {
  rng: Random;
  factory: ShapeFactory;
  /** Names of keyed-array elements already touched on this resource: two mutations never touch one element. */
  touched: Set<string>;
}

function pickUntouched(
  m: Mutator,
  items: JsonObject[],
  filter: (item: JsonObject) => boolean = () => true,
): JsonObject | undefined {
  const candidates = items.filter((item) => !m.touched.has(String(item.name)) && filter(item));
  if (candidates.length === 0) return undefined;
  const chosen = m.rng.pick(candidates);
  m.touched.add(String(chosen.name));
  return chosen;
}

// Only on resources that already have tags: adding the first tag to `{}` or to no `tags` at all is
// reported as `tags` or `tags.<key>` depending on how empty objects are normalized.
const addTag: Mutation = (resource, m) => {
  const tags = resource.tags as JsonObject | undefined;
  if (!tags || typeof tags !== "object" || Array.isArray(tags) || Object.keys(tags).length === 0)
    return undefined;
  const key = m.rng.pick(
    ["reviewedBy", "expiresOn", "ticket", "changeRef", "temporary"].filter((name) => !(name in tags)),
  );
  if (!key) return undefined;
  tags[key] = `chg-${m.rng.hex(6)}`;
  return `tags.${key}`;
};

const changeField =
  (path: string[], values: JsonValue[]): Mutation =>
  (resource) => {
    let target: JsonObject = resource;
    for (const segment of path.slice(0, -1)) {
      const next = target[segment];
      if (!next || typeof next !== "object" || Array.isArray(next)) return undefined;
      target = next as JsonObject;
    }
    const last = path[path.length - 1] as string;
    const current = target[last];
    const next = values.find((value) => JSON.stringify(value) !== JSON.stringify(current));
    if (next === undefined) return undefined;
    target[last] = next;
    return path.join(".");
  };

const nsgMutations: Mutation[] = [
  // A rule inserted at the front of the list: one `added` change, not a cascade.
  (nsg, m) => {
    const rules = objects(props(nsg).securityRules);
    const used = new Set(rules.map((rule) => Number((rule.properties as JsonObject).priority)));
    let priority = 100;
    while (used.has(priority)) priority++;
    const rule = m.factory.securityRule(String(nsg.id), priority);
    m.touched.add(String(rule.name));
    props(nsg).securityRules = [rule, ...rules];
    return `properties.securityRules[name=${rule.name}]`;
  },
  (nsg, m) => {
    const rule = pickUntouched(m, objects(props(nsg).securityRules));
    if (!rule) return undefined;
    const properties = rule.properties as JsonObject;
    properties.access = properties.access === "Allow" ? "Deny" : "Allow";
    return `properties.securityRules[name=${rule.name}].properties.access`;
  },
  (nsg, m) => {
    const rule = pickUntouched(m, objects(props(nsg).securityRules));
    if (!rule) return undefined;
    props(nsg).securityRules = objects(props(nsg).securityRules).filter((item) => item !== rule);
    return `properties.securityRules[name=${rule.name}]`;
  },
  (nsg, m) => {
    const rule = pickUntouched(m, objects(props(nsg).securityRules));
    if (!rule) return undefined;
    const properties = rule.properties as JsonObject;
    const base = `properties.securityRules[name=${rule.name}].properties`;
    if (typeof properties.destinationPortRange === "string") {
      properties.destinationPortRange = properties.destinationPortRange === "8081" ? "8082" : "8081";
      return `${base}.destinationPortRange`;
    }
    const ranges = Array.isArray(properties.destinationPortRanges) ? properties.destinationPortRanges : [];
    properties.destinationPortRanges = [...ranges, String(m.rng.int(10000, 19999))];
    return `${base}.destinationPortRanges`;
  },
  addTag,
];

const vnetMutations: Mutation[] = [
  (vnet, m) => {
    const subnet = pickUntouched(m, objects(props(vnet).subnets), (item) =>
      Boolean((item.properties as JsonObject).networkSecurityGroup),
    );
    if (!subnet) return undefined;
    delete (subnet.properties as JsonObject).networkSecurityGroup;
    return `properties.subnets[name=${subnet.name}].properties.networkSecurityGroup`;
  },
  (vnet, m) => {
    const subnet = pickUntouched(m, objects(props(vnet).subnets));
    if (!subnet) return undefined;
    const properties = subnet.properties as JsonObject;
    properties.privateEndpointNetworkPolicies =
      properties.privateEndpointNetworkPolicies === "Enabled" ? "Disabled" : "Enabled";
    return `properties.subnets[name=${subnet.name}].properties.privateEndpointNetworkPolicies`;
  },
  (vnet, m) => {
    const space = props(vnet).addressSpace as JsonObject;
    const prefixes = Array.isArray(space.addressPrefixes) ? space.addressPrefixes : [];
    space.addressPrefixes = [...prefixes, `172.${m.rng.int(16, 31)}.${m.rng.int(0, 255)}.0/24`];
    return "properties.addressSpace.addressPrefixes";
  },
  (vnet, m) => {
    const subnet = m.factory.subnet(
      String(vnet.id),
      parseArmId(String(vnet.id)).subscriptionId ?? "",
      m.rng.int(0, 255),
    );
    m.touched.add(String(subnet.name));
    props(vnet).subnets = [...objects(props(vnet).subnets), subnet];
    return `properties.subnets[name=${subnet.name}]`;
  },
  addTag,
];

const routeTableMutations: Mutation[] = [
  (table, m) => {
    const route = pickUntouched(
      m,
      objects(props(table).routes),
      (item) => (item.properties as JsonObject).nextHopType === "VirtualAppliance",
    );
    if (!route) return undefined;
    (route.properties as JsonObject).nextHopIpAddress = `192.168.${m.rng.int(0, 255)}.4`;
    return `properties.routes[name=${route.name}].properties.nextHopIpAddress`;
  },
  (table, m) => {
    const route = m.factory.route(String(table.id));
    m.touched.add(String(route.name));
    props(table).routes = [...objects(props(table).routes), route];
    return `properties.routes[name=${route.name}]`;
  },
  (table, m) => {
    const route = pickUntouched(m, objects(props(table).routes));
    if (!route) return undefined;
    props(table).routes = objects(props(table).routes).filter((item) => item !== route);
    return `properties.routes[name=${route.name}]`;
  },
  (table) => {
    props(table).disableBgpRoutePropagation = !props(table).disableBgpRoutePropagation;
    return "properties.disableBgpRoutePropagation";
  },
  addTag,
];

const SECURITY = securityMutations({ changeField, addTag });

/** Kinds that are changed, never added or removed on their own. */
const MODIFY_ONLY = new Set<ResourceKind>([
  ...SECURITY_MODIFY_ONLY_KINDS,
  ...BACKUP_MODIFY_ONLY_KINDS,
  ...ENCRYPTION_MODIFY_ONLY_KINDS,
]);
/** The governance mutations, in this module's shape. */
const governance = (mutations: GovernanceMutation[]): Mutation[] =>
  mutations.map((mutation) => (resource, m) => mutation(resource, m.rng, m.factory));

/** What Azure changes by itself, per ARM type (lower-cased): applied as noise, never drift. */
const VOLATILE_NOISE: Readonly<Record<string, (resource: JsonObject, rng: Random) => void>> = {
  ...ENCRYPTION_NOISE,
};

const MUTATIONS: Record<ResourceKind, Mutation[]> = {
  networkSecurityGroup: nsgMutations,
  virtualNetwork: vnetMutations,
  routeTable: routeTableMutations,
  publicIpAddress: [changeField(["properties", "idleTimeoutInMinutes"], [4, 15, 30]), addTag],
  firewallPolicy: [
    changeField(["properties", "threatIntelMode"], ["Alert", "Deny", "Off"]),
    changeField(["properties", "dnsSettings", "enableProxy"], [true, false]),
    addTag,
  ],
  azureFirewall: [
    changeField(["properties", "threatIntelMode"], ["Alert", "Off"]),
    (firewall, m) => {
      const collection = objects(props(firewall).networkRuleCollections)[0];
      const rule = collection && pickUntouched(m, objects((collection.properties as JsonObject).rules));
      if (!collection || !rule) return undefined;
      rule.destinationPorts = [
        ...(Array.isArray(rule.destinationPorts) ? rule.destinationPorts : []),
        String(m.rng.int(20000, 29999)),
      ];
      return `properties.networkRuleCollections[name=${collection.name}].properties.rules[name=${rule.name}].destinationPorts`;
    },
    addTag,
  ],
  applicationGateway: [
    changeField(
      ["properties", "webApplicationFirewallConfiguration", "firewallMode"],
      ["Prevention", "Detection"],
    ),
    changeField(["properties", "webApplicationFirewallConfiguration", "enabled"], [true, false]),
    changeField(
      ["properties", "sslPolicy", "policyName"],
      ["AppGwSslPolicy20220101", "AppGwSslPolicy20150501"],
    ),
    addTag,
  ],
  privateEndpoint: [addTag],
  userAssignedIdentity: [addTag],
  federatedIdentityCredential: [
    (credential, m) => {
      props(credential).subject =
        `repo:contoso/${m.rng.pick(["forked", "sandbox", "tools"])}-${m.rng.hex(4)}:ref:refs/heads/main`;
      return "properties.subject";
    },
  ],
  storageAccount: [
    changeField(["properties", "minimumTlsVersion"], ["TLS1_2", "TLS1_0"]),
    changeField(["properties", "allowBlobPublicAccess"], [false, true]),
    changeField(["properties", "networkAcls", "defaultAction"], ["Deny", "Allow"]),
    changeField(["properties", "supportsHttpsTrafficOnly"], [true, false]),
    ...SECURITY.storageAccount,
    addTag,
  ],
  keyVault: [
    changeField(["properties", "publicNetworkAccess"], ["Disabled", "Enabled"]),
    changeField(["properties", "networkAcls", "defaultAction"], ["Deny", "Allow"]),
    changeField(["properties", "enabledForDiskEncryption"], [true, false]),
    addTag,
  ],
  roleDefinition: [
    (definition, m) => {
      const permissions = objects(props(definition).permissions)[0];
      if (!permissions) return undefined;
      permissions.actions = [
        ...(Array.isArray(permissions.actions) ? permissions.actions : []),
        `Microsoft.${m.rng.pick(["Web", "Sql", "Authorization"])}/*/write`,
      ];
      return "properties.permissions[0].actions";
    },
    (definition, m) => {
      props(definition).description =
        `Updated by ${m.rng.pick(["alice", "bob", "pipeline"])} (${m.rng.hex(4)}).`;
      return "properties.description";
    },
  ],
  roleAssignment: [
    (assignment, m) => {
      props(assignment).description = `Justification ${m.rng.hex(6)}`;
      return "properties.description";
    },
  ],
  denyAssignment: [
    (assignment, m) => {
      props(assignment).description = `Deny assignment updated ${m.rng.hex(6)}.`;
      return "properties.description";
    },
  ],
  ...SECURITY.kinds,
  policyDefinition: governance(GOVERNANCE_MUTATIONS.policyDefinition),
  policySetDefinition: governance(GOVERNANCE_MUTATIONS.policySetDefinition),
  policyAssignment: governance(GOVERNANCE_MUTATIONS.policyAssignment),
  policyExemption: governance(GOVERNANCE_MUTATIONS.policyExemption),
  managementLock: governance(GOVERNANCE_MUTATIONS.managementLock),
  diagnosticSetting: governance(GOVERNANCE_MUTATIONS.diagnosticSetting),
  activityLogAlert: governance(GOVERNANCE_MUTATIONS.activityLogAlert),
  recoveryServicesVault: BACKUP_MUTATIONS.recoveryServicesVault ?? [],
  backupPolicy: BACKUP_MUTATIONS.backupPolicy ?? [],
  backupProtectedItem: BACKUP_MUTATIONS.backupProtectedItem ?? [],
  backupStorageConfig: BACKUP_MUTATIONS.backupStorageConfig ?? [],
  backupEncryptionConfig: BACKUP_MUTATIONS.backupEncryptionConfig ?? [],
  backupResourceGuardProxy: BACKUP_MUTATIONS.backupResourceGuardProxy ?? [],
  blobService: BACKUP_MUTATIONS.blobService ?? [],
  fileService: BACKUP_MUTATIONS.fileService ?? [],
  ...encryptionMutations({ addTag }),
};

/** Applies one to two distinct mutations; returns the changed paths (sorted, distinct). */
function modify(resource: JsonObject, kind: ResourceKind, m: Mutator): string[] {
  const available = m.rng.shuffle(MUTATIONS[kind]);
  const wanted = m.rng.chance(0.3) ? 2 : 1;
  const paths = new Set<string>();
  for (const mutation of available) {
    if (paths.size >= wanted) break;
    for (const path of [mutation(resource, m) ?? []].flat()) paths.add(path);
  }
  return [...paths].sort();
}

/** Noise that is not drift. */
function addNoise(resource: JsonObject, rng: Random): void {
  VOLATILE_NOISE[String(resource.type).toLowerCase()]?.(resource, rng);
  const kinds = ["etag", "order", "idCase"] as const;
  switch (rng.pick(kinds)) {
    case "etag": {
      const walk = (value: JsonValue) => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value && typeof value === "object") {
          if (typeof value.etag === "string") value.etag = `W/"${rng.guid()}"`;
          Object.values(value).forEach(walk);
        }
      };
      walk(resource);
      const properties = resource.properties as JsonObject | undefined;
      if (properties && typeof properties.provisioningState === "string")
        properties.provisioningState = "Succeeded";
      if (resource.systemData && typeof resource.systemData === "object") {
        (resource.systemData as JsonObject).lastModifiedAt = new Date(
          Date.UTC(2026, 0, rng.int(1, 28)),
        ).toISOString();
      }
      governanceNoise(resource, rng);
      break;
    }
    case "order": {
      const properties = (resource.properties ?? {}) as JsonObject;
      for (const name of ["securityRules", "subnets", "routes", "defaultSecurityRules"]) {
        if (Array.isArray(properties[name])) properties[name] = rng.shuffle(properties[name] as JsonValue[]);
      }
      const space = properties.addressSpace as JsonObject | undefined;
      if (space && Array.isArray(space.addressPrefixes))
        space.addressPrefixes = [...space.addressPrefixes].reverse();
      break;
    }
    case "idCase": {
      // ARM ids are case-insensitive; providers return them in several spellings.
      const id = String(resource.id);
      const toggled = id.includes("/resourceGroups/")
        ? id.replace("/resourceGroups/", "/resourcegroups/")
        : id.replace("/resourcegroups/", "/resourceGroups/");
      const swap = (value: JsonValue): JsonValue => {
        if (typeof value === "string") return value.startsWith(id) ? toggled + value.slice(id.length) : value;
        if (Array.isArray(value)) return value.map(swap);
        if (value && typeof value === "object")
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
        return value;
      };
      const swapped = swap(resource) as JsonObject;
      for (const key of Object.keys(resource)) delete resource[key];
      Object.assign(resource, swapped);
      break;
    }
  }
  // What Azure rewrites on its own in the backup domain (health, last-backup times, counts).
  addBackupNoise(resource, rng);
}

function splitChurn(churn: number | Churn): Churn {
  if (typeof churn === "number") return { modify: churn * 0.8, add: churn * 0.1, remove: churn * 0.1 };
  return churn;
}

/** Resource groups and locations already used, per subscription: where added resources go. */
function placements(tenant: Tenant): Placement[] {
  const seen = new Map<string, Placement>();
  for (const [key, resource] of tenant.resources) {
    const { subscriptionId, resourceGroup } = parseArmId(key);
    if (!subscriptionId || !resourceGroup || typeof resource.location !== "string") continue;
    const id = `${subscriptionId}/${resourceGroup}`;
    const spelled = String(resource.id).split("/")[4] ?? resourceGroup;
    if (!seen.has(id) || spelled !== spelled.toUpperCase()) {
      seen.set(id, {
        subscriptionId,
        resourceGroup: spelled === spelled.toUpperCase() ? resourceGroup : spelled,
        location: resource.location,
      });
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, placement]) => placement);
}

/**
 * Changes the tenant in place and returns the ground truth. Deterministic: the same tenant and
 * options give the same changes. Removing a managed identity also removes its federated
 * credentials (as ARM does), each reported removed. The truth is as the collectors see it: a built-in
 * role definition first (or no longer) referenced by a subscription's role assignments is in it as
 * `added` (or `removed`) with its per-subscription id, though the tenant-level definition is unchanged.
 */
export function mutateTenant(tenant: Tenant, options: MutateTenantOptions): MutationResult {
  const rng = new Random(typeof options.seed === "number" ? options.seed : hashString(options.seed));
  const builtInsBefore = referencedBuiltIns(tenant);
  const churn = splitChurn(options.churn);
  const types = options.types?.map((type) => type.toLowerCase());
  const eligible = [...tenant.resources.entries()]
    .filter(([key, resource]) => parseArmId(key).subscriptionId && kindOfType(String(resource.type)))
    .filter(([, resource]) => !types || types.includes(String(resource.type).toLowerCase()))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const count = (fraction: number) => Math.round(fraction * eligible.length);
  const shuffled = rng.shuffle(eligible);
  const modifyOnly = ([, resource]: [string, JsonObject]) =>
    MODIFY_ONLY.has(kindOfType(String(resource.type)) as ResourceKind);
  const toRemove = shuffled.filter((entry) => !modifyOnly(entry)).slice(0, count(churn.remove));
  const removing = new Set(toRemove);
  const toModify = shuffled.filter((entry) => !removing.has(entry)).slice(0, count(churn.modify));

  const pools = new ResourcePools();
  for (const [key, resource] of tenant.resources) {
    const kind = kindOfType(String(resource.type));
    const { subscriptionId } = parseArmId(key);
    if (kind && subscriptionId) pools.add(kind, subscriptionId, resource);
  }
  const factory = new ShapeFactory(rng, tenant.tenantId, pools, (key) => tenant.resources.has(key));
  const truth = new Map<string, TruthChange>();
  const record = (resource: JsonObject, status: TruthChange["status"], paths: string[] = []) => {
    const key = String(resource.id).toLowerCase();
    const { subscriptionId } = parseArmId(key);
    const previous = truth.get(key);
    // Removed then added back under the same id would be a modification; the generator's names never repeat.
    if (previous && previous.status === "added" && status === "removed") truth.delete(key);
    else
      truth.set(key, {
        key,
        id: String(resource.id),
        type: String(resource.type),
        ...(subscriptionId ? { subscriptionId } : {}),
        status,
        paths,
      });
  };

  for (const [key, resource] of toRemove) {
    if (!tenant.resources.has(key)) continue;
    tenant.resources.delete(key);
    record(resource, "removed");
    for (const [childKey, child] of [...tenant.resources]) {
      if (childKey.startsWith(`${key}/`)) {
        tenant.resources.delete(childKey);
        record(child, "removed");
      }
    }
  }

  for (const [key, resource] of toModify) {
    if (!tenant.resources.has(key)) continue;
    const kind = kindOfType(String(resource.type)) as ResourceKind;
    const paths = modify(resource, kind, { rng, factory, touched: new Set() });
    if (paths.length === 0) continue;
    // A real write changes the etag too: volatile, so not in the truth.
    if (typeof resource.etag === "string") resource.etag = `W/"${rng.guid()}"`;
    record(resource, "modified", paths);
  }

  const addable = [
    ...new Set(eligible.map(([, resource]) => kindOfType(String(resource.type)) as ResourceKind)),
  ]
    .filter((kind) => !MODIFY_ONLY.has(kind))
    .sort();
  const where = placements(tenant);
  const additions = addable.length && where.length ? count(churn.add) : 0;
  for (let i = 0; i < additions; i++) {
    const kind = rng.pick(addable);
    const placement = rng.pick(where);
    for (const resource of factory.build(kind, placement)) {
      putResource(tenant, resource);
      const madeKind = kindOfType(String(resource.type));
      if (madeKind) pools.add(madeKind, placement.subscriptionId, resource);
      // A federated credential may bring a new parent identity along: recorded too (filterTruth keeps what a collector sees).
      record(resource, "added");
    }
  }

  const noise = options.noise ?? 0;
  if (noise > 0) {
    const keys = [...tenant.resources.keys()].filter((key) => parseArmId(key).subscriptionId).sort();
    for (const key of rng.sample(keys, Math.round(noise * keys.length))) {
      const resource = tenant.resources.get(key);
      if (resource) addNoise(resource, rng);
    }
  }

  for (const change of builtInRoleChanges(builtInsBefore, referencedBuiltIns(tenant))) {
    truth.set(change.key, change);
  }

  // Noise may have re-spelled an id: the truth shows ids as served now.
  for (const change of truth.values()) {
    const served = tenant.resources.get(change.key);
    if (served) change.id = String(served.id);
  }
  return { tenant, changes: [...truth.values()].sort((a, b) => (a.key < b.key ? -1 : 1)) };
}
