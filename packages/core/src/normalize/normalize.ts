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
 *
 * ARM objects of one kind repeat their keys in the same order, so what an object's keys mean (their
 * sorted order, volatile and secret names, id keys lower-cased) is worked out once per list of keys
 * and remembered per hints and redaction ({@link Shape}), and each place in the walk remembers the
 * shape and hint state it last met ({@link Slot}). None of it changes the result, only its cost.
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

/** The lower-cased resource type a `type` value is, or `undefined`, remembered for the slot it is met at. */
function resourceTypeAt(slot: Slot, value: string): string | undefined {
  if (value !== slot.type) {
    slot.type = value;
    slot.resourceType = resourceType(value);
  }
  return slot.resourceType;
}

/** Whether a string is an ARM id (compared case-insensitively, so normalized to lower case). */
export function isArmId(value: string): boolean {
  return value.charCodeAt(0) === 47 && ARM_ID.test(value);
}

interface Walk {
  hints: CompiledHints;
  redaction: CompiledRedaction | undefined;
  /** What is remembered per hints and redaction: names' verdicts and objects' shapes. */
  memo: Memo;
}

/** A property name dropped at any depth (`etag`). */
const VOLATILE_NAME = 1;
/** A property name whose value is a secret at any depth (a type's `**.name` secrets). */
const SECRET_NAME = 2;
/** A property name whose string value is a secret by redaction's name patterns (`password`). */
const SECRET_KEY_NAME = 4;
/** `value`, a secret when its siblings say so (see {@link isSecretBySibling}). */
const VALUE_NAME = 8;
/** `type`, whose value is lower-cased when it is a resource type. */
const TYPE_NAME = 16;
/** Names remembered per hints and redaction; beyond this, names (say, ids used as keys) are looked up each time. */
const NAME_CACHE_LIMIT = 10_000;
/** Shape nodes remembered per hints and redaction; beyond this, new shapes are worked out each time. */
const SHAPE_CACHE_LIMIT = 50_000;

/**
 * How an object with a given list of keys (in their enumeration order) is walked: worked out once
 * per list, since ARM objects of one kind repeat their keys in the same order.
 */
interface Shape {
  /** The object's keys in enumeration order: what identifies the shape. */
  keys: readonly string[];
  /** Indexes into the object's keys and values in output order (sorted keys), volatile names left out. */
  order: number[];
  /** The key written at each position of `order`: an ARM id used as a key is lower-cased. */
  outKeys: string[];
  /** The name's flags at each position of `order`. */
  flags: number[];
  /** Per position of `order`, the shape of the object last found there (see {@link Slot}). */
  slots: Slot[];
}

/**
 * Where the walk meets objects (a position of a shape, the root): the shape last met there, most
 * likely the next one's too (rules of one NSG, one property across resources of a type). Checking it
 * compares key references, cheaper than looking each key up in the trie.
 */
interface Slot {
  shape: Shape | undefined;
  /** The hint state of the parent last met here, and what its step to this position gave. */
  from: HintState | undefined;
  state: HintState;
  flags: HintFlags | undefined;
  /**
   * The last `type` value met here and the resource type it is (`undefined`: not one). The rules of
   * an NSG all carry the same type: comparing strings spares hashing each one for a map lookup.
   */
  type: string | undefined;
  resourceType: string | undefined;
}

/** A slot with every field set, so that all slots share one object shape. */
function newSlot(): Slot {
  return {
    shape: undefined,
    from: undefined,
    state: NO_HINTS,
    flags: undefined,
    type: undefined,
    resourceType: undefined,
  };
}

/** A node of the trie of shapes: keys in enumeration order lead to it. */
interface ShapeNode {
  next: Map<string, ShapeNode> | undefined;
  shape: Shape | undefined;
}

interface Memo {
  /** What each property name means wherever it appears (see {@link nameFlags}). */
  names: Map<string, number>;
  shapes: ShapeNode;
  shapeNodes: number;
  /** Where resources' root objects are met. */
  root: Slot;
}

const memos = new WeakMap<CompiledHints, Map<CompiledRedaction | undefined, Memo>>();

/** What is remembered for one pair of hints and redaction. */
function memoOf(hints: CompiledHints, redaction: CompiledRedaction | undefined): Memo {
  let byRedaction = memos.get(hints);
  if (!byRedaction) {
    byRedaction = new Map();
    memos.set(hints, byRedaction);
  }
  let memo = byRedaction.get(redaction);
  if (!memo) {
    memo = {
      names: new Map(),
      shapes: { next: undefined, shape: undefined },
      shapeNodes: 0,
      root: newSlot(),
    };
    byRedaction.set(redaction, memo);
  }
  return memo;
}

