/**
 * Field-level diff of two normalized configs: microdiff underneath, wrapped so arrays compare by
 * meaning. Before microdiff runs, each array becomes an object:
 * - a keyed array → `{ "name=AllowSSH": element, … }`, so one inserted rule is one `added` change
 *   at `properties.securityRules[name=AllowSSH]`, not a cascade of index changes;
 * - a set (primitives, or objects without a key) → `{ <canonical JSON>: element }`, so an element
 *   added or removed is one change at the array's path with the element as `after` / `before`;
 * - an ordered array stays an array and compares by index (`[n]`).
 * The decisions are the normalizer's (same registry, same `arrayKeys`), so they agree.
 */
import microdiff from "microdiff";
import type { ChangeKind, JsonObject, JsonValue, Severity } from "../model.js";
import type { CompiledHints } from "../normalize/hints.js";
import { arrayKeys } from "../normalize/normalize.js";
import { type HintState, NO_HINTS, stateFlags, stepState } from "../normalize/paths.js";
import { appendIndex, appendKey, appendProperty } from "./paths.js";

/** A field change before severities are assigned. */
export interface RawChange {
  path: string;
  kind: ChangeKind;
  before?: JsonValue;
  after?: JsonValue;
}

const ORIGINAL = Symbol("original");
const KIND = Symbol("kind");

type NodeKind = "object" | "keyed" | "set" | "ordered";

/** A transformed container: remembers the value it came from and what kind of node it is. */
interface Transformed {
  [ORIGINAL]: JsonValue;
  [KIND]: NodeKind;
  [key: string]: unknown;
}

/** Objects, keyed arrays and sets become instances of one class: one hidden class to start from. */
class Node {
  [ORIGINAL]: JsonValue;
  [KIND]: NodeKind;
  constructor(original: JsonValue, kind: NodeKind) {
    this[ORIGINAL] = original;
    this[KIND] = kind;
  }
}

const newNode = (original: JsonValue, kind: NodeKind) => new Node(original, kind) as unknown as Transformed;

/** How an array is compared, decided as the normalizer decides (same registry, same `arrayKeys`). */
function arrayShape(value: JsonValue[], state: HintState): { kind: NodeKind; keys?: string[] } {
  const flags = state.length === 0 ? undefined : stateFlags(state);
  const primitives = value.every((element) => element === null || typeof element !== "object");
  const keyed = primitives ? undefined : arrayKeys(value, flags?.keyFields);
  if (keyed) return { kind: "keyed", keys: keyed.keys };
  return { kind: flags?.ordered && !flags.unordered ? "ordered" : "set" };
}

/** A set: each element under its canonical JSON, as it is. */
function setNode(value: JsonValue[]): Transformed {
  const out = newNode(value, "set");
  for (const element of value) out[JSON.stringify(element)] = element;
  return out;
}

/** An ordered array stays an array (compared by index) that remembers where it came from. */
function orderedNode(value: JsonValue[], elements: unknown[]): Transformed {
  const out = elements as unknown as Transformed;
  out[ORIGINAL] = value;
  out[KIND] = "ordered";
  return out;
}

/** Turns one side's value into what microdiff compares. Internal (exported for tests). */
export function transform(value: JsonValue, state: HintState): unknown {
  if (value === null || typeof value !== "object") return value;
  if (!Array.isArray(value)) {
    const out = newNode(value, "object");
    for (const key of Object.keys(value)) {
      out[key] = transform(value[key]!, state.length === 0 ? NO_HINTS : stepState(state, key));
    }
    return out;
  }
  const shape = arrayShape(value, state);
  if (shape.kind === "keyed") {
    const out = newNode(value, "keyed");
    for (let index = 0; index < value.length; index++)
      out[shape.keys![index]!] = transform(value[index]!, state);
    return out;
  }
  if (shape.kind === "ordered")
    return orderedNode(
      value,
      value.map((element) => transform(element, state)),
    );
  return setNode(value);
}

/**
 * Stands for a subtree both sides have alike: microdiff compares it with `Object.is` and finds
 * nothing, so neither side's copy is transformed. A modified resource usually differs in one
 * field out of hundreds; transforming only the differing branches is what keeps a diff of a
 * thousand modified resources cheap.
 */
const ALIKE = Symbol("alike");

/** Whether two normalized values are the same JSON (their keys are sorted, so in the same order). */
function sameJson(a: JsonValue, b: JsonValue): boolean {
  // Object.is, as microdiff compares leaves (0 and -0 differ there too).
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !sameJson(a[key]!, b[key]!)) return false;
  }
  return true;
}

/**
 * Transforms both sides at once: what is alike becomes {@link ALIKE} on both, and only the
 * branches that differ are transformed, each as {@link transform} would. Internal (exported for tests).
 */
