/**
 * Normalization: turns a resource's ARM JSON into the canonical document that is hashed, stored and
 * diffed. One walk does everything, so a 100k-resource snapshot is normalized at close to the cost of
 * copying it:
 * - volatile fields are dropped (any-depth names such as `etag`, and the type's declared paths);
 * - `null`, empty arrays and empty objects are dropped, so null, missing and empty compare equal;
 * - ARM ids (strings starting `/subscriptions/` or `/providers/`, and object keys that are ids, as in
 *   `identity.userAssignedIdentities`) and resource-type strings under `type` are lower-cased;
 * - object keys are emitted in sorted order, so `JSON.stringify` of the result is canonical JSON;
 * - arrays of objects with a key (declared, else `name`, else `id`, unique in the array) are sorted
 *   by key; other arrays are sets (sorted, deduplicated) unless declared `orderedArrays`;
 * - secrets are redacted (see redact.ts) unless redaction is switched off.
 */
import type { JsonObject, JsonValue } from "../model.js";
import { type CompiledRedaction, isSecretBySibling, type RedactionOptions, redactionFor } from "../redact.js";
import { type CompiledHints, compiledHintsFor, type TypeRegistry } from "./hints.js";
import { type HintFlags, type HintState, NO_HINTS, stateFlags, stepState } from "./paths.js";

/** Options of {@link normalizeResource}. */
export interface NormalizeOptions {
  /** How secrets are redacted; `false` keeps them (only for data that never leaves memory). Default: core's defaults. */
  redaction?: RedactionOptions | false;
}

const ARM_ID = /^\/(subscriptions|providers)\//i;
const RESOURCE_TYPE = /^[A-Za-z][\w-]*\.[\w.-]+\/[\w/.-]+$/;

/** Values seen under `type` that are resource types, lower-cased (`null`: not one); they repeat in every rule and subnet. */
const resourceTypes = new Map<string, string | null>();
const RESOURCE_TYPE_CACHE_LIMIT = 10_000;

/** The lower-cased resource type a `type` value is, or `undefined`. */
function resourceType(value: string): string | undefined {
  let lowered = resourceTypes.get(value);
  if (lowered === undefined) {
    lowered = RESOURCE_TYPE.test(value) ? value.toLowerCase() : null;
    if (resourceTypes.size < RESOURCE_TYPE_CACHE_LIMIT) resourceTypes.set(value, lowered);
  }
  return lowered ?? undefined;
}

/** Whether a string is an ARM id (compared case-insensitively, so normalized to lower case). */
export function isArmId(value: string): boolean {
  return value.charCodeAt(0) === 47 && ARM_ID.test(value);
}

interface Walk {
  hints: CompiledHints;
  redaction: CompiledRedaction | undefined;
  /** What each property name means wherever it appears (see {@link nameFlags}). */
  names: Map<string, number>;
}

/** A property name dropped at any depth (`etag`). */
const VOLATILE_NAME = 1;
/** A property name whose value is a secret at any depth (a type's `**.name` secrets). */
const SECRET_NAME = 2;
/** A property name whose string value is a secret by redaction's name patterns (`password`). */
const SECRET_KEY_NAME = 4;
/** Names remembered per hints and redaction; beyond this, names (say, ids used as keys) are looked up each time. */
const NAME_CACHE_LIMIT = 10_000;
const nameCaches = new WeakMap<CompiledHints, Map<CompiledRedaction | undefined, Map<string, number>>>();

/** One lookup per property instead of three: the name's verdicts, cached per hints and redaction. */
function namesOf(hints: CompiledHints, redaction: CompiledRedaction | undefined): Map<string, number> {
  let byRedaction = nameCaches.get(hints);
  if (!byRedaction) {
    byRedaction = new Map();
    nameCaches.set(hints, byRedaction);
  }
  let names = byRedaction.get(redaction);
  if (!names) {
    names = new Map();
    byRedaction.set(redaction, names);
  }
  return names;
}

function nameFlags(walk: Walk, key: string): number {
  let flags = walk.names.get(key);
  if (flags === undefined) {
    const { hints, redaction } = walk;
    flags =
      (hints.volatileKeys.has(key) ? VOLATILE_NAME : 0) |
      (hints.secretKeys.has(key) ? SECRET_NAME : 0) |
      (redaction?.isSecretKey(key) ? SECRET_KEY_NAME : 0);
    if (walk.names.size < NAME_CACHE_LIMIT) walk.names.set(key, flags);
  }
  return flags;
}

/**
 * Normalizes and (by default) redacts one resource's ARM JSON with the hints of its `type` in
 * `registry`. The result has sorted keys at every level: its `JSON.stringify` is canonical JSON.
 */
