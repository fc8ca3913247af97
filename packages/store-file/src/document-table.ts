/**
 * Which pack holds each document of a tenant: an open-addressing hash table over the packs'
 * SHA-256 digests, kept in typed arrays. A long history's packs hold tens of thousands of
 * documents; a `Map` keyed by their hashes in hex would make a string and a map entry of each, which
 * a snapshot read would first build and then pay for in garbage collection.
 */
import type { PackIndex } from "./pack.js";
import { DIGEST_BYTES } from "./pack-trailer.js";

/**
 * Documents of packs, looked up by hash. A document held by several packs is found in the first
 * one added. A document is a number: its position among all the packs' documents, pack by pack.
 */
export class DocumentTable {
  /** Per table slot, the document there plus one (0: empty). */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Where each pack's documents start in the numbering. */
  private readonly starts: Int32Array;
  /** Each document's pack, by ordinal. */
  private readonly packOfDocument: Int32Array;
  /** Documents of packs whose hashes are not all digests, by hash. */
  private readonly others = new Map<string, number>();
  private distinct = 0;
  /** How many documents the table part holds. */
  private digests = 0;

  constructor(private readonly packs: readonly PackIndex[]) {
    this.starts = new Int32Array(packs.length + 1);
    let inTable = 0;
    for (const [ordinal, pack] of packs.entries()) {
      this.starts[ordinal + 1] = this.starts[ordinal]! + pack.count;
      if (pack.digests) inTable += pack.count;
    }
    this.packOfDocument = new Int32Array(this.starts[packs.length]!);
    // At most half full, so that probes stay short.
    let capacity = 16;
    while (capacity < inTable * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (const [ordinal, pack] of packs.entries()) {
      const start = this.starts[ordinal]!;
      this.packOfDocument.fill(ordinal, start, start + pack.count);
      if (pack.digests) {
        for (let index = 0; index < pack.count; index++) this.insert(pack.digests, index, start + index);
      } else {
        // Packs written before store format 5: each hash a string, as they were kept before.
        const { hashes } = pack;
        for (let index = 0; index < hashes.length; index++) {
          if (this.others.has(hashes[index]!)) continue;
          this.others.set(hashes[index]!, start + index);
          this.distinct++;
        }
      }
    }
  }

  /** How many distinct documents the packs hold. */
  get size(): number {
    return this.distinct;
  }

  /** The document with hash `hash` (see {@link packOf}, {@link indexOf}), or -1. */
  find(hash: string): number {
    const other = this.others.size > 0 ? this.others.get(hash) : undefined;
    if (other !== undefined) return other;
    if (this.digests === 0 || hash.length !== DIGEST_BYTES * 2) return -1;
    const start = hexWord(hash);
    if (start < 0) return -1;
    for (let slot = start & this.mask; ; slot = (slot + 1) & this.mask) {
      const document = this.slots[slot]! - 1;
      if (document < 0) return -1;
      if (sameDigest(this.digestsOf(document), this.offsetOf(document), hash)) return document;
    }
  }

  /** The pack holding `document`. */
  packOf(document: number): PackIndex {
    return this.packs[this.packOfDocument[document]!]!;
  }

  /** The position of `document` in its pack. */
  indexOf(document: number): number {
    return document - this.starts[this.packOfDocument[document]!]!;
  }

  private digestsOf(document: number): Buffer {
    return this.packOf(document).digests!;
  }

  private offsetOf(document: number): number {
    return this.indexOf(document) * DIGEST_BYTES;
  }

  private insert(digests: Buffer, index: number, document: number): void {
    const at = index * DIGEST_BYTES;
    // Rare: a pack whose hashes were not all digests held this one before.
    if (this.others.size > 0 && this.others.has(digests.toString("hex", at, at + DIGEST_BYTES))) return;
    for (let slot = digests.readUInt32BE(at) & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0) {
        this.slots[slot] = document + 1;
        this.distinct++;
        this.digests++;
        return;
      }
      if (sameBytes(this.digestsOf(held), this.offsetOf(held), digests, at)) return;
    }
  }
}

/** Whether two digests, each at an offset of a buffer, are the same 32 bytes. */
function sameBytes(left: Buffer, leftAt: number, right: Buffer, rightAt: number): boolean {
  for (let word = 0; word < DIGEST_BYTES; word += 4) {
    if (left.readInt32LE(leftAt + word) !== right.readInt32LE(rightAt + word)) return false;
  }
  return true;
}

/** The value of a hex digit's character code, or -1. */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** The first four bytes of a digest in lower-case hex, as the table's start (big-endian), or -1. */
function hexWord(hash: string): number {
  let word = 0;
  for (let at = 0; at < 8; at++) {
    const value = nibble(hash.charCodeAt(at));
    if (value < 0) return -1;
    word = word * 16 + value;
  }
  return word;
}

/** Whether the 32 bytes of `digests` at `at` are the digest `hash` spells in lower-case hex. */
function sameDigest(digests: Buffer, at: number, hash: string): boolean {
  // Encoding the candidate (natively) and comparing strings beats decoding `hash` digit by digit.
  return digests.toString("hex", at, at + DIGEST_BYTES) === hash;
}
