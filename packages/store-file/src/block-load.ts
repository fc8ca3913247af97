/**
 * Decompressing the blocks one read needs, in the order it needs them. A snapshot read needs a
 * frame's documents in record order, from blocks of many packs: the blocks go to zlib's thread pool
 * in pieces taken in that order, the first ones small, so the first records can be parsed while
 * the rest of the frame still decompresses on the other core.
 */
import { decompressChain, decompressChainSync } from "./codec.js";
import { checkStoredBlock, corruptPack, type PackIndex, unpack } from "./pack.js";

/**
 * The blocks a read needs, one per document in the order the documents will be used: document `i`
 * lies in block `blocks[i]` of `packs[i]` (no pack: a document no pack holds, which needs no block).
 */
export interface BlockOrder {
  packs: readonly (PackIndex | undefined)[];
  blocks: Int32Array;
}

/** A block's stored (compressed) bytes, as read. */
export interface StoredBlock {
  pack: PackIndex;
  number: number;
  stored: Buffer;
}

/** Loads of fewer chained blocks than this decompress them here: a pool hop costs more. */
const CHAIN_OFF_THREAD = 4;
/**
 * An urgent load's first piece (decompressed size). It is decompressed on the calling thread as
 * the load begins: the first records are then ready without waiting for a trip to the pool and
 * back, which takes as long as the main thread is busy setting up the other pieces.
 */
const FIRST_PIECE_BYTES = 128 * 1024;
/**
 * An urgent load's pieces double up to this decompressed size, so that its first records are
 * ready soon and several of the pool's threads share the rest.
 */
const PIECE_BYTES = 2 * 1024 * 1024;
/**
 * The pieces of a load that is not urgent (one made ahead of need, or awaited whole). Each piece
 * costs the main thread about a millisecond of zlib stream set-up whatever its size, so they are
 * few.
 */
const AHEAD_PIECE_BYTES = 4 * 1024 * 1024;

/** What a {@link BlockLoad} needs of its reader. */
export interface BlockSource {
  /** A block already decompressed by an earlier load, if the reader still has it. */
  cached(pack: PackIndex, number: number): Promise<Buffer> | undefined;
  /** Told of each block decompressed, for the reader's cache. */
  decompressed(pack: PackIndex, number: number, raw: Buffer): void;
  /** Reads the stored bytes of the given blocks of one pack (sorted, distinct). */
  read(pack: PackIndex, numbers: number[]): Promise<StoredBlock[]>;
}

/**
 * Blocks being decompressed for one read. Made by {@link loadBlocks}; `ready(end)` resolves once
 * the blocks of documents `0` to `end - 1` of the order can be used, `block(i)` then gives document
 * `i`'s block.
 */
export class BlockLoad {
  private constructor(
    /** Each document's block, as an index into `raw` (-1: no block). */
    private readonly slotOf: Int32Array,
    private readonly raw: (Buffer | undefined)[],
    /** For each document, the last unit that must have delivered for it and all before it. */
    private readonly through: Int32Array,
    /** `done[k]` resolves once units 0 to k have all delivered. */
    private readonly done: Promise<void>[],
  ) {}