export function normalizeResource(
  resource: JsonObject,
  registry: TypeRegistry,
  options: NormalizeOptions = {},
): JsonObject {
  const type = typeof resource.type === "string" ? resource.type : "*";
  const redaction = options.redaction === false ? undefined : redactionFor(options.redaction);
  return normalizeWith(resource, compiledHintsFor(registry, type), redaction);
}

/** Normalizes with already compiled hints and redaction. Internal. */
export function normalizeWith(
  resource: JsonObject,
  hints: CompiledHints,
  redaction: CompiledRedaction | undefined,
): JsonObject {
  const walk: Walk = { hints, redaction, names: namesOf(hints, redaction) };
  return normalizeObject(resource, hints.root, redaction?.paths ?? NO_HINTS, walk) ?? {};
}

function normalizeObject(
  object: JsonObject,
  state: HintState,
  secretState: HintState,
  walk: Walk,
): JsonObject | undefined {
  const keys = Object.keys(object);
  if (keys.length > 1) sortStrings(keys);
  // Object keys that are ARM ids (`userAssignedIdentities`) are lower-cased, which can change the order.
  let outKeys = keys;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i]!.charCodeAt(0) === 47 && isArmId(keys[i]!)) {
      outKeys = keys.map((key) => (isArmId(key) ? key.toLowerCase() : key));
      const order = keys.map((_key, index) => index).sort((a, b) => compareStrings(outKeys[a]!, outKeys[b]!));
      outKeys = order.map((index) => outKeys[index]!);
      const sortedKeys = order.map((index) => keys[index]!);
      keys.splice(0, keys.length, ...sortedKeys);
      break;
    }
  }
  const out: JsonObject = {};
  let empty = true;
  const { redaction } = walk;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const outKey = outKeys[i]!;
    const value = object[key];
    if (value === null || value === undefined) continue;
    const named = nameFlags(walk, key);
    if (named & VOLATILE_NAME) continue;
    const childState = state.length === 0 ? NO_HINTS : stepState(state, key);
    const flags = childState.length === 0 ? undefined : stateFlags(childState);
    if (flags?.volatile) continue;
    let normalized: JsonValue | undefined;
    if (redaction) {
      const childSecretState = secretState.length === 0 ? NO_HINTS : stepState(secretState, key);
      if (
        flags?.secret ||
        named & SECRET_NAME ||
        (childSecretState.length > 0 && stateFlags(childSecretState)?.secret)
      ) {
        normalized = redaction.marker(typeof value === "string" ? value : JSON.stringify(value));
      } else if (
        typeof value === "string" &&
        (named & SECRET_KEY_NAME || isSecretBySibling(key, object, redaction))
      ) {
        normalized = redaction.marker(value);
      } else if (key === "type" && typeof value === "string" && resourceType(value) !== undefined) {
        normalized = resourceType(value);
      } else {
        normalized = normalizeValue(value, childState, childSecretState, flags, walk);
      }
    } else if (key === "type" && typeof value === "string" && resourceType(value) !== undefined) {
      normalized = resourceType(value);
    } else {
      normalized = normalizeValue(value, childState, NO_HINTS, flags, walk);
    }
    if (normalized === undefined) continue;
    out[outKey] = normalized;
    empty = false;
  }
  return empty ? undefined : out;
}

function normalizeValue(
  value: JsonValue,
  state: HintState,
  secretState: HintState,
  flags: HintFlags | undefined,
  walk: Walk,
): JsonValue | undefined {
  switch (typeof value) {
    case "string":
      if (value.charCodeAt(0) === 47 && ARM_ID.test(value)) return value.toLowerCase();
      if (walk.redaction?.isSecretValue(value)) return walk.redaction.marker(value);
      return value;
    case "object":
      if (value === null) return undefined;
      if (Array.isArray(value)) return normalizeArray(value, state, secretState, flags, walk);
      return normalizeObject(value, state, secretState, walk);
    default:
      return value;
  }
}

