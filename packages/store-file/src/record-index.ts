/**
 * The record index of a snapshot: every record without its `config`, in write order, in frames of
 * up to 4096 records. Store format 3 writes `"AZDRIDX2"`:
 *
 * ```
 * header  "AZDRIDX2", 8 zero bytes                                                       16 bytes
 * frames  length L (u32 BE), CRC-32 of the L bytes (u32 BE), then the L bytes:
 *           n (u32 BE)
 *           n slots of 48 bytes: the first 16 bytes of SHA-256 of the record's key, then its hash
 *             (32 bytes: the 64 hex digits decoded; zeros when the hash is not 64 lower-case hex
 *             digits, and the row carries it)
 *           compressed rows: the JSON array [strings, row, …], one row per line
 * ```
 *
 * A row is `[parent, segment, key, name, type, subscription, resource group, location, domain,
 * collector, tags]`: the id is its parent path (up to its last `/`) and its last segment, the
 * parent as -1 when it is `/subscriptions/<subscription>/resourceGroups/<resource group>/providers/<type>/`
 * of the row's own fields (most ARM ids), else a number into the frame's `strings`; `key` and
 * `name` are `null` when they are what the id implies (the lower-cased id, its last segment); the
 * other repeating values (tags as their JSON text) are numbers into `strings` (-1: absent); then
 * the hash when the slot has none. A record with other fields is a row of its own: the record
 * without its config. Rows stay small (about 60 bytes of JSON for an ARM resource), so parsing
 * them, or decompressing them to parse a few, costs little.
 *
 * The slots are what makes a stored diff cheap: two snapshots' slots are compared as bytes (key
 * digest, then hash) without turning any entry into an object; only the rows of what differs are
 * parsed, each by itself. Reading a whole index parses one `JSON.parse` per frame.
 * Store format 2's `"AZDRIDX1"` (JSON columns, see record-index-columns.ts) is still read.
 */
import { hash as oneShotHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ResourceRecord, throwIfAborted } from "@azure-drift/core";
import { AppendFile } from "./append-file.js";
import { crc32 } from "./checksum.js";
import { type Compression, compressBlock, decompressBlock } from "./codec.js";
import { corruptSnapshotFile as corrupt, isMissing, storeIoError } from "./io.js";
import { MANIFEST_FILE } from "./layout.js";
import { type ColumnChunk, decodeColumnChunk, type RecordLine } from "./record-index-columns.js";

export type { RecordLine };

export const RECORD_INDEX_FILE = "records.idx";
const COLUMNS_MAGIC = "AZDRIDX1";
const ROWS_MAGIC = "AZDRIDX2";
const HEADER_BYTES = 16;
const FRAME_HEADER = 8;
const CHUNK_RECORDS = 4096;
/** Bytes of one record's slot: key digest, then hash. */
export const SLOT_BYTES = 48;
const DIGEST_BYTES = 16;
const HEX_HASH = /^[0-9a-f]{64}$/;

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

