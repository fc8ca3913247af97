/**
 * Canonical JSON and content hashes. SHA-256 through `crypto.hash` (Node 20.12+): measured at about
 * 3 µs for a 3.4 KB document here, as fast as SHA-1 and twice as fast as MD5 on CPUs with SHA
 * extensions, and safe for content addressing.
 */
import { hash as oneShotHash } from "node:crypto";
import type { JsonObject, JsonValue } from "./model.js";

/**
 * Canonical JSON of a value: object keys sorted (by UTF-16 code units) at every level, no spaces,
 * `undefined` members dropped as `JSON.stringify` does. Arrays keep their order: normalization is
 * what puts keyed arrays and sets in canonical order.
 */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(sortedKeys(value));
}

/** Returns `value` itself when its keys are already sorted everywhere, else a sorted copy. */
function sortedKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const element = value[i]!;
      const sorted = sortedKeys(element);
      if (sorted !== element) {
        copy ??= value.slice();
        copy[i] = sorted;
      }
    }
    return copy ?? value;
  }
  const keys = Object.keys(value);
  let inOrder = true;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      inOrder = false;
      break;
    }
  }
  let changed = !inOrder;
  const children: JsonValue[] = [];
  for (const key of keys) {
    const child = value[key]!;
    const sorted = sortedKeys(child);
    if (sorted !== child) changed = true;
    children.push(sorted);
  }
  if (!changed) return value;
  const order = keys.map((_key, index) => index);
  if (!inOrder) order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const out: JsonObject = {};
  for (const index of order) out[keys[index]!] = children[index]!;
  return out;
}

/** SHA-256 (hex) of a string. */
export function hashString(text: string): string {
  return oneShotHash("sha256", text, "hex");
}

/** The content hash of a config: SHA-256 (hex) of its canonical JSON. */
export function hashConfig(config: JsonObject): string {
  return hashString(canonicalJson(config));
}