export function transformPair(before: JsonValue, after: JsonValue, state: HintState): [unknown, unknown] {
  if (sameJson(before, after)) return [ALIKE, ALIKE];
  if (
    before === null ||
    after === null ||
    typeof before !== "object" ||
    typeof after !== "object" ||
    Array.isArray(before) !== Array.isArray(after)
  ) {
    return [transform(before, state), transform(after, state)];
  }
  if (!Array.isArray(before)) {
    const objectAfter = after as JsonObject;
    const left = newNode(before, "object");
    const right = newNode(after, "object");
    for (const key of Object.keys(before)) {
      const childState = state.length === 0 ? NO_HINTS : stepState(state, key);
      if (Object.hasOwn(objectAfter, key)) {
        [left[key], right[key]] = transformPair(before[key]!, objectAfter[key]!, childState);
      } else left[key] = transform(before[key]!, childState);
    }
    for (const key of Object.keys(objectAfter)) {
      if (!Object.hasOwn(before, key))
        right[key] = transform(objectAfter[key]!, state.length === 0 ? NO_HINTS : stepState(state, key));
    }
    return [left, right];
  }
  const afterArray = after as JsonValue[];
  const shapeBefore = arrayShape(before, state);
  const shapeAfter = arrayShape(afterArray, state);
  if (shapeBefore.kind !== shapeAfter.kind || shapeBefore.kind === "set") {
    return [transform(before, state), transform(afterArray, state)];
  }
  // Keyed (or ordered) on both sides: the elements under one key (or index) are compared in pairs.
  const slotsBefore = shapeBefore.keys ?? before.map((_element, index) => String(index));
  const slotsAfter = shapeAfter.keys ?? afterArray.map((_element, index) => String(index));
  const positions = new Map<string, number>();
  for (let index = 0; index < afterArray.length; index++) positions.set(slotsAfter[index]!, index);
  const leftValues: unknown[] = new Array(before.length);
  const rightValues: unknown[] = new Array(afterArray.length);
  const paired = new Uint8Array(afterArray.length);
  for (let index = 0; index < before.length; index++) {
    const match = positions.get(slotsBefore[index]!);
    if (match === undefined) {
      leftValues[index] = transform(before[index]!, state);
      continue;
    }
    [leftValues[index], rightValues[match]] = transformPair(before[index]!, afterArray[match]!, state);
    paired[match] = 1;
  }
  for (let index = 0; index < afterArray.length; index++) {
    if (paired[index] === 0) rightValues[index] = transform(afterArray[index]!, state);
  }
  if (shapeBefore.kind === "ordered") {
    return [orderedNode(before, leftValues), orderedNode(afterArray, rightValues)];
  }
  const left = newNode(before, "keyed");
  const right = newNode(afterArray, "keyed");
  for (let index = 0; index < before.length; index++) left[slotsBefore[index]!] = leftValues[index];
  for (let index = 0; index < afterArray.length; index++) right[slotsAfter[index]!] = rightValues[index];
  return [left, right];
}

function original(value: unknown): JsonValue {
  if (value !== null && typeof value === "object" && ORIGINAL in value)
    return (value as Transformed)[ORIGINAL];
  return value as JsonValue;
}

function kindOf(value: unknown): NodeKind | undefined {
  return value !== null && typeof value === "object" ? (value as Transformed)[KIND] : undefined;
}

/**
 * The field changes between two normalized configs of the same type, in a stable order (properties
 * in key order, removals and changes before additions at each level, as microdiff walks).
 */
export function diffConfigs(before: JsonObject, after: JsonObject, hints: CompiledHints): RawChange[] {
  const [left, right] = transformPair(before, after, hints.root);
  return changesBetween(left, right);
}

/** The changes between two transformed sides. Internal (exported for tests). */
export function changesBetween(left: unknown, right: unknown): RawChange[] {
  if (left === ALIKE) return [];
  const changes: RawChange[] = [];
  // A container whose kind differs between the sides (a keyed array that lost its key) is reported
  // once, whole; differences microdiff finds below it are folded into that one change.
  const wholeChanged = new Set<string>();
  for (const difference of microdiff(left as Transformed, right as Transformed, { cyclesFix: false })) {
    let path = "";
    let l: unknown = left;
    let r: unknown = right;
    let change: RawChange | undefined;
    const steps = difference.path;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const kind = kindOf(l) ?? kindOf(r);
      const lk = kindOf(l);
      const rk = kindOf(r);
      if (lk !== undefined && rk !== undefined && lk !== rk) {
        change = { path, kind: "changed", before: original(l), after: original(r) };
        if (wholeChanged.has(path)) change = undefined;
        else wholeChanged.add(path);
        break;
      }
      if (kind === "set") {
        const isLast = i === steps.length - 1;
        if (isLast && difference.type === "CREATE") change = { path, kind: "added", after: difference.value };
        else if (isLast && difference.type === "REMOVE")
          change = { path, kind: "removed", before: difference.oldValue };
        else change = { path, kind: "changed", before: original(l), after: original(r) };
        break;
      }
      if (kind === "keyed") path = appendKey(path, String(step));
      else if (kind === "ordered") path = appendIndex(path, Number(step));
      else path = appendProperty(path, String(step));
      l = l === undefined ? undefined : (l as Transformed)[step as string];
      r = r === undefined ? undefined : (r as Transformed)[step as string];
    }
    if (!change) {
      if (wholeChanged.has(path) || steps.length === 0) continue;
      if (difference.type === "CREATE") change = { path, kind: "added", after: original(difference.value) };
      else if (difference.type === "REMOVE")
        change = { path, kind: "removed", before: original(difference.oldValue) };
      else
        change = {
          path,
          kind: "changed",
          before: original(difference.oldValue),
          after: original(difference.value),
        };
    }
    changes.push(change);
  }
  return changes;
}

/** A placeholder severity until the rule engine decides. Internal. */
export const UNASSESSED: Severity = "info";