function normalizeArray(
  array: JsonValue[],
  state: HintState,
  secretState: HintState,
  flags: HintFlags | undefined,
  walk: Walk,
): JsonValue[] | undefined {
  const elements: JsonValue[] = [];
  let primitives = true;
  // Arrays are transparent to hint paths: elements are walked with the array's own state.
  for (const element of array) {
    const normalized = normalizeValue(element, state, secretState, undefined, walk);
    if (normalized === undefined) continue;
    if (typeof normalized === "object") primitives = false;
    elements.push(normalized);
  }
  if (elements.length === 0) return undefined;
  if (primitives) {
    if (flags?.ordered && !flags.unordered) return elements;
    return sortedSet(elements);
  }
  let keyed = arrayKeys(elements, flags?.keyFields);
  let candidates = elements;
  if (!keyed && elements.length > 1 && !(flags?.ordered && !flags.unordered)) {
    // Exact duplicates hide a key; without them the array may be keyed (and must be, for idempotence).
    candidates = sortedSet(elements);
    if (candidates.length < elements.length) keyed = arrayKeys(candidates, flags?.keyFields);
  }
  if (keyed) {
    const keys = keyed.keys;
    // Keys are unique: increasing means already in order.
    if (isIncreasing(keys)) return candidates;
    const order = candidates.map((_element, index) => index);
    order.sort((a, b) => compareStrings(keys[a]!, keys[b]!));
    return order.map((index) => candidates[index]!);
  }
  if (flags?.ordered && !flags.unordered) return elements;
  return candidates === elements ? sortedSet(elements) : candidates;
}

/** Up to this length insertion sort beats `Array.prototype.sort` (no comparator calls); longer arrays use the latter. */
const INSERTION_SORT_LIMIT = 24;

/**
 * Sorts strings in place by UTF-16 code units: the order of `Array.prototype.sort()` without a
 * comparator and of {@link compareStrings} (equal strings stay in order). ARM objects have a few
 * keys; sorting them by insertion made normalization about a tenth faster.
 */
function sortStrings(strings: string[]): void {
  if (strings.length > INSERTION_SORT_LIMIT) {
    strings.sort(compareStrings);
    return;
  }
  for (let i = 1; i < strings.length; i++) {
    const item = strings[i]!;
    let j = i - 1;
    while (j >= 0 && strings[j]! > item) {
      strings[j + 1] = strings[j]!;
      j--;
    }
    strings[j + 1] = item;
  }
}

function isIncreasing(strings: readonly string[]): boolean {
  for (let i = 1; i < strings.length; i++) if (!(strings[i - 1]! < strings[i]!)) return false;
  return true;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts and deduplicates elements by their canonical JSON (they are already normalized). */
function sortedSet(elements: JsonValue[]): JsonValue[] {
  if (elements.length === 1) return elements;
  if (elements.every((element) => typeof element === "string")) {
    const strings = elements as string[];
    // Strictly increasing: already sorted, no duplicates (the usual address prefixes and ports).
    if (isIncreasing(strings)) return elements;
    const sorted = strings.slice();
    sortStrings(sorted);
    return sorted.filter((element, index) => index === 0 || element !== sorted[index - 1]);
  }
  const tagged = elements.map((element) => [JSON.stringify(element), element] as const);
  tagged.sort((a, b) => compareStrings(a[0], b[0]));
  return tagged
    .filter((entry, index) => index === 0 || entry[0] !== tagged[index - 1]![0])
    .map((entry) => entry[1]);
}

/**
 * One key field of an element as `field=value`. A field spec `a|b` takes the first of `a`, `b` the
 * element has: ARM arrays such as diagnostic settings' `logs` key each entry by `category` or by
 * `categoryGroup`.
 */
function keyPart(element: { [key: string]: JsonValue }, spec: string): string | undefined {
  for (const field of spec.includes("|") ? spec.split("|") : [spec]) {
    const value = element[field];
    if (value === undefined || value === null) continue;
    return typeof value === "object" ? undefined : `${field}=${String(value)}`;
  }
  return undefined;
}

/** The key fields of an array of objects and each element's key string. */
export interface ArrayKeys {
  fields: string[];
  /** `name=AllowSSH`, `tenantId=…,objectId=…`: what appears inside `[...]` in a change path. */
  keys: string[];
}

const DEFAULT_KEYS: readonly string[][] = [["name"], ["id"]];

/**
 * Which fields key an array of objects: the declared fields, else `name`, else `id`, provided every
 * element is an object with a primitive value for each field and the keys are unique. `undefined`
 * when none fits (the array is then a set, or ordered).
 */
export function arrayKeys(elements: readonly JsonValue[], declared?: string[]): ArrayKeys | undefined {
  const candidates = declared ? [declared, ...DEFAULT_KEYS] : DEFAULT_KEYS;
  for (const fields of candidates) {
    const keys = keyStrings(elements, fields);
    if (keys) return { fields, keys };
  }
  return undefined;
}

function keyStrings(elements: readonly JsonValue[], fields: readonly string[]): string[] | undefined {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const element of elements) {
    if (element === null || typeof element !== "object" || Array.isArray(element)) return undefined;
    let key = "";
    for (let i = 0; i < fields.length; i++) {
      const part = keyPart(element, fields[i]!);
      if (part === undefined) return undefined;
      key += `${i === 0 ? "" : ","}${part}`;
    }
    if (seen.has(key)) return undefined;
    seen.add(key);
    keys.push(key);
  }
  return keys;
}
