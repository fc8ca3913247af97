/**
 * Pack files: many content-addressed resource documents in one file, written and fsynced once per
 * snapshot instead of once per document.
 *
 * ```
 * header   "AZDPACK1", codec byte (0 none, 1 gzip, 2 brotli), flags byte, 6 zero bytes   16 bytes
 * blocks   documents' JSON back to back, compressed per block of about 8 KB    (each its own CRC-32)
 * trailer  the pack index: every block's offset, sizes and CRC-32, and per document its hash, block,
 *          offset and length inside the decompressed block (binary since store format 5, flag 2;
 *          compressed JSON before: see `pack-trailer.ts`)
 * footer   trailer length (u32 BE), trailer CRC-32 (u32 BE), "AZDPKEND"            16 bytes
 * ```
 *
 * A document never spans blocks, so reading one costs one block. Flag 1 (store format 4, "gzip"
 * only): blocks are chained, each ending with a sync flush instead of a final block, so that
 * consecutive blocks decompress as one stream (see `decompressChain`). A pack is immutable once
 * renamed into `packs/`: compaction writes a new pack and removes the old one.
 */
import { isAscii } from "node:buffer";
import { close as closeFd, fstat, open as openCallback, read as readCallback } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { promisify } from "node:util";
import { DriftError, type JsonObject } from "@azure-drift/core";
import { AppendFile } from "./append-file.js";
import { BlockLoad, type BlockOrder, type BlockSource, type StoredBlock } from "./block-load.js";
import { crc32 } from "./checksum.js";
import { type Compression, compressPackBlock, decompressBlock } from "./codec.js";
import { isMissing, storeIoError } from "./io.js";
import {
  decodeJsonTrailer,
  decodeTrailer,
  encodeTrailer,
  hashOf,
  type PackContents,
  type TrailerEntries,
} from "./pack-trailer.js";

const openFd = promisify(openCallback);
const fstatFd = promisify(fstat);
const readFd = promisify(readCallback);

const HEADER_MAGIC = "AZDPACK1";
const FOOTER_MAGIC = "AZDPKEND";
const HEADER_BYTES = 16;
const FOOTER_BYTES = 16;
/** How much of a pack its index's reader reads from the start, hoping for the whole file. */
const HEAD_READ = 64 * 1024;
/**
 * A block is closed once it holds this many bytes of JSON: small enough that reading one document
 * (a diff reads only the changed ones) decompresses little, big enough to compress well (blocks
 * of 8 KB of documents came out 6.4× smaller at DEFLATE level 1, of 16 KB 7.8×, of 64 KB 9.3×).
 */
const BLOCK_TARGET = 8 * 1024;
/** Room for a block plus one more document written in UTF-8 (3 bytes per UTF-16 unit at most). */
const BLOCK_CAPACITY = 64 * 1024;

const CODEC_IDS: Record<Compression, number> = { none: 0, gzip: 1, brotli: 2 };
/** Header flag: the blocks are chained DEFLATE (see the file comment). */
const FLAG_CHAINED = 1;
/** Header flag: the trailer is binary and not compressed (store format 5, see `pack-trailer.ts`). */
const FLAG_BINARY_INDEX = 2;
const CODECS: Compression[] = ["none", "gzip", "brotli"];

/** One block of a pack: where it is, how big it is compressed and raw, its CRC-32 (of the stored bytes). */
export interface PackBlock {
  offset: number;
  length: number;
  rawLength: number;
  crc: number;
}

/** The index of one pack, read from its trailer. Documents are listed in the order they were written. */
export interface PackIndex extends Omit<PackContents, "hashes"> {
  /** The pack's file name in `packs/`. */
  name: string;
  file: string;
  compression: Compression;
  /** Whether consecutive blocks decompress as one stream (packs written since store format 4). */
  chained: boolean;
  /** The pack's size, as the footer implies. */
  bytes: number;
  /** Each document's hash, in write order (built on first use when the trailer holds digests). */
  readonly hashes: readonly string[];
}

