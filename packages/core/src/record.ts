import { DriftError } from "./errors.js";
import { hashString } from "./hash.js";
import type { JsonObject, ResourceRecord } from "./model.js";
import { compiledHintsFor, type TypeRegistry } from "./normalize/hints.js";
import { normalizeWith } from "./normalize/normalize.js";
import { type RedactionOptions, redactionFor } from "./redact.js";

/** Who produced a record. */
export interface RecordSource {
  collector: string;
  domain: string;
}

const SUBSCRIPTION = /^\/subscriptions\/([^/]+)/i;
const RESOURCE_GROUP = /\/resourceGroups\/([^/]+)/i;

/**
 * Turns one resource's ARM JSON into a {@link ResourceRecord}: key (the lower-cased id), type, name,
 * subscription (lower-cased; empty for tenant-level resources such as `/providers/...`), resource
 * group and location from the JSON; `config` normalized and redacted; `hash` of its canonical JSON.
 * Tags are taken from the redacted config, so a secret in a tag never reaches the record.
 *
 * @throws DriftError `E_SNAPSHOT_FORMAT` when `id` or `type` is missing.
 */
export function createRecord(
  resource: JsonObject,
  source: RecordSource,
  registry: TypeRegistry,
  options?: RedactionOptions,
): ResourceRecord {
  const { id, type } = resource;
  if (typeof id !== "string" || id.length === 0) {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `A resource from ${source.collector} has no "id": every resource needs its ARM id ("/subscriptions/.../providers/...").`,
      { details: { collector: source.collector, name: resource.name } },
    );
  }
  if (typeof type !== "string" || type.length === 0) {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `Resource ${id} has no "type": every resource needs its ARM type (e.g. "Microsoft.Network/networkSecurityGroups").`,
      { details: { collector: source.collector, id } },
    );
  }
  const config = normalizeWith(resource, compiledHintsFor(registry, type), redactionFor(options));
  // Normalized configs have sorted keys everywhere: JSON.stringify is their canonical JSON.
  const hash = hashString(JSON.stringify(config));
  const record: ResourceRecord = {
    id,
    key: id.toLowerCase(),
    type,
    name: typeof resource.name === "string" ? resource.name : (id.split("/").pop() ?? id),
    subscriptionId: (SUBSCRIPTION.exec(id)?.[1] ?? "").toLowerCase(),
    domain: source.domain,
    collector: source.collector,
    config,
    hash,
  };
  const resourceGroup = RESOURCE_GROUP.exec(id)?.[1];
  if (resourceGroup) record.resourceGroup = resourceGroup;
  if (typeof resource.location === "string") record.location = resource.location;
  const tags = config.tags;
  if (tags && typeof tags === "object" && !Array.isArray(tags)) {
    const strings: Record<string, string> = {};
    for (const [name, value] of Object.entries(tags)) if (typeof value === "string") strings[name] = value;
    if (Object.keys(strings).length > 0) record.tags = strings;
  }
  return record;
}
