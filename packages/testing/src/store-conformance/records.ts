import { createHash } from "node:crypto";
import type { JsonObject, JsonValue, ResourceRecord } from "@azure-drift/core";

/** Options of {@link generateStoreRecords}. */
export interface StoreRecordOptions {
  /** Same seed, same records. */
  seed: number;
  count: number;
  /** Lower-cased subscription ids the records are spread over. Default one fixed id. */
  subscriptions?: string[];
  /**
   * Rules per security group: the main size knob (about 330 bytes of JSON each). Default 2 (≈1 KB
   * records); 8 gives the 3–4 KB documents of a realistic NSG.
   */
  rulesPerResource?: number;
}

/** A small deterministic PRNG (mulberry32), so fixtures never depend on Math.random. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function canonical(value: JsonValue): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(canonical);
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical(value[key] as JsonValue);
  return out;
}

/** The content hash the fixtures use: SHA-256 (hex) of the canonical JSON of `config`. */
export function fixtureHash(config: JsonObject): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(config)))
    .digest("hex");
}

const hex = (random: () => number, length: number) =>
  Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join("");

function securityRule(random: () => number, index: number): JsonObject {
  const port = [22, 80, 443, 3389, 1433, 8080][Math.floor(random() * 6)] ?? 443;
  return {
    name: `rule-${index}-${hex(random, 6)}`,
    properties: {
      priority: 100 + index * 10,
      direction: random() < 0.7 ? "Inbound" : "Outbound",
      access: random() < 0.8 ? "Allow" : "Deny",
      protocol: random() < 0.5 ? "Tcp" : "*",
      sourceAddressPrefix: random() < 0.1 ? "*" : `10.${Math.floor(random() * 255)}.0.0/16`,
      sourcePortRange: "*",
      destinationAddressPrefix: "VirtualNetwork",
      destinationPortRange: String(port),
      description: `Allows traffic for workload ${hex(random, 10)} on port ${port}`,
    },
  };
}

/** One synthetic network security group as a ResourceRecord with its hash computed. */
export function syntheticRecord(
  random: () => number,
  subscriptionId: string,
  index: number,
  rules: number,
): ResourceRecord {
  const resourceGroup = `rg-${index % 17}`;
  const name = `nsg-${index}-${hex(random, 4)}`;
  const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
  const config: JsonObject = {
    id: id.toLowerCase(),
    name,
    type: "Microsoft.Network/networkSecurityGroups",
    location: "westeurope",
    tags: { owner: `team-${index % 9}`, env: index % 3 === 0 ? "prod" : "dev" },
    properties: {
      resourceGuid: `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`,
      securityRules: Array.from({ length: rules }, (_, rule) => securityRule(random, rule)),
      flushConnection: random() < 0.5,
    },
  };
  return {
    id,
    key: id.toLowerCase(),
    type: "Microsoft.Network/networkSecurityGroups",
    name,
    subscriptionId,
    resourceGroup,
    location: "westeurope",
    tags: { owner: `team-${index % 9}`, env: index % 3 === 0 ? "prod" : "dev" },
    domain: "network",
    collector: "network",
    config,
    hash: fixtureHash(config),
  };
}

/** `count` deterministic synthetic records (network security groups) spread over the subscriptions. */
export function generateStoreRecords(options: StoreRecordOptions): ResourceRecord[] {
  const random = seededRandom(options.seed);
  const subscriptions = options.subscriptions ?? ["00000000-0000-0000-0000-000000000001"];
  return Array.from({ length: options.count }, (_, index) =>
    syntheticRecord(
      random,
      subscriptions[index % subscriptions.length] ?? "",
      index,
      options.rulesPerResource ?? 2,
    ),
  );
}

/**
 * A copy of `records` where about `fraction` of them changed (one rule's port and description edited),
 * deterministic by `seed`. Unchanged records are the same objects, with the same hashes.
 */
export function changeStoreRecords(
  records: readonly ResourceRecord[],
  fraction: number,
  seed: number,
): ResourceRecord[] {
  const random = seededRandom(seed);
  return records.map((record) => {
    if (random() >= fraction) return record;
    const config = structuredClone(record.config);
    const properties = config.properties as JsonObject;
    const rules = properties.securityRules as JsonObject[];
    const rule = rules[Math.floor(random() * rules.length)];
    if (rule) {
      const ruleProperties = rule.properties as JsonObject;
      ruleProperties.destinationPortRange = String(1024 + Math.floor(random() * 60000));
      ruleProperties.description = `Changed ${hex(random, 12)}`;
    } else {
      properties.flushConnection = !properties.flushConnection;
    }
    return { ...record, config, hash: fixtureHash(config) };
  });
}