const corruptPack = (file: string, what: string, cause?: unknown) =>
  new DriftError(
    "E_STORE_CORRUPT",
    `The pack file ${file} is damaged (${what}). Run azure-drift store verify (FileStore.verify()) to see all damage; restore the file from a backup, or set the snapshots that reference it aside with azure-drift store quarantine SNAPSHOT_ID.`,
    { cause, details: { file } },
  );

export { corruptPack };

/** A document to store: its hash and its JSON text. */
export interface DocumentEntry {
  hash: string;
  offset: number;
  length: number;
}

/**
 * Writes one pack file: documents are appended to a block; a full block is compressed and written
 * in order. `finish` writes the trailer and fsyncs the file once.
 */
export class PackWriter {
  private buffer = Buffer.allocUnsafe(BLOCK_CAPACITY);
  private used = 0;
  private docsInBlock: DocumentEntry[] = [];
  private readonly trailer: TrailerEntries = { blocks: [], hashes: [], block: [], offset: [], length: [] };

  private constructor(
    private readonly out: AppendFile,
    readonly compression: Compression,
    /** Whether the blocks are chained: always with "gzip" (store format 4). */
    readonly chained: boolean,
  ) {}

  static async create(file: string, compression: Compression): Promise<PackWriter> {
    const chained = compression === "gzip";
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(HEADER_MAGIC, 0, "latin1");
    header[8] = CODEC_IDS[compression];
    header[9] = (chained ? FLAG_CHAINED : 0) | FLAG_BINARY_INDEX;
    return new PackWriter(await AppendFile.create(file, header), compression, chained);
  }

  get file(): string {
    return this.out.file;
  }

  /** How many documents the pack holds so far. */
  get documents(): number {
    return this.trailer.hashes.length + this.docsInBlock.length;
  }

  /** Appends one document (its JSON text). Synchronous: documents keep the order of the calls. */
  add(hash: string, json: string): void {
    this.out.check();
    // A UTF-16 unit is at most 3 bytes in UTF-8; a document that may not fit closes the block first.
    const bound = json.length * 3;
    if (this.used > 0 && this.used + bound > BLOCK_CAPACITY) this.closeBlock();
    if (bound > BLOCK_CAPACITY) {
      const bytes = Buffer.from(json, "utf8");
      this.docsInBlock.push({ hash, offset: 0, length: bytes.length });
      this.emit(bytes);
      return;
    }
    const length = this.buffer.write(json, this.used, "utf8");
    this.docsInBlock.push({ hash, offset: this.used, length });
    this.used += length;
    if (this.used >= BLOCK_TARGET) this.closeBlock();
  }

  /**
   * Copies a block of another pack as it is (compaction of a block whose documents all live on):
   * only from a pack of the same compression and chaining.
   */
  addStoredBlock(stored: Buffer, block: PackBlock, documents: DocumentEntry[]): void {
    this.out.check();
    if (this.used > 0) this.closeBlock();
    const entry: [number, number, number, number] = [0, stored.length, block.rawLength, block.crc];
    this.push(entry, documents);
    this.out.append(Promise.resolve(stored), (offset) => {
      entry[0] = offset;
    });
  }

  /** Resolves when few enough blocks are in flight, so a fast producer cannot fill memory. */
  waitForRoom(): Promise<void> {
    return this.out.waitForRoom();
  }

  private closeBlock(): void {
    if (this.used === 0) return;
    const raw = Buffer.from(this.buffer.subarray(0, this.used));
    this.used = 0;
    this.emit(raw);
  }

  private emit(raw: Buffer): void {
    const entry: [number, number, number, number] = [0, 0, raw.length, 0];
    this.push(entry, this.docsInBlock);
    this.docsInBlock = [];
    const compressed = compressPackBlock(raw, this.compression, this.chained);
    entry[3] = crc32(compressed);
    this.out.append(Promise.resolve(compressed), (offset, length) => {
      entry[0] = offset;
      entry[1] = length;
    });
  }

  private push(entry: [number, number, number, number], documents: DocumentEntry[]): void {
    const number = this.trailer.blocks.length;
    this.trailer.blocks.push(entry);
    for (const document of documents) {
      this.trailer.hashes.push(document.hash);
      this.trailer.block.push(number);
      this.trailer.offset.push(document.offset);
      this.trailer.length.push(document.length);
    }
  }

