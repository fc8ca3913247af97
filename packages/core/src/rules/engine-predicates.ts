import { DriftError } from "../errors.js";
import type { ChangeKind, JsonValue } from "../model.js";
import { readDotted } from "./engine-paths.js";
import type { ChangePredicate, RuleContext, ValueMatcher } from "./types.js";

/** A compiled test of one JSON value (undefined = absent). */
export type ValueTest = (value: JsonValue | undefined) => boolean;

const MATCHER_KEYS = new Set(["equals", "notEquals", "in", "notIn", "exists", "some", "matches"]);
const CHANGE_KINDS: readonly ChangeKind[] = ["added", "removed", "changed"];

/** Whether `value` is a {@link ValueMatcher} rather than a plain JSON value to compare with. */
export function isValueMatcher(value: unknown): value is ValueMatcher {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => MATCHER_KEYS.has(key));
}

/** Deep equality in which strings compare case-insensitively (ARM values are case-insensitive). */
export function looseEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => looseEquals(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => key in b && looseEquals(a[key], b[key]));
}

/** Present, and not null, an empty string, an empty array or an empty object. */
export function isPresent(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** Compiles a matcher, or a plain JSON value meaning `equals`. `where` names it in errors. */
export function compileValueMatcher(matcher: ValueMatcher | JsonValue, where: string): ValueTest {
  if (!isValueMatcher(matcher)) {
    const expected = matcher;
    return (value) => looseEquals(value, expected);
  }
  const tests: ValueTest[] = [];
  if (matcher.equals !== undefined) {
    const expected = matcher.equals;
    tests.push((value) => looseEquals(value, expected));
  }
  if (matcher.notEquals !== undefined) {
    const unexpected = matcher.notEquals;
    tests.push((value) => !looseEquals(value, unexpected));
  }
  if (matcher.in !== undefined) {
    const allowed = requireArray(matcher.in, `${where}.in`);
    tests.push((value) => allowed.some((candidate) => looseEquals(value, candidate)));
  }
  if (matcher.notIn !== undefined) {
    const denied = requireArray(matcher.notIn, `${where}.notIn`);
    tests.push((value) => !denied.some((candidate) => looseEquals(value, candidate)));
  }
  if (matcher.exists !== undefined) {
    const wanted = matcher.exists;
    tests.push((value) => isPresent(value) === wanted);
  }
  if (matcher.some !== undefined) {
    const element = compileValueMatcher(matcher.some, `${where}.some`);
    // A scalar counts as a one-element list, so `sourceAddressPrefix` and `sourceAddressPrefixes` read alike.
    tests.push((value) =>
      Array.isArray(value) ? value.some(element) : value !== undefined && element(value),
    );
  }
  if (matcher.matches !== undefined) {
    const entries = Object.entries(matcher.matches).map(
      ([dotted, sub]) => [dotted, compileValueMatcher(sub, `${where}.matches.${dotted}`)] as const,
    );
    tests.push((value) => entries.every(([dotted, test]) => test(readDotted(value, dotted))));
  }
  return (value) => tests.every((test) => test(value));
}

function requireArray(value: unknown, where: string): JsonValue[] {
  if (!Array.isArray(value)) throw new DriftError("E_INPUT", `${where}: expected an array.`);
  return value as JsonValue[];
}

/** A compiled rule condition. */
export type ContextTest = (context: RuleContext) => boolean;

/**
 * Compiles a {@link ChangePredicate}. `element` tests the enclosing array element after the change,
 * or before it when the element itself is gone (a removal).
 */
export function compileChangePredicate(predicate: ChangePredicate, where: string): ContextTest {
  const tests: ContextTest[] = [];
  if (predicate.kind !== undefined) {
    const kinds = Array.isArray(predicate.kind) ? predicate.kind : [predicate.kind];
    for (const kind of kinds) {
      if (!CHANGE_KINDS.includes(kind)) {
        throw new DriftError(
          "E_INPUT",
          `${where}.kind: expected added, removed or changed, got ${JSON.stringify(kind)}.`,
        );
      }
    }
    tests.push((context) => kinds.includes(context.kind));
  }
  if (predicate.before !== undefined) {
    const test = compileValueMatcher(predicate.before, `${where}.before`);
    tests.push((context) => test(context.before));
  }
  if (predicate.after !== undefined) {
    const test = compileValueMatcher(predicate.after, `${where}.after`);
    tests.push((context) => test(context.after));
  }
  if (predicate.element !== undefined) {
    const test = compileValueMatcher(predicate.element, `${where}.element`);
    tests.push((context) => test(context.elementAfter ?? context.elementBefore));
  }
  if (predicate.lowered !== undefined) {
    const scale = requireArray(predicate.lowered, `${where}.lowered`).map((step) =>
      String(step).toLowerCase(),
    );
    const rank = (value: JsonValue | undefined) =>
      typeof value === "string" ? scale.indexOf(value.toLowerCase()) : -1;
    tests.push((context) => {
      const before = rank(context.before);
      const after = rank(context.after);
      return before >= 0 && after >= 0 && after < before;
    });
  }
  return (context) => tests.every((test) => test(context));
}
