/**
 * The record index of a snapshot (store format 2): every record without its `config`, in write
 * order, as column chunks of up to 4096 records.
 *
 * ```
 * header  "AZDRIDX1", 8 zero bytes                                                     16 bytes
 * frames  compressed length (u32 BE), CRC-32 of the compressed bytes (u32 BE), then one chunk:
 *         compressed JSON { n, strings, idp, id, key, name, type, sub, rg, loc, dom, col, tags, hash, raw? }
 * ```
 *
 * Columns make reading cheap: one `JSON.parse` per chunk instead of one per record. Values that
 * repeat (type, subscription, resource group, location, domain, collector) are numbers into the
 * chunk's `strings`; an id is stored as the length of the prefix it shares with the previous id
 * (`idp`) and the rest (`id`): ARM ids of one scope share 100 characters and more, and the index
 * is decompressed and parsed whole by every diff; `key` and `name` are `null` when they are what
 * the id implies (the lower-cased id, its last segment). A record with fields beyond these is kept
 * whole in `raw`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ResourceRecord, throwIfAborted } from "@azure-drift/core";
import { AppendFile } from "./append-file.js";
import { crc32 } from "./checksum.js";
import { type Compression, compressBlock, decompressBlock } from "./codec.js";
import { corruptSnapshotFile as corrupt, isMissing, storeIoError } from "./io.js";
import { MANIFEST_FILE } from "./layout.js";

export const RECORD_INDEX_FILE = "records.idx";
const MAGIC = "AZDRIDX1";
const HEADER_BYTES = 16;
const FRAME_HEADER = 8;
const CHUNK_RECORDS = 4096;

/** One index entry: a ResourceRecord without its `config`. */
export type RecordLine = Record<string, unknown> & { key: string; hash: string };

interface Chunk {
  n: number;
  strings: string[];
  /** Characters each id shares with the previous id of the chunk (absent: none). */
  idp?: number[];
  id: string[];
  key: (string | null)[];
  name: (string | null)[];
  type: number[];
  sub: number[];
  rg: number[];
  loc: number[];
  dom: number[];
  col: number[];
  tags: (Record<string, unknown> | null)[];
  hash: string[];
  raw?: (Record<string, unknown> | null)[];
}

const KNOWN = new Set([
  "id",
  "key",
  "type",
  "name",
  "subscriptionId",
  "resourceGroup",
  "location",
  "tags",
  "domain",
  "collector",
  "config",
  "hash",
]);

function emptyChunk(): Chunk {
  return {
    n: 0,
    strings: [],
    idp: [],
    id: [],
    key: [],
    name: [],
    type: [],
    sub: [],
    rg: [],
    loc: [],
    dom: [],
    col: [],
    tags: [],
    hash: [],
  };
}

/** Whether a record fits the columns (the usual case); others are stored whole. */
function fitsColumns(record: ResourceRecord): boolean {
  const fields = record as unknown as Record<string, unknown>;
  for (const name in fields) if (!KNOWN.has(name) && fields[name] !== undefined) return false;
  const { tags } = record;
  return (
    typeof record.id === "string" &&
    typeof record.type === "string" &&
    typeof record.name === "string" &&
    typeof record.subscriptionId === "string" &&
    typeof record.domain === "string" &&
    typeof record.collector === "string" &&
    (record.resourceGroup === undefined || typeof record.resourceGroup === "string") &&
    (record.location === undefined || typeof record.location === "string") &&
    (tags === undefined || (typeof tags === "object" && tags !== null && !Array.isArray(tags)))
  );
}

const lastSegment = (id: string) => id.slice(id.lastIndexOf("/") + 1);

/** Builds the index: records are added in order; full chunks are compressed off the main thread. */
export class RecordIndexWriter {
  private chunk = emptyChunk();
  private dictionary = new Map<string, number>();
  private previousId = "";
  private count = 0;
  private chunks = 0;

  private constructor(
    private readonly out: AppendFile,
    private readonly compression: Compression,
  ) {}

