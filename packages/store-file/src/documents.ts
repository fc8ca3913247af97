import { open, readFile } from "node:fs/promises";
import { DriftError, type JsonObject } from "@azure-drift/core";
import { type Compression, decompress } from "./codec.js";
import { isMissing, storeIoError } from "./io.js";
import type { TenantLayout } from "./layout.js";

/** Reads one content-addressed resource document (a record's `config`). */
export async function readDocument(
  layout: TenantLayout,
  hash: string,
  compression: Compression,
  snapshotFile: string,
): Promise<JsonObject> {
  const file = layout.doc(hash, compression);
  let bytes: Buffer;
  try {
    bytes = await readSmallFile(file);
  } catch (error) {
    if (isMissing(error)) {
      throw new DriftError(
        "E_STORE_CORRUPT",
        `${snapshotFile} references the resource document ${file}, which is missing. Run azure-drift store verify (FileStore.verify()) to see all damage; restore the file from a backup, or set the snapshot aside with azure-drift store quarantine SNAPSHOT_ID.`,
        { cause: error, details: { file, snapshot: snapshotFile } },
      );
    }
    throw storeIoError(error, file, "read");
  }
  try {
    const config = JSON.parse((await decompress(bytes, compression)).toString("utf8")) as unknown;
    if (typeof config !== "object" || config === null || Array.isArray(config))
      throw new Error("not an object");
    return config as JsonObject;
  } catch (error) {
    throw new DriftError(
      "E_STORE_CORRUPT",
      `The resource document ${file} is damaged (cannot be decompressed or parsed). Run azure-drift store verify (FileStore.verify()) to see all damage; restore the file from a backup, or set the snapshots that reference it aside with azure-drift store quarantine SNAPSHOT_ID.`,
      { cause: error, details: { file } },
    );
  }
}

// Documents are a few KB: one read into a buffer saves readFile's fstat (a thread-pool round trip
// per document); a larger file falls back to readFile.
const FIRST_READ = 16 * 1024;

async function readSmallFile(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(FIRST_READ);
    const { bytesRead } = await handle.read(buffer, 0, FIRST_READ, 0);
    if (bytesRead < FIRST_READ) return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  return readFile(file);
}
