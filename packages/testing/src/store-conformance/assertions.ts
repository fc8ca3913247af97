import { deepStrictEqual, fail, ok } from "node:assert/strict";
import { isDriftError } from "@azure-drift/core";

// The suite asserts with node:assert so it depends on no test runner: a mismatch throws, the runner reports it.

/** Compares as JSON (what a store persists): `undefined` members and prototypes do not count. */
export function sameJson(actual: unknown, expected: unknown, message: string): void {
  deepStrictEqual(asJson(actual), asJson(expected), message);
}

function asJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export function equal<T>(actual: T, expected: T, message: string): void {
  deepStrictEqual(actual, expected, message);
}

export function truthy(value: unknown, message: string): void {
  ok(value, message);
}

/** Awaits `work` and checks it rejects with a DriftError whose code is one of `codes`. */
export async function rejectsWith(
  work: () => Promise<unknown>,
  codes: readonly string[],
  what: string,
): Promise<void> {
  let outcome: unknown;
  try {
    await work();
  } catch (error) {
    outcome = error;
    if (isDriftError(error) && codes.includes(error.code)) return;
    fail(`${what}: expected a DriftError with code ${codes.join(" or ")}, got ${describe(error)}`);
  }
  fail(
    `${what}: expected a rejection with ${codes.join(" or ")}, but it resolved${outcome === undefined ? "" : ""}`,
  );
}

function describe(error: unknown): string {
  if (isDriftError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