  /** Writes the last block, the trailer and the footer; fsyncs and closes. Returns the pack's size. */
  finish(): Promise<number> {
    this.closeBlock();
    return this.out.finish(async () => {
      const trailer = encodeTrailer(this.trailer);
      const footer = Buffer.alloc(FOOTER_BYTES);
      footer.writeUInt32BE(trailer.length, 0);
      footer.writeUInt32BE(crc32(trailer), 4);
      footer.write(FOOTER_MAGIC, 8, "latin1");
      return Buffer.concat([trailer, footer]);
    });
  }

  /** Stops writing; the file is left for the writer's folder clean-up. */
  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** Buffers for the first read of a pack, kept for the next: a tenant's pack indexes are read 16 at a time, and each is copied out. */
const heads: Buffer[] = [];

/** Reads and checks a pack's trailer. Throws `E_STORE_CORRUPT` naming the pack when it is damaged. */
export async function readPackIndex(file: string, name: string): Promise<PackIndex> {
  // File descriptors rather than FileHandles: a snapshot read waits for all of a tenant's pack
  // indexes, and the promise API's handles cost about twice the time for a hundred small packs.
  let fd: number;
  try {
    fd = await openFd(file, "r");
  } catch (error) {
    throw storeIoError(error, file, "open");
  }
  const head = heads.pop() ?? Buffer.allocUnsafe(HEAD_READ);
  try {
    // One read from the start: a small pack (most packs of a long history) comes whole, header to
    // footer, and its size is known without asking; a larger one needs its size and its tail.
    const { bytesRead } = await readFd(fd, head, 0, HEAD_READ, 0);
    const size = bytesRead < HEAD_READ ? bytesRead : (await fstatFd(fd)).size;
    if (size < HEADER_BYTES + FOOTER_BYTES) throw corruptPack(file, `only ${size} bytes; truncated?`);
    const compression = CODECS[head[8]!];
    const flags = head[9]!;
    if (head.toString("latin1", 0, 8) !== HEADER_MAGIC || compression === undefined) {
      throw corruptPack(file, "not an azure-drift pack file");
    }
    if (
      (flags & ~(FLAG_CHAINED | FLAG_BINARY_INDEX)) !== 0 ||
      ((flags & FLAG_CHAINED) !== 0 && compression !== "gzip")
    )
      throw corruptPack(file, `its header has unknown flags ${flags}`);
    const tail = async (length: number) => {
      if (size <= bytesRead) return head.subarray(size - length, size);
      const bytes = Buffer.allocUnsafe(length);
      const read = await readFd(fd, bytes, 0, length, size - length);
      if (read.bytesRead !== length) throw corruptPack(file, "its end is missing; truncated?");
      return bytes;
    };
    const footer = await tail(FOOTER_BYTES);
    if (footer.toString("latin1", 8, 16) !== FOOTER_MAGIC)
      throw corruptPack(file, "its end is missing; truncated?");
    const trailerLength = footer.readUInt32BE(0);
    const trailerOffset = size - FOOTER_BYTES - trailerLength;
    if (trailerOffset < HEADER_BYTES) throw corruptPack(file, "bad trailer length");
    const checksum = footer.readUInt32BE(4);
    const stored = (await tail(FOOTER_BYTES + trailerLength)).subarray(0, trailerLength);
    if (crc32(stored) !== checksum) throw corruptPack(file, "the index at its end fails its checksum");
    let contents: PackContents;
    try {
      contents =
        (flags & FLAG_BINARY_INDEX) !== 0
          ? decodeTrailer(stored)
          : decodeJsonTrailer(decompressBlock(stored, compression).toString("utf8"));
    } catch (error) {
      throw corruptPack(file, `the index at its end cannot be read: ${(error as Error).message}`, error);
    }
    for (const block of contents.blocks) {
      if (block.offset < HEADER_BYTES || block.offset + block.length > trailerOffset)
        throw corruptPack(file, "a block lies outside the file");
    }
    let hashes = contents.hashes;
    return {
      ...contents,
      name,
      file,
      compression,
      chained: (flags & FLAG_CHAINED) !== 0,
      bytes: size,
      // Built only when something needs them all (compaction, verify): a read looks documents up
      // by their digests.
      get hashes() {
        hashes ??= Array.from({ length: contents.count }, (_, index) => hashOf(contents, index));
        return hashes;
      },
    };
  } catch (error) {
    if (error instanceof DriftError) throw error;
    if (isMissing(error)) throw error;
    throw storeIoError(error, file, "read");
  } finally {
    // The head is free once the index is decoded (the decoders copy what they keep); nothing waits
    // for the close: the index is read, and a failing close loses nothing.
    if (heads.length < 16) heads.push(head);
    closeFd(fd, () => {});
  }
}

/**
 * Reads blocks of packs for one operation: file handles are opened once and closed by `close`;
 * decoded blocks are cached while several documents of one block are read.
 */
export class BlockReader implements BlockSource {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  /** Decoded blocks by pack and block number (see `keyOf`), least recently used first. */
  private readonly cache = new Map<number, Promise<Buffer>>();
  private readonly packIds = new WeakMap<PackIndex, number>();
  private nextPackId = 0;

