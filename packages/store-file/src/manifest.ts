import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { DriftError, isDriftError, type SnapshotMeta, throwIfAborted } from "@azure-drift/core";
import { COMPRESSIONS, type Compression, decompressStream } from "./codec.js";
import { corruptSnapshotFile as corrupt, isMissing, storeIoError } from "./io.js";
import { MANIFEST_FILE, MANIFEST_FORMAT, READABLE_FORMAT_VERSIONS } from "./layout.js";
import { type RecordIndexInfo, type RecordLine, readRecordChunks } from "./record-index.js";

export type { RecordLine };

/** The `manifest.json` of a snapshot folder: the snapshot's metadata and how its record index is stored. */
export type ManifestFile = ManifestV1 | ManifestV2;

/**
 * Formats 2 to 4: documents in the tenant's pack files and a record index (`records.idx`), of JSON
 * columns in format 2, of slots and rows since format 3 (the file's header says which); format 4
 * changed only how new pack files compress their blocks (the pack's header says which).
 */
export interface ManifestV2 {
  format: typeof MANIFEST_FORMAT;
  storeFormatVersion: 2 | 3 | 4 | 5;
  meta: SnapshotMeta;
  records: RecordIndexInfo;
}

/** Format 1: an NDJSON record index; one file per document under `docs/`. */
export interface ManifestV1 {
  format: typeof MANIFEST_FORMAT;
  storeFormatVersion: 1;
  meta: SnapshotMeta;
  records: {
    /** File name of the NDJSON record index, beside the manifest. */
    file: string;
    compression: Compression;
    /** How many lines (records) it holds. */
    count: number;
    /** Its size on disk, so truncation is caught before decompressing. */
    bytes: number;
  };
  /** How resource documents referenced by this snapshot are compressed. */
  docCompression: Compression;
}

/** Reads and checks a snapshot's manifest; `undefined` when the snapshot folder has none. */
export async function readManifest(snapshotFolder: string): Promise<ManifestFile | undefined> {
  const file = join(snapshotFolder, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw storeIoError(error, file, "read");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, "not valid JSON; truncated?", error);
  }
  return checkManifest(parsed, file);
}

export function checkManifest(parsed: unknown, file: string): ManifestFile {
  const manifest = parsed as Partial<ManifestFile> | null;
  if (typeof manifest !== "object" || manifest === null || manifest.format !== MANIFEST_FORMAT) {
    throw corrupt(file, "not an azure-drift snapshot manifest");
  }
  if (!READABLE_FORMAT_VERSIONS.includes(manifest.storeFormatVersion as number)) {
    throw new DriftError(
      "E_SNAPSHOT_VERSION",
      `${file} has store format version ${String(manifest.storeFormatVersion)}; this release of @azure-drift/store-file reads versions ${READABLE_FORMAT_VERSIONS.join(", ")}. Upgrade @azure-drift/store-file (or the CLI) to read it.`,
      { details: { file, version: manifest.storeFormatVersion } },
    );
  }
  const meta = manifest.meta;
  const records = manifest.records;
  if (
    typeof meta?.id !== "string" ||
    typeof meta.tenantId !== "string" ||
    typeof meta.startedAt !== "string" ||
    typeof records?.file !== "string" ||
    typeof records.count !== "number" ||
    typeof records.bytes !== "number" ||
    !COMPRESSIONS.includes(records.compression as Compression) ||
    (manifest.storeFormatVersion === 1 && !COMPRESSIONS.includes(manifest.docCompression as Compression))
  ) {
    throw corrupt(file, "required fields missing");
  }
  return manifest as ManifestFile;
}

/**
 * Streams the record index of a snapshot line by line, without holding it whole. Checks its size
 * and line count against the manifest, so a truncated index is an `E_STORE_CORRUPT`, never a short read.
 */
export async function* readRecordLines(
  snapshotFolder: string,
  manifest: ManifestV1,
  signal?: AbortSignal,
): AsyncGenerator<RecordLine> {
  const file = join(snapshotFolder, manifest.records.file);
  if (manifest.records.file.includes("/") || manifest.records.file.includes("\\")) {
    throw corrupt(join(snapshotFolder, MANIFEST_FILE), "bad record index name");
  }
  const decoder = new StringDecoder("utf8");
  const source = createReadStream(file);
  const decompressor = decompressStream(manifest.records.compression);
  let bytes = 0;
  source.on("data", (chunk) => {
    bytes += chunk.length;
  });
  const flowing = pipeline(source, decompressor).catch((error: unknown) => {
    decompressor.destroy();
    return error;
  });
  let pending = "";
  let count = 0;
  const parse = (line: string): RecordLine => {
    try {
      const record = JSON.parse(line) as RecordLine;
      if (typeof record.key !== "string" || typeof record.hash !== "string") throw new Error("no key/hash");
      return record;
    } catch (error) {
      throw corrupt(file, `line ${count + 1} is not a record`, error);
    }
  };
  try {
    for await (const chunk of decompressor) {
      throwIfAborted(signal);
      pending += decoder.write(chunk as Buffer);
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.length > 0) {
          yield parse(line);
          count++;
        }
        newline = pending.indexOf("\n");
      }
    }
  } catch (error) {
    if (isDriftError(error)) throw error;
    if (isMissing(error)) throw corrupt(file, "the record index is missing", error);
    throw corrupt(file, "the record index cannot be decompressed; truncated?", error);
  } finally {
    source.destroy();
  }
  const failure = await flowing;
  if (failure) {
    if (isMissing(failure)) throw corrupt(file, "the record index is missing", failure);
    throw corrupt(file, "the record index cannot be decompressed; truncated?", failure);
  }
  pending += decoder.end();
  if (pending.trim().length > 0) throw corrupt(file, "the last line is cut short");
  if (count !== manifest.records.count || bytes !== manifest.records.bytes) {
    throw corrupt(
      file,
      `holds ${count} records in ${bytes} bytes; the manifest says ${manifest.records.count} in ${manifest.records.bytes}`,
    );
  }
}

export { corrupt as corruptError };

/** The file of a snapshot's record index. */
export const recordIndexFile = (snapshotFolder: string, manifest: ManifestFile) =>
  join(snapshotFolder, manifest.records.file);

/**
 * A snapshot's index entries in write order, a batch at a time, whatever its format: batches keep
 * the per-entry cost of async iteration off the hot paths (a diff reads 100k entries per side).
 */
export async function* readIndexBatches(
  snapshotFolder: string,
  manifest: ManifestFile,
  signal?: AbortSignal,
): AsyncGenerator<RecordLine[]> {
  if (manifest.storeFormatVersion !== 1) {
    yield* readRecordChunks(snapshotFolder, manifest.records, signal);
    return;
  }
  let batch: RecordLine[] = [];
  for await (const line of readRecordLines(snapshotFolder, manifest, signal)) {
    batch.push(line);
    if (batch.length >= 1024) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