  static async create(folder: string, compression: Compression): Promise<RecordIndexWriter> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(MAGIC, 0, "latin1");
    return new RecordIndexWriter(
      await AppendFile.create(join(folder, RECORD_INDEX_FILE), header),
      compression,
    );
  }

  get records(): number {
    return this.count;
  }

  private intern(value: string): number {
    let index = this.dictionary.get(value);
    if (index === undefined) {
      index = this.chunk.strings.length;
      this.chunk.strings.push(value);
      this.dictionary.set(value, index);
    }
    return index;
  }

  /** Adds one record (its config is not stored here). */
  add(record: ResourceRecord): void {
    this.out.check();
    const chunk = this.chunk;
    if (fitsColumns(record)) {
      const { id } = record;
      const previous = this.previousId;
      const limit = Math.min(id.length, previous.length);
      let shared = 0;
      while (shared < limit && id.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
      // Never split a surrogate pair: each side must stay a valid string in JSON.
      if (shared > 0 && shared < id.length && (id.charCodeAt(shared) & 0xfc00) === 0xdc00) shared--;
      chunk.idp!.push(shared);
      chunk.id.push(id.slice(shared));
      this.previousId = id;
      chunk.key.push(record.key === id.toLowerCase() ? null : record.key);
      chunk.name.push(record.name === lastSegment(id) ? null : record.name);
      chunk.type.push(this.intern(record.type));
      chunk.sub.push(this.intern(record.subscriptionId));
      chunk.rg.push(record.resourceGroup === undefined ? -1 : this.intern(record.resourceGroup));
      chunk.loc.push(record.location === undefined ? -1 : this.intern(record.location));
      chunk.dom.push(this.intern(record.domain));
      chunk.col.push(this.intern(record.collector));
      chunk.tags.push(record.tags ?? null);
      chunk.hash.push(record.hash);
      chunk.raw?.push(null);
    } else {
      const { config: _config, ...rest } = record;
      chunk.raw ??= new Array(chunk.n).fill(null);
      chunk.raw.push(rest);
      chunk.idp!.push(0);
      chunk.id.push("");
      chunk.key.push(null);
      chunk.name.push(null);
      for (const column of [chunk.type, chunk.sub, chunk.rg, chunk.loc, chunk.dom, chunk.col])
        column.push(-1);
      chunk.tags.push(null);
      chunk.hash.push(record.hash);
    }
    chunk.n++;
    this.count++;
    if (chunk.n >= CHUNK_RECORDS) this.flushChunk();
  }

  waitForRoom(): Promise<void> {
    return this.out.waitForRoom();
  }

  private flushChunk(): void {
    if (this.chunk.n === 0) return;
    const json = Buffer.from(JSON.stringify(this.chunk), "utf8");
    this.chunk = emptyChunk();
    this.dictionary = new Map();
    this.previousId = "";
    this.chunks++;
    const data = compressBlock(json, this.compression);
    const frame = Buffer.allocUnsafe(FRAME_HEADER + data.length);
    frame.writeUInt32BE(data.length, 0);
    frame.writeUInt32BE(crc32(data), 4);
    data.copy(frame, FRAME_HEADER);
    this.out.append(Promise.resolve(frame));
  }

  /** Writes the last chunk, fsyncs and closes; returns what the manifest records about the index. */
  async finish(): Promise<{ count: number; bytes: number; chunks: number }> {
    this.flushChunk();
    const bytes = await this.out.finish();
    return { count: this.count, bytes, chunks: this.chunks };
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** What a snapshot manifest says about its format-2 record index. */
export interface RecordIndexInfo {
  file: string;
  compression: Compression;
  count: number;
  bytes: number;
  chunks: number;
}

/**
 * Reads a format-2 record index chunk by chunk (each an array of entries in write order). Checks
 * its size, frames and record count against the manifest, so damage is `E_STORE_CORRUPT`, never a
 * short read.
 */
export async function* readRecordChunks(
  snapshotFolder: string,
  info: RecordIndexInfo,
  signal?: AbortSignal,
): AsyncGenerator<RecordLine[]> {
  if (info.file.includes("/") || info.file.includes("\\")) {
    throw corrupt(join(snapshotFolder, MANIFEST_FILE), "bad record index name");
  }
  const file = join(snapshotFolder, info.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if (isMissing(error)) throw corrupt(file, "the record index is missing", error);
    throw storeIoError(error, file, "read");
  }
  if (bytes.length !== info.bytes) {
    throw corrupt(file, `it has ${bytes.length} bytes; the manifest says ${info.bytes}`);
  }
  if (bytes.toString("latin1", 0, MAGIC.length) !== MAGIC) throw corrupt(file, "not a record index");
  let position = HEADER_BYTES;
  let count = 0;
  // The next frame decompresses in the thread pool while this one is turned into entries.
  let next = position < bytes.length ? frameAt(bytes, position, file, info.compression) : undefined;
  while (next) {
    throwIfAborted(signal);
    const { chunk, end } = await next;
    position = end;
    next = position < bytes.length ? frameAt(bytes, position, file, info.compression) : undefined;
    next?.catch(() => {});
    const entries = decodeChunk(chunk, file);
    count += entries.length;
    yield entries;
  }
  if (count !== info.count) {
    throw corrupt(file, `holds ${count} records; the manifest says ${info.count}`);
  }
}

async function frameAt(
  bytes: Buffer,
  position: number,
  file: string,
  compression: Compression,
): Promise<{ chunk: Chunk; end: number }> {
  if (position + FRAME_HEADER > bytes.length) throw corrupt(file, "a frame is cut short");
  const length = bytes.readUInt32BE(position);
  const end = position + FRAME_HEADER + length;
  if (end > bytes.length) throw corrupt(file, "a frame is cut short");
  const stored = bytes.subarray(position + FRAME_HEADER, end);
  if (crc32(stored) !== bytes.readUInt32BE(position + 4)) throw corrupt(file, "a frame fails its checksum");
  try {
    const chunk = JSON.parse(decompressBlock(stored, compression).toString("utf8")) as Chunk;
    return { chunk, end };
  } catch (error) {
    throw corrupt(file, "a frame cannot be decompressed or parsed", error);
  }
}

function decodeChunk(chunk: Chunk, file: string): RecordLine[] {
  const { n, strings, idp, id, key, name, type, sub, rg, loc, dom, col, tags, hash, raw } = chunk;
  if (
    typeof n !== "number" ||
    !Array.isArray(strings) ||
    (idp !== undefined && (!Array.isArray(idp) || idp.length !== n)) ||
    [id, key, name, type, sub, rg, loc, dom, col, tags, hash].some(
      (column) => !Array.isArray(column) || column.length !== n,
    )
  ) {
    throw corrupt(file, "a chunk has missing or uneven columns");
  }
  const entries: RecordLine[] = new Array(n);
  let previousId = "";
  for (let index = 0; index < n; index++) {
    const whole = raw?.[index];
    if (whole) {
      entries[index] = { ...whole, hash: hash[index]! } as RecordLine;
      continue;
    }
    const shared = idp?.[index] ?? 0;
    const recordId = shared === 0 ? id[index]! : previousId.slice(0, shared) + id[index]!;
    previousId = recordId;
    const entry: RecordLine = {
      id: recordId,
      key: key[index] ?? recordId.toLowerCase(),
      type: strings[type[index]!],
      name: name[index] ?? lastSegment(recordId),
      subscriptionId: strings[sub[index]!],
      domain: strings[dom[index]!],
      collector: strings[col[index]!],
      hash: hash[index]!,
    };
    if (rg[index]! >= 0) entry.resourceGroup = strings[rg[index]!];
    if (loc[index]! >= 0) entry.location = strings[loc[index]!];
    const recordTags = tags[index];
    if (recordTags) entry.tags = recordTags;
    entries[index] = entry;
  }
  return entries;
}
