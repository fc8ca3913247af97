import { readFile } from "node:fs/promises";
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
    bytes = await readFile(file);
  } catch (error) {
    if (isMissing(error)) {
      throw new DriftError(
        "E_STORE_CORRUPT",
        `${snapshotFile} references the resource document ${file}, which is missing. Run verify() to see all damage; restore the file from a backup or delete that snapshot's folder.`,
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
      `The resource document ${file} is damaged (cannot be decompressed or parsed). Run verify() to see all damage; restore the file from a backup or delete the snapshots that reference it.`,
      { cause: error, details: { file } },
    );
  }
}
