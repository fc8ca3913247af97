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

function transform(value: JsonValue, state: HintState): unknown {
  if (value === null || typeof value !== "object") return value;
  if (!Array.isArray(value)) {
    const out = { [ORIGINAL]: value, [KIND]: "object" } as Transformed;
    for (const key of Object.keys(value)) {
      out[key] = transform(value[key]!, state.length === 0 ? NO_HINTS : stepState(state, key));
    }
    return out;
  }
  const flags = state.length === 0 ? undefined : stateFlags(state);
  const primitives = value.every((element) => element === null || typeof element !== "object");
  const keyed = primitives ? undefined : arrayKeys(value, flags?.keyFields);
  if (keyed) {
    const out = { [ORIGINAL]: value, [KIND]: "keyed" } as Transformed;
    value.forEach((element, index) => {
      out[keyed.keys[index]!] = transform(element, state);
    });
    return out;
  }
  if (flags?.ordered && !flags.unordered) {
    const out = value.map((element) => transform(element, state)) as unknown as Transformed;
    out[ORIGINAL] = value;
    out[KIND] = "ordered";
    return out;
  }
  const out = { [ORIGINAL]: value, [KIND]: "set" } as Transformed;
  for (const element of value) out[JSON.stringify(element)] = element;
  return out;
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
  const left = transform(before, hints.root) as Transformed;
  const right = transform(after, hints.root) as Transformed;
  const changes: RawChange[] = [];
  // A container whose kind differs between the sides (a keyed array that lost its key) is reported
  // once, whole; differences microdiff finds below it are folded into that one change.
  const wholeChanged = new Set<string>();
  for (const difference of microdiff(left, right, { cyclesFix: false })) {
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