/** Whether a record fits a row (the usual case); others are stored whole. */
function fitsRow(record: ResourceRecord): boolean {
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

/** The parent path of an ARM id of a resource in a resource group; `undefined` without one. */
function armParent(
  subscription: string,
  resourceGroup: string | undefined,
  type: string,
): string | undefined {
  return resourceGroup === undefined
    ? undefined
    : `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/${type}/`;
}

/** Builds the index: records are added in order; a full frame is compressed and queued for writing. */
export class RecordIndexWriter {
  private strings: string[] = [];
  private dictionary = new Map<string, number>();
  private rows: string[] = [];
  private slots = Buffer.alloc(CHUNK_RECORDS * SLOT_BYTES);
  private count = 0;
  private chunks = 0;

  private constructor(
    private readonly out: AppendFile,
    private readonly compression: Compression,
  ) {}

  static async create(folder: string, compression: Compression): Promise<RecordIndexWriter> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(ROWS_MAGIC, 0, "latin1");
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
      index = this.strings.length;
      this.strings.push(value);
      this.dictionary.set(value, index);
    }
    return index;
  }

  /** Adds one record (its config is not stored here). */
  add(record: ResourceRecord): void {
    this.out.check();
    const at = this.rows.length * SLOT_BYTES;
    oneShotHash("sha256", record.key, "buffer").copy(this.slots, at, 0, DIGEST_BYTES);
    const regular = typeof record.hash === "string" && HEX_HASH.test(record.hash);
    if (regular) this.slots.write(record.hash, at + DIGEST_BYTES, 32, "hex");
    else this.slots.fill(0, at + DIGEST_BYTES, at + SLOT_BYTES);
    if (fitsRow(record)) {
      const { id } = record;
      const split = id.lastIndexOf("/") + 1;
      const segment = id.slice(split);
      const parent = id.slice(0, split);
      const row: unknown[] = [
        parent === armParent(record.subscriptionId, record.resourceGroup, record.type)
          ? -1
          : this.intern(parent),
        segment,
        record.key === id.toLowerCase() ? null : record.key,
        record.name === segment ? null : record.name,
        this.intern(record.type),
        this.intern(record.subscriptionId),
        record.resourceGroup === undefined ? -1 : this.intern(record.resourceGroup),
        record.location === undefined ? -1 : this.intern(record.location),
        this.intern(record.domain),
        this.intern(record.collector),
        record.tags === undefined ? -1 : this.intern(JSON.stringify(record.tags)),
      ];
      if (!regular) row.push(record.hash);
      this.rows.push(JSON.stringify(row));
    } else {
      const { config: _config, ...rest } = record;
      this.rows.push(JSON.stringify(rest));
    }
    this.count++;
    if (this.rows.length >= CHUNK_RECORDS) this.flushChunk();
  }

  waitForRoom(): Promise<void> {
    return this.out.waitForRoom();
  }

  private flushChunk(): void {
    const n = this.rows.length;
    if (n === 0) return;
    const text = `[${JSON.stringify(this.strings)}\n,${this.rows.join("\n,")}\n]`;
    const rows = compressBlock(Buffer.from(text, "utf8"), this.compression);
    const length = 4 + n * SLOT_BYTES + rows.length;
    const frame = Buffer.allocUnsafe(FRAME_HEADER + length);
    frame.writeUInt32BE(length, 0);
    frame.writeUInt32BE(n, FRAME_HEADER);
    this.slots.copy(frame, FRAME_HEADER + 4, 0, n * SLOT_BYTES);
    rows.copy(frame, FRAME_HEADER + 4 + n * SLOT_BYTES);
    frame.writeUInt32BE(crc32(frame.subarray(FRAME_HEADER)), 4);
    this.strings = [];
    this.dictionary = new Map();
    this.rows = [];
    this.chunks++;
    this.out.append(Promise.resolve(frame));
  }

  /** Writes the last frame, fsyncs and closes; returns what the manifest records about the index. */
  async finish(): Promise<{ count: number; bytes: number; chunks: number }> {
    this.flushChunk();
    const bytes = await this.out.finish();
    return { count: this.count, bytes, chunks: this.chunks };
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** What a snapshot manifest says about its record index. */
export interface RecordIndexInfo {
  file: string;
  compression: Compression;
  count: number;
  bytes: number;
  chunks: number;
}

/** One frame of an `"AZDRIDX2"` index: its records' slots, and its rows still compressed. */
export interface RowFrame {
  /** The position (in the whole index) of the frame's first record. */
  first: number;
  count: number;
  slots: Buffer;
  rows: Buffer;
}

/** The records of one frame of an index: hashes at once, entries one by one. */
export interface FrameView {
  count: number;
  /** The record hash at `index` (in the frame), without building its entry. */
  hash(index: number): string;
  entry(index: number): RecordLine;
}

/**
 * An `"AZDRIDX2"` record index read into memory and checked (size, frames, CRC-32s, record count):
 * slots to compare, rows decoded on demand.
 */
export class RowIndex {
  constructor(
    readonly file: string,
    readonly compression: Compression,
    readonly count: number,
    readonly frames: readonly RowFrame[],
  ) {}

  /** Every slot in one aligned array, 12 words a record (the words' values only ever compared). */
  slotWords(): Uint32Array {
    const words = new Uint32Array((this.count * SLOT_BYTES) / 4);
    const bytes = new Uint8Array(words.buffer);
    for (const frame of this.frames) bytes.set(frame.slots, frame.first * SLOT_BYTES);
    return words;
  }

  /** Every entry of a frame, in write order. */
  frameEntries(frame: RowFrame): RecordLine[] {
    const view = this.frameView(frame);
    const entries: RecordLine[] = new Array(frame.count);
    for (let index = 0; index < frame.count; index++) entries[index] = view.entry(index);
    return entries;
  }

  /**
   * A frame's rows parsed, its entries built only when asked for: a snapshot read needs every
   * record's hash at once (to read the documents' blocks together) but each entry only as it hands
   * the record out, and thousands of entries built ahead would live long enough for the GC to
   * copy them around.
   */
  frameView(frame: RowFrame): FrameView {
    const parsed = this.parseRows(this.rowsText(frame));
    const strings = parsed[0];
    if (!Array.isArray(strings) || parsed.length !== frame.count + 1) {
      throw corrupt(this.file, "a frame's rows do not match its record count");
    }
    return {
      count: frame.count,
      hash: (index) => {
        const row = parsed[index + 1];
        const own = Array.isArray(row) ? row[11] : (row as RecordLine | null)?.hash;
        if (typeof own === "string") return own;
        const at = index * SLOT_BYTES + DIGEST_BYTES;
        return frame.slots.toString("hex", at, at + 32);
      },
      entry: (index) => this.entry(parsed[index + 1], strings as string[], frame, index),
    };
  }

  /** The entries at these positions (of the whole index), each row parsed by itself. */
  entriesAt(positions: Iterable<number>): Map<number, RecordLine> {
    const wanted = [...new Set(positions)].sort((a, b) => a - b);
    const found = new Map<number, RecordLine>();
    let next = 0;
    for (const frame of this.frames) {
      const end = frame.first + frame.count;
      const mine: number[] = [];
      while (next < wanted.length && wanted[next]! < end) mine.push(wanted[next++]!);
      if (mine.length === 0) continue;
      const text = this.rowsText(frame);
      const lines = lineStarts(text);
      // Line 0 is "[strings", then one line per row, then "]".
      if (lines.length !== frame.count + 3)
        throw corrupt(this.file, "a frame's rows do not match its record count");
      const strings = this.parseRow(text.slice(1, lines[1]! - 1));
      if (!Array.isArray(strings)) throw corrupt(this.file, "a frame has no string table");
      for (const position of mine) {
        const index = position - frame.first;
        // Line index + 1 is ",<row>": the row is what follows the comma, up to the newline.
        const row = this.parseRow(text.slice(lines[index + 1]! + 1, lines[index + 2]! - 1));
        found.set(position, this.entry(row, strings as string[], frame, index));
      }
    }
    return found;
  }

  private rowsText(frame: RowFrame): string {
    try {
      return decompressBlock(frame.rows, this.compression).toString("utf8");
    } catch (error) {
      throw corrupt(this.file, "a frame's rows cannot be decompressed", error);
    }
  }

  private parseRows(text: string): unknown[] {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed)) throw new Error("not an array");
      return parsed;
    } catch (error) {
      throw corrupt(this.file, "a frame's rows cannot be parsed", error);
    }
  }

  private parseRow(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw corrupt(this.file, "a row cannot be parsed", error);
    }
  }

  private entry(row: unknown, strings: string[], frame: RowFrame, index: number): RecordLine {
    if (!Array.isArray(row)) {
      const whole = row as RecordLine | null;
      if (typeof whole?.key !== "string" || typeof whole.hash !== "string")
        throw corrupt(this.file, "a row has no key or hash");
      return whole;
    }
    const [parent, segment, key, name, type, sub, rg, loc, dom, col, tags, hash] = row as [
      number,
      string,
      string | null,
      string | null,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      string | undefined,
    ];
    if (
      typeof segment !== "string" ||
      (parent !== -1 && strings[parent] === undefined) ||
      (parent === -1 && strings[rg] === undefined) ||
      strings[type] === undefined ||
      strings[sub] === undefined ||
      strings[dom] === undefined ||
      strings[col] === undefined
    ) {
      throw corrupt(this.file, "a row is incomplete");
    }
    const at = index * SLOT_BYTES + DIGEST_BYTES;
    const id =
      (parent === -1 ? armParent(strings[sub]!, strings[rg], strings[type]!) : strings[parent]!) + segment;
    const entry: RecordLine = {
      id,
      key: key ?? id.toLowerCase(),
      type: strings[type],
      name: name ?? segment,
      subscriptionId: strings[sub],
      domain: strings[dom],
      collector: strings[col],
      hash: typeof hash === "string" ? hash : frame.slots.toString("hex", at, at + 32),
    };
    if (rg >= 0) entry.resourceGroup = strings[rg];
    if (loc >= 0) entry.location = strings[loc];
    if (tags >= 0) entry.tags = this.parseRow(strings[tags]!) as Record<string, unknown>;
    return entry;
  }
}

