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
  const { id, type } = checkIdentity(resource, source);
  const config = normalizeWith(resource, compiledHintsFor(registry, type), redactionFor(options));
  // Normalized configs have sorted keys everywhere: JSON.stringify is their canonical JSON.
  const hash = hashString(JSON.stringify(config));
  const record: ResourceRecord = {
    id,
    key: id.toLowerCase(),
    type,
    name: nameOf(resource, id),
    subscriptionId: subscriptionOf(id),
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

function nameOf(resource: JsonObject, id: string): string {
  return typeof resource.name === "string" ? resource.name : (id.split("/").pop() ?? id);
}

function subscriptionOf(id: string): string {
  return (SUBSCRIPTION.exec(id)?.[1] ?? "").toLowerCase();
}

function checkIdentity(resource: JsonObject, source: RecordSource): { id: string; type: string } {
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
  return { id, type };
}

/** What a lazy record needs to become a full one, kept under a non-enumerable symbol. */
interface Pending {
  /** The raw resource as JSON text: one flat string is far cheaper for the GC than the object graph. */
  json: string;
  source: RecordSource;
  registry: TypeRegistry;
  options: RedactionOptions | undefined;
  fields: readonly LazyField[];
  done: boolean;
}

type LazyField = "config" | "hash" | "tags";
// A symbol property rather than a WeakMap: 100k weak entries make every major GC slower.
const PENDING = Symbol("azure-drift.lazyRecord");
const WITH_TAGS: readonly LazyField[] = ["tags", "config", "hash"];
const WITHOUT_TAGS: readonly LazyField[] = ["config", "hash"];

/**
 * The raw ARM JSON text of a lazy record, if it is one. Two lazy records with the same raw JSON are
 * unchanged without normalizing either. Internal.
 */
export function rawJsonOf(record: object): string | undefined {
  return (record as { [PENDING]?: Pending })[PENDING]?.json;
}

function materialize(record: ResourceRecord): void {
  const state = (record as { [PENDING]?: Pending })[PENDING];
  if (!state || state.done) return;
  state.done = true;
  const full = createRecord(
    JSON.parse(state.json) as JsonObject,
    state.source,
    state.registry,
    state.options,
  );
  for (const field of state.fields) {
    Object.defineProperty(record, field, {
      value: full[field],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

// Shared accessors (not closures per record): a 100k-resource import allocates no functions.
const lazyDescriptors = Object.fromEntries(
  (["config", "hash", "tags"] as const).map((field) => [
    field,
    {
      get(this: ResourceRecord) {
        materialize(this);
        return this[field];
      },
      set(this: ResourceRecord, value: unknown) {
        materialize(this);
        Object.defineProperty(this, field, { value, enumerable: true, writable: true, configurable: true });
      },
      enumerable: true,
      configurable: true,
    },
  ]),
) as Record<LazyField, PropertyDescriptor>;

/**
 * Like {@link createRecord}, but `config`, `hash` and `tags` are computed on first access. Imports
 * of large ARM files use it: most resources are unchanged between two files, and for those the diff
 * compares a hash of the raw JSON instead of normalizing both sides. The raw JSON stays in memory
 * (with its secrets) only until the record is first read; it is never serialized. `json`, when
 * given, must be the resource's own JSON text (as read from a file), sparing a `JSON.stringify`.
 */
export function createLazyRecord(
  resource: JsonObject,
  source: RecordSource,
  registry: TypeRegistry,
  options?: RedactionOptions,
  json?: string,
): ResourceRecord {
  const { id, type } = checkIdentity(resource, source);
  const record = {
    id,
    key: id.toLowerCase(),
    type,
    name: nameOf(resource, id),
    subscriptionId: subscriptionOf(id),
  } as ResourceRecord;
  const resourceGroup = RESOURCE_GROUP.exec(id)?.[1];
  if (resourceGroup) record.resourceGroup = resourceGroup;
  if (typeof resource.location === "string") record.location = resource.location;
  const rawTags = resource.tags;
  const hasTags =
    rawTags !== null &&
    typeof rawTags === "object" &&
    !Array.isArray(rawTags) &&
    Object.keys(rawTags).length > 0;
  const fields = hasTags ? WITH_TAGS : WITHOUT_TAGS;
  for (const field of fields) Object.defineProperty(record, field, lazyDescriptors[field]);
  record.domain = source.domain;
  record.collector = source.collector;
  const state: Pending = {
    json: json ?? JSON.stringify(resource),
    source,
    registry,
    options,
    fields,
    done: false,
  };
  Object.defineProperty(record, PENDING, { value: state, enumerable: false });
  return record;
}
