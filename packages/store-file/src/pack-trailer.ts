/**
 * The index at the end of a pack file ("trailer"): its blocks, and per document its hash, block,
 * offset and length inside the decompressed block.
 *
 * Since store format 5 it is binary and stored as it is (header flag 2), so that reading a tenant's
 * pack indexes costs no decompression and no JSON parsing, and the hashes of its documents stay in
 * one buffer instead of becoming one string each (a long history holds tens of thousands):
 *
 * ```
 * hash kind  u8: 1 = SHA-256 digests (hashes written as 64 lower-case hex digits),
 *                2 = UTF-8 strings each after a u16 LE length                 then 3 zero bytes
 * counts     blocks (u32 LE), documents (u32 LE)
 * blocks     per block: offset (f64 LE), stored length, decompressed length, CRC-32 (u32 LE each)
 * documents  block numbers, offsets, lengths: one u32 LE array each, then the hashes
 * ```
 *
 * Packs of formats 2 to 4 have a compressed JSON trailer: `{blocks, hashes, block, offset, length}`.
 */
import type { PackBlock } from "./pack.js";

/** A pack's trailer, decoded. */
export interface PackContents {
  blocks: PackBlock[];
  /** How many documents the pack holds. */
  count: number;
  /** The documents' SHA-256 digests side by side (32 bytes each), when every hash is one in hex. */
  digests: Buffer | undefined;
  /** The documents' hashes, when they are not all digests (or as a JSON trailer gave them). */
  hashes: string[] | undefined;
  block: ArrayLike<number>;
  offset: ArrayLike<number>;
  length: ArrayLike<number>;
}

/** What a pack writer collects for its trailer, one entry per block and per document. */
export interface TrailerEntries {
  blocks: [number, number, number, number][];
  hashes: string[];
  block: number[];
  offset: number[];
  length: number[];
}

const DIGEST_KIND = 1;
const STRING_KIND = 2;
/** The size of a SHA-256 digest, as a binary index holds each hash of kind 1. */
export const DIGEST_BYTES = 32;
const PREFIX_BYTES = 12;
const BLOCK_BYTES = 20;
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** Encodes a binary trailer (store format 5). */
export function encodeTrailer(entries: TrailerEntries): Buffer {
  const count = entries.hashes.length;
  const digests = entries.hashes.every((hash) => HEX_DIGEST.test(hash));
  const strings = digests ? [] : entries.hashes.map((hash) => Buffer.from(hash, "utf8"));
  for (const hash of strings) {
    if (hash.length > 0xffff)
      throw new Error(`a document hash of ${hash.length} bytes is too long for a pack`);
  }
  const hashBytes = digests ? count * DIGEST_BYTES : strings.reduce((sum, hash) => sum + 2 + hash.length, 0);
  const bytes = Buffer.alloc(PREFIX_BYTES + entries.blocks.length * BLOCK_BYTES + count * 12 + hashBytes);
  bytes[0] = digests ? DIGEST_KIND : STRING_KIND;
  bytes.writeUInt32LE(entries.blocks.length, 4);
  bytes.writeUInt32LE(count, 8);
  let at = PREFIX_BYTES;
  for (const [offset, length, rawLength, crc] of entries.blocks) {
    bytes.writeDoubleLE(offset, at);
    bytes.writeUInt32LE(length, at + 8);
    bytes.writeUInt32LE(rawLength, at + 12);
    bytes.writeUInt32LE(crc >>> 0, at + 16);
    at += BLOCK_BYTES;
  }
  for (const column of [entries.block, entries.offset, entries.length]) {
    for (const value of column) {
      bytes.writeUInt32LE(value, at);
      at += 4;
    }
  }
  if (digests) {
    for (const hash of entries.hashes) at += bytes.write(hash, at, DIGEST_BYTES, "hex");
  } else {
    for (const hash of strings) {
      bytes.writeUInt16LE(hash.length, at);
      hash.copy(bytes, at + 2);
      at += 2 + hash.length;
    }
  }
  return bytes;
}

/** Decodes a binary trailer; throws a plain `Error` saying what is wrong when it is malformed. */
export function decodeTrailer(bytes: Buffer): PackContents {
  if (bytes.length < PREFIX_BYTES) throw new Error("shorter than its counts");
  const kind = bytes[0];
  if (kind !== DIGEST_KIND && kind !== STRING_KIND) throw new Error(`unknown hash kind ${kind}`);
  const blockCount = bytes.readUInt32LE(4);
  const count = bytes.readUInt32LE(8);
  const hashesAt = PREFIX_BYTES + blockCount * BLOCK_BYTES + count * 12;
  if (hashesAt > bytes.length || (kind === DIGEST_KIND && hashesAt + count * DIGEST_BYTES !== bytes.length))
    throw new Error("its length does not match its counts");
  const blocks: PackBlock[] = new Array(blockCount);
  let at = PREFIX_BYTES;
  for (let number = 0; number < blockCount; number++) {
    blocks[number] = {
      offset: bytes.readDoubleLE(at),
      length: bytes.readUInt32LE(at + 8),
      rawLength: bytes.readUInt32LE(at + 12),
      crc: bytes.readUInt32LE(at + 16),
    };
    at += BLOCK_BYTES;
  }
  const column = () => {
    const values = new Uint32Array(count);
    for (let index = 0; index < count; index++) values[index] = bytes.readUInt32LE(at + index * 4);
    at += count * 4;
    return values;
  };
  const block = column();
  const offset = column();
  const length = column();
  if (kind === DIGEST_KIND) {
    // A copy: the trailer was read into a buffer that is reused.
    const digests = Buffer.from(bytes.subarray(at, at + count * DIGEST_BYTES));
    return { blocks, count, digests, hashes: undefined, block, offset, length };
  }
  const hashes: string[] = new Array(count);
  for (let index = 0; index < count; index++) {
    if (at + 2 > bytes.length) throw new Error("its hashes are cut short");
    const size = bytes.readUInt16LE(at);
    if (at + 2 + size > bytes.length) throw new Error("its hashes are cut short");
    hashes[index] = bytes.toString("utf8", at + 2, at + 2 + size);
    at += 2 + size;
  }
  if (at !== bytes.length) throw new Error("its length does not match its counts");
  return { blocks, count, digests: undefined, hashes, block, offset, length };
}

/** Decodes the JSON trailer of a pack of formats 2 to 4 (already decompressed). */
export function decodeJsonTrailer(text: string): PackContents {
  const trailer = JSON.parse(text) as Partial<TrailerEntries>;
  const count = trailer.hashes?.length;
  if (
    !Array.isArray(trailer.blocks) ||
    typeof count !== "number" ||
    trailer.block?.length !== count ||
    trailer.offset?.length !== count ||
    trailer.length?.length !== count
  ) {
    throw new Error("its index is incomplete");
  }
  const blocks = trailer.blocks.map(([offset, length, rawLength, crc]) => ({
    offset,
    length,
    rawLength,
    crc,
  }));
  return {
    blocks,
    count,
    digests: undefined,
    hashes: trailer.hashes!,
    block: trailer.block!,
    offset: trailer.offset!,
    length: trailer.length!,
  };
}

/** The hash of document `index`: from the digests in hex, or as stored. */
export function hashOf(
  contents: { digests: Buffer | undefined; hashes?: readonly string[] | undefined },
  index: number,
): string {
  if (contents.digests)
    return contents.digests.toString("hex", index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES);
  return contents.hashes![index]!;
}