  /**
   * Reads every block `order` needs that `source` has not cached, then starts decompressing them
   * in pieces in the order of first use; resolves once the reads are done (so a pack that went
   * missing fails here, while decompression failures surface in {@link ready}).
   */
  static async load(order: BlockOrder, source: BlockSource, urgent: boolean): Promise<BlockLoad> {
    const count = order.packs.length;
    // Distinct blocks in order of first use ("slots"), found through one array per pack.
    const slotOf = new Int32Array(count).fill(-1);
    const slotPack: PackIndex[] = [];
    const slotBlock: number[] = [];
    const seen = new Map<PackIndex, Int32Array>();
    let lastPack: PackIndex | undefined;
    let lastSeen: Int32Array | undefined;
    for (let position = 0; position < count; position++) {
      const pack = order.packs[position];
      if (!pack) continue;
      if (pack !== lastPack) {
        lastPack = pack;
        lastSeen = seen.get(pack);
        if (!lastSeen) {
          lastSeen = new Int32Array(pack.blocks.length);
          seen.set(pack, lastSeen);
        }
      }
      const number = order.blocks[position]!;
      if (!(number >= 0 && number < pack.blocks.length)) throw corruptBlockNumber(pack, number);
      let slot = lastSeen![number]! - 1;
      if (slot < 0) {
        slot = slotPack.length;
        lastSeen![number] = slot + 1;
        slotPack.push(pack);
        slotBlock.push(number);
      }
      slotOf[position] = slot;
    }

    const slots = slotPack.length;
    const hits: (Promise<Buffer> | undefined)[] = new Array(slots);
    const toRead = new Map<PackIndex, number[]>();
    for (let slot = 0; slot < slots; slot++) {
      const pack = slotPack[slot]!;
      hits[slot] = source.cached(pack, slotBlock[slot]!);
      if (hits[slot]) continue;
      const numbers = toRead.get(pack);
      if (numbers) numbers.push(slotBlock[slot]!);
      else toRead.set(pack, [slotBlock[slot]!]);
    }
    const reads = [...toRead].map(([pack, numbers]) =>
      source.read(
        pack,
        numbers.sort((a, b) => a - b),
      ),
    );
    const stored = new Map<PackIndex, Map<number, Buffer>>();
    for (const block of (await Promise.all(reads)).flat()) {
      let numbers = stored.get(block.pack);
      if (!numbers) {
        numbers = new Map();
        stored.set(block.pack, numbers);
      }
      numbers.set(block.number, block.stored);
    }

    const raw: (Buffer | undefined)[] = new Array(slots);
    const deliver = (slot: number, bytes: Buffer) => {
      raw[slot] = bytes;
      source.decompressed(slotPack[slot]!, slotBlock[slot]!, bytes);
    };
    let chained = 0;
    for (let slot = 0; slot < slots; slot++) if (!hits[slot] && slotPack[slot]!.chained) chained++;
    const offThread = chained >= CHAIN_OFF_THREAD;

    const units: Promise<void>[] = [];
    const unitOf = new Int32Array(slots);
    let piece: number[] = [];
    let pieceBytes = 0;
    let pieceLimit = urgent ? FIRST_PIECE_BYTES : AHEAD_PIECE_BYTES;
    const closePiece = () => {
      if (piece.length === 0) return;
      const members = piece;
      piece = [];
      pieceBytes = 0;
      pieceLimit = urgent ? Math.min(pieceLimit * 2, PIECE_BYTES) : AHEAD_PIECE_BYTES;
      const blocks = members.map((slot) => ({
        pack: slotPack[slot]!,
        number: slotBlock[slot]!,
        stored: stored.get(slotPack[slot]!)!.get(slotBlock[slot]!)!,
      }));
      if (urgent && units.length === 0) {
        const parts = unpackPieceHere(blocks);
        for (let at = 0; at < members.length; at++) deliver(members[at]!, parts[at]!);
        units.push(Promise.resolve());
        return;
      }
      units.push(
        unpackPiece(blocks).then((parts) => {
          for (let at = 0; at < members.length; at++) deliver(members[at]!, parts[at]!);
        }),
      );
    };
    for (let slot = 0; slot < slots; slot++) {
      const pack = slotPack[slot]!;
      const number = slotBlock[slot]!;
      const hit = hits[slot];
      if (hit) {
        unitOf[slot] = units.length;
        units.push(
          hit.then((bytes) => {
            raw[slot] = bytes;
          }),
        );
        continue;
      }
      const bytes = stored.get(pack)!.get(number)!;
      if (!offThread || !pack.chained) {
        unitOf[slot] = units.length;
        units.push(Promise.resolve().then(() => deliver(slot, unpack(pack, number, bytes))));
        continue;
      }
      checkStoredBlock(pack, number, bytes);
      const rawLength = pack.blocks[number]!.rawLength;
      if (pieceBytes > 0 && pieceBytes + rawLength > pieceLimit) closePiece();
      unitOf[slot] = units.length;
      piece.push(slot);
      pieceBytes += rawLength;
    }
    closePiece();

    const done: Promise<void>[] = [];
    for (let unit = 0; unit < units.length; unit++) {
      const through = unit === 0 ? units[0]! : done[unit - 1]!.then(() => units[unit]);
      through.catch(() => {});
      done.push(through);
    }
    const through = new Int32Array(count);
    let highest = -1;
    for (let position = 0; position < count; position++) {
      const slot = slotOf[position]!;
      if (slot >= 0) highest = Math.max(highest, unitOf[slot]!);
      through[position] = highest;
    }
    return new BlockLoad(slotOf, raw, through, done);
  }

