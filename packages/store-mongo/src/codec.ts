import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** JSON, gzipped: how configs, manifest chunks and report bodies are stored (as BSON binary). */
export async function packJson(value: unknown): Promise<Buffer> {
  return gzipAsync(JSON.stringify(value));
}

/** Reverses {@link packJson}; takes a Buffer or the driver's BSON `Binary`. */
export async function unpackJson<T>(stored: unknown): Promise<T> {
  return JSON.parse((await gunzipAsync(bytesOf(stored))).toString("utf8")) as T;
}

/** The bytes of a stored binary field: the driver returns BSON `Binary`, whose `buffer` holds them. */
export function bytesOf(stored: unknown): Uint8Array {
  if (stored instanceof Uint8Array) return stored;
  const inner = (stored as { buffer?: unknown } | null)?.buffer;
  if (inner instanceof Uint8Array) return inner;
  throw new TypeError("not a binary field");
}