  constructor(private readonly cacheLimit = 64) {}

  /** A number for a block of a pack, cheaper to look up than a string. */
  private keyOf(pack: PackIndex, number: number): number {
    let id = this.packIds.get(pack);
    if (id === undefined) {
      id = this.nextPackId++;
      this.packIds.set(pack, id);
    }
    return id * BLOCKS_PER_PACK + number;
  }

  /** The decompressed bytes of one block, checked against its CRC-32. */
  block(pack: PackIndex, number: number): Promise<Buffer> {
    const key = this.keyOf(pack, number);
    let cached = this.cache.get(key);
    if (cached) {
      // Most recently used last, so eviction drops the oldest.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    cached = this.load(pack, number);
    cached.catch(() => {});
    this.remember(key, cached);
    return cached;
  }

  /**
   * Reads the blocks the documents of `order` lie in and starts decompressing them, in the order
   * the documents will be used; see {@link BlockLoad.load}.
   */
  blocksInOrder(order: BlockOrder, urgent: boolean): Promise<BlockLoad> {
    return BlockLoad.load(order, this, urgent);
  }

  cached(pack: PackIndex, number: number): Promise<Buffer> | undefined {
    return this.cache.get(this.keyOf(pack, number));
  }

  decompressed(pack: PackIndex, number: number, raw: Buffer): void {
    this.remember(this.keyOf(pack, number), Promise.resolve(raw));
  }

  /**
   * Reads the stored bytes of blocks of one pack (sorted, distinct). Blocks close to each other are
   * read with one read (the bytes between them are read and dropped), so the scattered documents a
   * diff asks for, or the run of blocks a snapshot read needs, cost a few reads rather than one per
   * block.
   */
  async read(pack: PackIndex, numbers: number[]): Promise<StoredBlock[]> {
    const runs = await Promise.all(readRuns(pack, numbers).map((run) => this.readRun(pack, run)));
    return runs.flat();
  }

  /** Reads the stored bytes of a run of blocks with one read. */
  private async readRun(pack: PackIndex, run: number[]): Promise<StoredBlock[]> {
    for (const number of run) if (!pack.blocks[number]) throw corruptPack(pack.file, `no block ${number}`);
    const first = pack.blocks[run[0]!]!;
    const last = pack.blocks[run[run.length - 1]!]!;
    const length = last.offset + last.length - first.offset;
    const handle = await this.handle(pack);
    const bytes = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(bytes, 0, length, first.offset);
    if (bytesRead !== length)
      throw corruptPack(pack.file, `blocks ${run[0]}–${run[run.length - 1]} are cut short; truncated?`);
    return run.map((number) => {
      const block = pack.blocks[number]!;
      const start = block.offset - first.offset;
      return { pack, number, stored: bytes.subarray(start, start + block.length) };
    });
  }

  private remember(key: number, raw: Promise<Buffer>): void {
    this.cache.set(key, raw);
    if (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Reads one block's stored (compressed) bytes and checks them. */
  async storedBlock(pack: PackIndex, number: number): Promise<Buffer> {
    const block = pack.blocks[number];
    if (!block) throw corruptPack(pack.file, `no block ${number}`);
    const handle = await this.handle(pack);
    const stored = Buffer.allocUnsafe(block.length);
    const { bytesRead } = await handle.read(stored, 0, block.length, block.offset);
    if (bytesRead !== block.length) throw corruptPack(pack.file, `block ${number} is cut short; truncated?`);
    checkStoredBlock(pack, number, stored);
    return stored;
  }

  private async load(pack: PackIndex, number: number): Promise<Buffer> {
    return unpack(pack, number, await this.storedBlock(pack, number));
  }

  private handle(pack: PackIndex): Promise<FileHandle> {
    let handle = this.handles.get(pack.file);
    if (!handle) {
      handle = open(pack.file, "r");
      handle.catch(() => {});
      this.handles.set(pack.file, handle);
    }
    return handle;
  }

  /** Parses document `index` of a pack. */
  async document(pack: PackIndex, index: number): Promise<JsonObject> {
    const raw = await this.block(pack, pack.block[index]!);
    return parseDocument(pack, raw, index);
  }

  async close(): Promise<void> {
    this.cache.clear();
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.then((h) => h.close()).catch(() => {})));
  }
}

/** Blocks further apart than this (bytes) are read apart; closer ones with the bytes between them. */
const READ_GAP = 64 * 1024;
/** Block numbers of a pack stay below this (a pack of 2^21 blocks holds about 16 GB of JSON). */
const BLOCKS_PER_PACK = 2 ** 21;
/** One read covers at most this many bytes. */
const READ_SPAN = 1024 * 1024;

/** Groups sorted block numbers into runs that one read each covers. */
function readRuns(pack: PackIndex, sorted: number[]): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  for (const number of sorted) {
    const block = pack.blocks[number];
    const first = run.length > 0 ? pack.blocks[run[0]!] : undefined;
    const previous = run.length > 0 ? pack.blocks[run[run.length - 1]!] : undefined;
    if (
      block &&
      first &&
      previous &&
      block.offset - (previous.offset + previous.length) <= READ_GAP &&
      block.offset + block.length - first.offset <= READ_SPAN
    ) {
      run.push(number);
    } else {
      if (run.length > 0) runs.push(run);
      run = [number];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Throws `E_STORE_CORRUPT` naming the block when its stored bytes fail their CRC-32. */
export function checkStoredBlock(pack: PackIndex, number: number, stored: Buffer): void {
  if (crc32(stored) !== pack.blocks[number]!.crc)
    throw corruptPack(pack.file, `block ${number} fails its checksum`);
}

/** Checks a block's stored bytes against its CRC-32 and decompresses them. */
export function unpack(pack: PackIndex, number: number, stored: Buffer): Buffer {
  const block = pack.blocks[number]!;
  checkStoredBlock(pack, number, stored);
  let raw: Buffer;
  try {
    raw = decompressBlock(stored, pack.compression, pack.chained);
  } catch (error) {
    throw corruptPack(pack.file, `block ${number} cannot be decompressed`, error);
  }
  if (raw.length !== block.rawLength) throw corruptPack(pack.file, `block ${number} has the wrong size`);
  return raw;
}

/** Parses document `index` of a pack out of its decompressed block. */
export function parseDocument(pack: PackIndex, raw: Buffer, index: number): JsonObject {
  const offset = pack.offset[index]!;
  const end = offset + pack.length[index]!;
  try {
    if (end > raw.length) throw new Error("past the end of its block");
    // Most documents are ASCII, and decoding those as Latin-1 gives the same text faster.
    const text = isAscii(raw.subarray(offset, end))
      ? raw.toString("latin1", offset, end)
      : raw.toString("utf8", offset, end);
    const config = JSON.parse(text) as unknown;
    if (typeof config !== "object" || config === null || Array.isArray(config))
      throw new Error("not an object");
    return config as JsonObject;
  } catch (error) {
    throw corruptPack(pack.file, `the document ${hashOf(pack, index)} cannot be parsed`, error);
  }
}