  /** Resolves once the blocks of documents `0` to `end - 1` are decompressed and checked. */
  ready(end: number): Promise<void> {
    const last = Math.min(end, this.through.length) - 1;
    const unit = last >= 0 ? this.through[last]! : -1;
    return unit >= 0 ? this.done[unit]! : Promise.resolve();
  }

  /** The decompressed block of document `position`, once {@link ready} covers it; none for a document without one. */
  block(position: number): Buffer | undefined {
    const slot = this.slotOf[position]!;
    if (slot < 0) return undefined;
    const raw = this.raw[slot];
    if (!raw) throw new Error(`internal: the block of document ${position} was used before it was ready`);
    return raw;
  }
}

function corruptBlockNumber(pack: PackIndex, number: number): Error {
  return corruptPack(pack.file, `its index places a document in block ${number}, which it does not list`);
}

/**
 * Decompresses chained blocks (already checked) with one call off the main thread. When that
 * fails (damage a CRC-32 cannot see), they are decompressed one by one, so the error names the block.
 */
async function unpackPiece(blocks: StoredBlock[]): Promise<Buffer[]> {
  const expected = rawLengthOf(blocks);
  const raw = await decompressChain(joinStored(blocks), expected).catch(() => undefined);
  return splitPiece(blocks, raw, expected);
}

/** {@link unpackPiece} on the calling thread. */
function unpackPieceHere(blocks: StoredBlock[]): Buffer[] {
  const expected = rawLengthOf(blocks);
  let raw: Buffer | undefined;
  try {
    raw = decompressChainSync(joinStored(blocks), expected);
  } catch {
    raw = undefined;
  }
  return splitPiece(blocks, raw, expected);
}

function rawLengthOf(blocks: StoredBlock[]): number {
  let length = 0;
  for (const { pack, number } of blocks) length += pack.blocks[number]!.rawLength;
  return length;
}

/** A piece's output cut into its blocks; each block decompressed alone if the piece failed. */
function splitPiece(blocks: StoredBlock[], raw: Buffer | undefined, expected: number): Buffer[] {
  if (raw?.length !== expected) return blocks.map(({ pack, number, stored }) => unpack(pack, number, stored));
  let start = 0;
  return blocks.map(({ pack, number }) => {
    const end = start + pack.blocks[number]!.rawLength;
    const part = raw.subarray(start, end);
    start = end;
    return part;
  });
}

/**
 * The stored bytes of blocks side by side. Blocks read with one read that follow each other in
 * their file are already side by side in its buffer: a piece made only of those is not copied.
 */
function joinStored(blocks: StoredBlock[]): Buffer {
  const first = blocks[0]!.stored;
  let end = first.byteOffset + first.length;
  let contiguous = true;
  for (let at = 1; at < blocks.length && contiguous; at++) {
    const { stored } = blocks[at]!;
    contiguous = stored.buffer === first.buffer && stored.byteOffset === end;
    end += stored.length;
  }
  if (contiguous) return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
  return Buffer.concat(blocks.map(({ stored }) => stored));
}