/** One lookup per property instead of three: the name's verdicts, cached per hints and redaction. */
function nameFlags(walk: Walk, key: string): number {
  const { names } = walk.memo;
  let flags = names.get(key);
  if (flags === undefined) {
    const { hints, redaction } = walk;
    flags =
      (hints.volatileKeys.has(key) ? VOLATILE_NAME : 0) |
      (hints.secretKeys.has(key) ? SECRET_NAME : 0) |
      (redaction?.isSecretKey(key) ? SECRET_KEY_NAME : 0) |
      (key === "value" ? VALUE_NAME : 0) |
      (key === "type" ? TYPE_NAME : 0);
    if (names.size < NAME_CACHE_LIMIT) names.set(key, flags);
  }
  return flags;
}

/** The shape of an object with these keys: the one last met at `slot` if it matches, else from the trie. */
function shapeAt(slot: Slot, walk: Walk, keys: readonly string[]): Shape {
  const last = slot.shape;
  if (last !== undefined && sameKeys(last.keys, keys)) return last;
  const shape = shapeOf(walk, keys);
  slot.shape = shape;
  return shape;
}

/** Whether two key lists are the same: property names are unique strings, so `===` is a pointer check. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The shape of an object with these keys, from the trie (or worked out, when the trie is full). */
function shapeOf(walk: Walk, keys: readonly string[]): Shape {
  const memo = walk.memo;
  let node = memo.shapes;
  for (let i = 0; i < keys.length; i++) {
    let next = node.next?.get(keys[i]!);
    if (next === undefined) {
      if (memo.shapeNodes >= SHAPE_CACHE_LIMIT) return computeShape(walk, keys);
      next = { next: undefined, shape: undefined };
      node.next ??= new Map();
      node.next.set(keys[i]!, next);
      memo.shapeNodes++;
    }
    node = next;
  }
  node.shape ??= computeShape(walk, keys);
  return node.shape;
}

function computeShape(walk: Walk, keys: readonly string[]): Shape {
  let order = sortedIndexes(keys);
  let outKeys = order.map((index) => keys[index]!);
  // Object keys that are ARM ids (`userAssignedIdentities`) are lower-cased, which can change the order.
  if (outKeys.some((key) => key.charCodeAt(0) === 47 && isArmId(key))) {
    const lowered = outKeys.map((key) => (isArmId(key) ? key.toLowerCase() : key));
    const positions = lowered.map((_key, position) => position);
    positions.sort((a, b) => compareStrings(lowered[a]!, lowered[b]!));
    order = positions.map((position) => order[position]!);
    outKeys = positions.map((position) => lowered[position]!);
  }
  const shape: Shape = { keys: keys.slice(), order: [], outKeys: [], flags: [], slots: [] };
  for (let position = 0; position < order.length; position++) {
    const flags = nameFlags(walk, keys[order[position]!]!);
    if (flags & VOLATILE_NAME) continue;
    shape.order.push(order[position]!);
    shape.outKeys.push(outKeys[position]!);
    shape.flags.push(flags);
    shape.slots.push(newSlot());
  }
  return shape;
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
  const walk: Walk = { hints, redaction, memo: memoOf(hints, redaction) };
  return normalizeObject(resource, hints.root, redaction?.paths ?? NO_HINTS, walk, walk.memo.root) ?? {};
}

