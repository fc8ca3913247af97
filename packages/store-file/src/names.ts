import { createHash } from "node:crypto";
import { DriftError } from "@azure-drift/core";

// Names longer than this are replaced by their SHA-256 so every path stays well under NAME_MAX.
const MAX_ENCODED = 150;

const isPlain = (byte: number) =>
  (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d;

/**
 * Turns any caller-supplied string (tenant id, snapshot id, report id, baseline name, hash) into one
 * path segment: `[a-z0-9-]` kept, every other UTF-8 byte escaped as `_xx`. The result can never be
 * `.`, `..`, contain a separator or differ only by case, so crafted ids (`../tenantA`, `..%2f`,
 * absolute paths) cannot leave their folder, and the mapping is injective even on case-insensitive
 * file systems.
 */
export function encodeName(value: string, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new DriftError("E_INPUT", `The ${what} must be a non-empty string; got ${JSON.stringify(value)}.`);
  }
  let encoded = "";
  for (const byte of Buffer.from(value, "utf8")) {
    encoded += isPlain(byte) ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, "0")}`;
  }
  if (encoded.length > MAX_ENCODED) encoded = `~${createHash("sha256").update(value).digest("hex")}`;
  return encoded;
}

/** Reverses {@link encodeName} where it can (hashed long names cannot be reversed). */
export function decodeName(encoded: string): string {
  if (encoded.startsWith("~")) return encoded;
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length; index++) {
    const char = encoded[index];
    if (char === "_") {
      bytes.push(Number.parseInt(encoded.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      bytes.push(encoded.charCodeAt(index));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Two hex characters spreading documents over 256 shard folders, whatever the hash looks like. */
export function shardOf(encodedHash: string): string {
  // FNV-1a: cheap and well spread; the shard only has to balance folder sizes.
  let hash = 0x811c9dc5;
  for (let index = 0; index < encodedHash.length; index++) {
    hash ^= encodedHash.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 0) & 0xff).toString(16).padStart(2, "0");
}

/** A sortable snapshot id from the start time: `20240102t030405678z-1a2b3c4d`. */
export function newSnapshotId(startedAt: string): string {
  const parsed = Date.parse(startedAt);
  const time = new Date(Number.isNaN(parsed) ? Date.now() : parsed).toISOString();
  const compact = time.replace(/[-:.]/g, "").toLowerCase();
  const random = Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
  return `${compact}-${random}`;
}
