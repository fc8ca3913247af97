/**
 * Caller values are checked to be strings of the expected shape before they reach a query filter,
 * so an object such as `{ "$ne": null }` or `{ "$gt": "" }` can never widen a query.
 */
import { DriftError } from "@azure-drift/core";

/** The longest tenant id, snapshot id, report id or baseline name the store accepts. */
export const MAX_NAME_LENGTH = 512;

/** A non-empty string of at most {@link MAX_NAME_LENGTH} characters without NUL; else `E_INPUT`. */
export function nameOf(value: unknown, what: string): string {
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > MAX_NAME_LENGTH ||
    value.includes("\0")
  ) {
    throw new DriftError(
      "E_INPUT",
      `The ${what} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters without NUL; got ${describe(value)}.`,
    );
  }
  return value;
}

/** An ISO time as a Date; else `E_INPUT` naming the field. */
export function timeOf(value: unknown, what: string): Date {
  const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time))
    throw new DriftError("E_INPUT", `${what} must be an ISO time; got ${describe(value)}.`);
  return new Date(time);
}

/** Whether a value can be a record hash (what `readConfigs` looks up; anything else is skipped). */
export function isHashShaped(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 256 && !value.includes("\0");
}

/** A value for a message: strings quoted, objects by their type only (never their content). */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}