/** Where each line of a text starts, and one past its end. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) starts.push(at + 1);
  starts.push(text.length + 1);
  return starts;
}

/** Reads a record index file whole and checks its name, size and header. */
async function readIndexFile(
  snapshotFolder: string,
  info: RecordIndexInfo,
): Promise<{ file: string; bytes: Buffer; magic: string }> {
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
  const magic = bytes.toString("latin1", 0, 8);
  if (magic !== COLUMNS_MAGIC && magic !== ROWS_MAGIC) throw corrupt(file, "not a record index");
  return { file, bytes, magic };
}

/** The frames of an index file, each checked against its CRC-32. */
function* framesOf(bytes: Buffer, file: string): Generator<Buffer> {
  let position = HEADER_BYTES;
  while (position < bytes.length) {
    if (position + FRAME_HEADER > bytes.length) throw corrupt(file, "a frame is cut short");
    const length = bytes.readUInt32BE(position);
    const end = position + FRAME_HEADER + length;
    if (end > bytes.length) throw corrupt(file, "a frame is cut short");
    const body = bytes.subarray(position + FRAME_HEADER, end);
    if (crc32(body) !== bytes.readUInt32BE(position + 4)) throw corrupt(file, "a frame fails its checksum");
    yield body;
    position = end;
  }
}

