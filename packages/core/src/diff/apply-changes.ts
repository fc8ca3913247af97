/**
 * Applies a report's field changes to a config, understanding the change-path syntax: property
 * names, `[k=v]` keyed-array selectors, `[n]` indexes, and set changes reported at the array's path.
 * Partial baseline acceptance applies the accepted changes with it; the property tests use it to
 * prove that the reported changes are exactly the difference.
 */

import { isDeepStrictEqual } from "node:util";
import type { FieldChange, JsonObject, JsonValue } from "../model.js";
import { type ChangePathStep, parseChangePath } from "./paths.js";

type Container = JsonObject | JsonValue[];

const DELETED = Symbol("deleted");

function matchesKey(element: JsonValue, step: Extract<ChangePathStep, { kind: "key" }>): boolean {
  if (element === null || typeof element !== "object" || Array.isArray(element)) return false;
  return step.fields.every(([field, value]) => {
    const actual = element[field];
    return actual !== undefined && actual !== null && typeof actual !== "object" && String(actual) === value;
  });
}

function child(container: Container, step: ChangePathStep): JsonValue | undefined {
  if (step.kind === "property") return (container as JsonObject)[step.name];
  if (step.kind === "index") return (container as JsonValue[])[step.index];
  return (container as JsonValue[]).find((element) => matchesKey(element, step));
}

/** `config` with `changes` applied (a copy); throws when a path does not exist in it. */
export function applyChanges(config: JsonObject, changes: readonly FieldChange[]): JsonObject {
  const result = structuredClone(config);
  const holed = new Set<JsonValue[]>();
  for (const change of changes) {
    const steps = parseChangePath(change.path);
    if (steps.length === 0) throw new Error(`empty path in ${JSON.stringify(change)}`);
    let container: Container = result;
    for (const step of steps.slice(0, -1)) {
      const next = child(container, step);
      if (next === undefined || next === null || typeof next !== "object") {
        throw new Error(`path ${change.path} does not exist in the config`);
      }
      container = next;
    }
    const last = steps[steps.length - 1]!;
    const current = child(container, last);
    if (last.kind === "property") {
      const object = container as JsonObject;
      if (change.kind === "changed") object[last.name] = change.after!;
      else if (change.kind === "added") {
        if (Array.isArray(current)) current.push(change.after!);
        else object[last.name] = change.after!;
      } else if (Array.isArray(current) && !isDeepStrictEqual(current, change.before)) {
        const at = current.findIndex((element) => isDeepStrictEqual(element, change.before));
        if (at === -1) throw new Error(`set element to remove not found at ${change.path}`);
        current.splice(at, 1);
      } else {
        delete object[last.name];
      }
    } else if (last.kind === "index") {
      const array = container as JsonValue[];
      if (change.kind === "removed") {
        (array as unknown[])[last.index] = DELETED;
        holed.add(array);
      } else array[last.index] = change.after!;
    } else {
      const array = container as JsonValue[];
      const at = array.findIndex((element) => matchesKey(element, last));
      if (change.kind === "added") array.push(change.after!);
      else if (change.kind === "removed") array.splice(at, 1);
      else array[at] = change.after!;
    }
  }
  for (const array of holed) {
    for (let i = array.length - 1; i >= 0; i--) if ((array as unknown[])[i] === DELETED) array.splice(i, 1);
  }
  return result;
}