function normalizeObject(
  object: JsonObject,
  state: HintState,
  secretState: HintState,
  walk: Walk,
  slot: Slot,
): JsonObject | undefined {
  const keys = Object.keys(object);
  const { order, outKeys, flags: names, slots } = shapeAt(slot, walk, keys);
  // One call reads every value in key order: cheaper than a keyed read per property.
  const values = Object.values(object);
  const out: JsonObject = {};
  let empty = true;
  const { redaction } = walk;
  for (let position = 0; position < order.length; position++) {
    const index = order[position]!;
    const value = values[index];
    if (value === null || value === undefined) continue;
    const key = keys[index]!;
    const named = names[position]!;
    const childSlot = slots[position]!;
    let childState = NO_HINTS;
    let flags: HintFlags | undefined;
    if (state.length > 0) {
      // The same parent state at the same position steps to the same child state.
      if (childSlot.from !== state) {
        childSlot.from = state;
        childSlot.state = stepState(state, key);
        childSlot.flags = childSlot.state.length === 0 ? undefined : stateFlags(childSlot.state);
      }
      childState = childSlot.state;
      flags = childSlot.flags;
      if (flags?.volatile) continue;
    }
    // Without redaction secrets are kept, and no secret path is followed.
    const childSecretState =
      redaction === undefined || secretState.length === 0 ? NO_HINTS : stepState(secretState, key);
    let normalized: JsonValue | undefined;
    if (
      redaction !== undefined &&
      (flags?.secret ||
        named & SECRET_NAME ||
        (childSecretState.length > 0 && stateFlags(childSecretState)?.secret))
    ) {
      normalized = redaction.marker(typeof value === "string" ? value : JSON.stringify(value));
    } else if (typeof value === "string") {
      if (
        redaction !== undefined &&
        (named & SECRET_KEY_NAME || (named & VALUE_NAME && isSecretBySibling(key, object, redaction)))
      ) {
        normalized = redaction.marker(value);
      } else {
        normalized =
          (named & TYPE_NAME ? resourceTypeAt(childSlot, value) : undefined) ?? normalizeString(value, walk);
      }
    } else if (typeof value === "object") {
      normalized = Array.isArray(value)
        ? normalizeArray(value, childState, childSecretState, flags, walk, childSlot)
        : normalizeObject(value, childState, childSecretState, walk, childSlot);
      if (normalized === undefined) continue;
    } else {
      normalized = value;
    }
    out[outKeys[position]!] = normalized;
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
  slot: Slot,
): JsonValue | undefined {
  switch (typeof value) {
    case "string":
      return normalizeString(value, walk);
    case "object":
      if (value === null) return undefined;
      if (Array.isArray(value)) return normalizeArray(value, state, secretState, flags, walk, slot);
      return normalizeObject(value, state, secretState, walk, slot);
    default:
      return value;
  }
}

/** An ARM id lower-cased, a string that carries a credential redacted, any other string as it is. */
function normalizeString(value: string, walk: Walk): string {
  if (value.length > 0 && value.charCodeAt(0) === 47 && ARM_ID.test(value)) return value.toLowerCase();
  if (walk.redaction?.isSecretValue(value)) return walk.redaction.marker(value);
  return value;
}

function normalizeArray(
  array: JsonValue[],
  state: HintState,
  secretState: HintState,
  flags: HintFlags | undefined,
  walk: Walk,
  slot: Slot,
): JsonValue[] | undefined {
  const elements: JsonValue[] = [];
  let primitives = true;
  // Arrays are transparent to hint paths: elements are walked with the array's own state.
  for (const element of array) {
    const normalized = normalizeValue(element, state, secretState, undefined, walk, slot);
    if (normalized === undefined) continue;
    if (typeof normalized === "object") primitives = false;
    elements.push(normalized);
  }
  if (elements.length === 0) return undefined;
  if (primitives) {
    if (flags?.ordered && !flags.unordered) return elements;
    return sortedSet(elements);
  }
  let order = keyedOrder(elements, flags?.keyFields);
  let candidates = elements;
  if (order === undefined && elements.length > 1 && !(flags?.ordered && !flags.unordered)) {
    // Exact duplicates hide a key; without them the array may be keyed (and must be, for idempotence).
    candidates = sortedSet(elements);
    if (candidates.length < elements.length) order = keyedOrder(candidates, flags?.keyFields);
  }
  if (order === null) return candidates;
  if (order !== undefined) return order.map((index) => candidates[index]!);
  if (flags?.ordered && !flags.unordered) return elements;
  return candidates === elements ? sortedSet(elements) : candidates;
}

/** Up to this length insertion sort beats `Array.prototype.sort` (no comparator calls); longer arrays use the latter. */
const INSERTION_SORT_LIMIT = 24;

/**
 * Sorts strings in place by UTF-16 code units: the order of `Array.prototype.sort()` without a
 * comparator and of {@link compareStrings} (equal strings stay in order). Short arrays are sorted
 * by insertion, which beats `Array.prototype.sort` with a comparator there.
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

/** The indexes of `strings` in the order {@link sortStrings} puts them. */
function sortedIndexes(strings: readonly string[]): number[] {
  const order = strings.map((_string, index) => index);
  if (strings.length > INSERTION_SORT_LIMIT) {
    order.sort((a, b) => compareStrings(strings[a]!, strings[b]!));
    return order;
  }
  for (let i = 1; i < order.length; i++) {
    const item = order[i]!;
    const value = strings[item]!;
    let j = i - 1;
    while (j >= 0 && strings[order[j]!]! > value) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = item;
  }
  return order;
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

/**
 * How a keyed array's elements are ordered: `undefined` when no key fits (see {@link arrayKeys}, whose
 * verdict this is), `null` when they are already in key order, else their indexes in key order. A key
 * of one field is compared by its values alone: every key string would start with the same
 * `field=`, so the order is the same without building those strings.
 */
function keyedOrder(
  elements: readonly JsonValue[],
  declared: string[] | undefined,
): number[] | null | undefined {
  const candidates = declared ? [declared, ...DEFAULT_KEYS] : DEFAULT_KEYS;
  for (const fields of candidates) {
    const keys =
      fields.length === 1 && !fields[0]!.includes("|")
        ? fieldValues(elements, fields[0]!)
        : keyStrings(elements, fields);
    if (!keys) continue;
    // Strictly increasing: unique, and already in order (the usual case for rules and subnets).
    if (isIncreasing(keys)) return null;
    const order = sortedIndexes(keys);
    // Two elements with one key: these fields do not key the array.
    if (order.some((index, at) => at > 0 && keys[index] === keys[order[at - 1]!])) continue;
    return order;
  }
  return undefined;
}

/** Each element's value of `field` as a string, or `undefined` when one is not an object with a primitive there. */
function fieldValues(elements: readonly JsonValue[], field: string): string[] | undefined {
  const values: string[] = [];
  for (const element of elements) {
    if (element === null || typeof element !== "object" || Array.isArray(element)) return undefined;
    const value = element[field];
    if (value === undefined || value === null || typeof value === "object") return undefined;
    values.push(String(value));
  }
  return values;
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