/**
 * Reads an `"AZDRIDX2"` index into a {@link RowIndex}; `undefined` for a format-2 `"AZDRIDX1"` one.
 * Damage is `E_STORE_CORRUPT`, never a short read.
 */
export async function readRowIndex(
  snapshotFolder: string,
  info: RecordIndexInfo,
): Promise<RowIndex | undefined> {
  const { file, bytes, magic } = await readIndexFile(snapshotFolder, info);
  return magic === ROWS_MAGIC ? rowIndexOf(file, bytes, info) : undefined;
}

function rowIndexOf(file: string, bytes: Buffer, info: RecordIndexInfo): RowIndex {
  const frames: RowFrame[] = [];
  let count = 0;
  for (const body of framesOf(bytes, file)) {
    const n = body.length >= 4 ? body.readUInt32BE(0) : -1;
    if (n <= 0 || 4 + n * SLOT_BYTES > body.length) throw corrupt(file, "a frame has a bad record count");
    frames.push({
      first: count,
      count: n,
      slots: body.subarray(4, 4 + n * SLOT_BYTES),
      rows: body.subarray(4 + n * SLOT_BYTES),
    });
    count += n;
  }
  if (count !== info.count) throw corrupt(file, `holds ${count} records; the manifest says ${info.count}`);
  return new RowIndex(file, info.compression, count, frames);
}

/**
 * Reads a record index (either encoding) frame by frame, as {@link FrameView}s; like
 * {@link readRecordChunks}, which it serves.
 */
export async function* readRecordFrames(
  snapshotFolder: string,
  info: RecordIndexInfo,
  signal?: AbortSignal,
): AsyncGenerator<FrameView> {
  const { file, bytes, magic } = await readIndexFile(snapshotFolder, info);
  if (magic === ROWS_MAGIC) {
    const rows = rowIndexOf(file, bytes, info);
    for (const frame of rows.frames) {
      throwIfAborted(signal);
      yield rows.frameView(frame);
    }
    return;
  }
  let count = 0;
  for (const body of framesOf(bytes, file)) {
    throwIfAborted(signal);
    let chunk: ColumnChunk;
    try {
      chunk = JSON.parse(decompressBlock(body, info.compression).toString("utf8")) as ColumnChunk;
    } catch (error) {
      throw corrupt(file, "a frame cannot be decompressed or parsed", error);
    }
    const entries = decodeColumnChunk(chunk, file);
    count += entries.length;
    yield { count: entries.length, hash: (index) => entries[index]!.hash, entry: (index) => entries[index]! };
  }
  if (count !== info.count) {
    throw corrupt(file, `holds ${count} records; the manifest says ${info.count}`);
  }
}

/**
 * Reads a record index (either encoding) frame by frame, each an array of entries in write order.
 * Checks its size, frames and record count against the manifest, so damage is `E_STORE_CORRUPT`,
 * never a short read.
 */
export async function* readRecordChunks(
  snapshotFolder: string,
  info: RecordIndexInfo,
  signal?: AbortSignal,
): AsyncGenerator<RecordLine[]> {
  for await (const frame of readRecordFrames(snapshotFolder, info, signal)) {
    const entries: RecordLine[] = new Array(frame.count);
    for (let index = 0; index < frame.count; index++) entries[index] = frame.entry(index);
    yield entries;
  }
}
