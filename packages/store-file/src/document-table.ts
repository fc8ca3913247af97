/**
 * Which pack holds each document of a tenant: an open-addressing hash table over the packs'
 * SHA-256 digests, kept in typed arrays. A long history's packs hold tens of thousands of
 * documents; a `Map` keyed by their hashes in hex would make a string and a map entry of each, which
 * a snapshot read would first build and then pay for in garbage collection.
 */
import type { PackIndex } from "./pack.js";

const DIGEST_BYTES = 32;
/** No entry in this table slot. */
const EMPTY = -1;

/**
 * Documents of packs, looked up by hash. A document held by several packs is found in the first
 * one added. Entries are numbers: the pack's ordinal × {@link SLOT} + the document's position.
 */
export class DocumentTable {
  /** Per table slot, the entry there (or {@link EMPTY}). */
  private readonly slots: Float64Array;
  private readonly mask: number;
  /** Documents of packs whose hashes are not all digests, by hash. */
  private readonly others = new Map<string, number>();
  private distinct = 0;
  /** How many documents the table part holds. */
  private digests = 0;

  constructor(private readonly packs: readonly PackIndex[]) {
    let documents = 0;
    for (const pack of packs) if (pack.digests) documents += pack.count;
    // At most half full, so that probes stay short.
    let capacity = 16;
    while (capacity < documents * 2) capacity *= 2;
    this.slots = new Float64Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (const [ordinal, pack] of packs.entries()) {
      if (pack.digests) {
        for (let index = 0; index < pack.count; index++) this.insert(ordinal, pack.digests, index);
      } else {
        // Packs written before store format 5: each hash a string, as they were kept before.
        const { hashes } = pack;
        for (let index = 0; index < hashes.length; index++) {
          if (this.others.has(hashes[index]!)) continue;
          this.others.set(hashes[index]!, ordinal * SLOT + index);
          this.distinct++;
        }
      }
    }
  }

  /** How many distinct documents the packs hold. */
  get size(): number {
    return this.distinct;
  }

  /** The entry of the document with hash `hash` (see {@link packOf}, {@link indexOf}). */
  find(hash: string): number | undefined {
    const other = this.others.size > 0 ? this.others.get(hash) : undefined;
    if (other !== undefined || this.digests === 0 || hash.length !== DIGEST_BYTES * 2) return other;
    const start = hexWord(hash);
    if (start < 0) return other;
    for (let slot = start & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === EMPTY) return other;
      const pack = this.packs[Math.floor(entry / SLOT)]!;
      if (sameDigest(pack.digests!, (entry % SLOT) * DIGEST_BYTES, hash)) return entry;
    }
  }

  packOf(entry: number): PackIndex {
    return this.packs[Math.floor(entry / SLOT)]!;
  }

  indexOf(entry: number): number {
    return entry % SLOT;
  }

  private insert(ordinal: number, digests: Buffer, index: number): void {
    const at = index * DIGEST_BYTES;
    // Rare: a pack whose hashes were not all digests held this one before.
    if (this.others.size > 0 && this.others.has(digests.toString("hex", at, at + DIGEST_BYTES))) return;
    for (let slot = digests.readUInt32BE(at) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === EMPTY) {
        this.slots[slot] = ordinal * SLOT + index;
        this.distinct++;
        this.digests++;
        return;
      }
      const pack = this.packs[Math.floor(entry / SLOT)]!;
      if (
        pack.digests!.compare(
          digests,
          at,
          at + DIGEST_BYTES,
          (entry % SLOT) * DIGEST_BYTES,
          ((entry % SLOT) + 1) * DIGEST_BYTES,
        ) === 0
      )
        return;
    }
  }
}

/** Entries are pack ordinal × SLOT + the document's position in the pack. */
export const SLOT = 2 ** 26;

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
