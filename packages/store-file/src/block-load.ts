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
 * The largest piece (decompressed size). Each piece costs the main thread about a millisecond of
 * zlib stream set-up whatever its size (twice that before V8 has optimized zlib's JavaScript), so
 * a load that is not urgent (one made ahead of need, or awaited whole) has few, and an urgent
 * one's grow fourfold from its first up to this: small enough first that its first records are
 * ready soon, few enough that setting them all up does not hold those records back.
 */
const PIECE_BYTES = 4 * 1024 * 1024;

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
 * Blocks being decompressed for one read. Made by {@link BlockLoad.load}; `ready(end)` resolves once
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
    const blocks = distinctBlocks(order);
    const sources = await readBlocks(blocks, source);
    const raw: (Buffer | undefined)[] = new Array(blocks.packs.length);
    const { units, unitOf } = startUnits(blocks, sources, urgent, (slot, bytes, fresh) => {
      raw[slot] = bytes;
      if (fresh) source.decompressed(blocks.packs[slot]!, blocks.numbers[slot]!, bytes);
    });
    // done[k]: units 0 to k have all delivered. A unit's failure reaches the reader through these;
    // once an earlier unit failed, nothing waits for a later one, so its failure is caught here.
    const done: Promise<void>[] = [];
    for (let unit = 0; unit < units.length; unit++) {
      units[unit]!.catch(() => {});
      const through = unit === 0 ? units[0]! : done[unit - 1]!.then(() => units[unit]);
      through.catch(() => {});
      done.push(through);
    }
    const through = new Int32Array(order.packs.length);
    let highest = -1;
    for (let position = 0; position < through.length; position++) {
      const slot = blocks.slotOf[position]!;
      if (slot >= 0) highest = Math.max(highest, unitOf[slot]!);
      through[position] = highest;
    }
    return new BlockLoad(blocks.slotOf, raw, through, done);
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

/** The distinct blocks of an order ("slots", in order of first use) and each document's slot. */
interface DistinctBlocks {
  packs: PackIndex[];
  numbers: number[];
  /** Each document's slot (-1: no block). */
  slotOf: Int32Array;
  /** Per pack, each block's slot plus one (0: not used). */
  slotsOfPack: Map<PackIndex, Int32Array>;
}

function distinctBlocks(order: BlockOrder): DistinctBlocks {
  const blocks: DistinctBlocks = {
    packs: [],
    numbers: [],
    slotOf: new Int32Array(order.packs.length).fill(-1),
    slotsOfPack: new Map(),
  };
  let lastPack: PackIndex | undefined;
  let slots: Int32Array | undefined;
  for (let position = 0; position < order.packs.length; position++) {
    const pack = order.packs[position];
    if (!pack) continue;
    if (pack !== lastPack) {
      lastPack = pack;
      slots = blocks.slotsOfPack.get(pack);
      if (!slots) {
        slots = new Int32Array(pack.blocks.length);
        blocks.slotsOfPack.set(pack, slots);
      }
    }
    const number = order.blocks[position]!;
    if (!(number >= 0 && number < pack.blocks.length)) throw corruptBlockNumber(pack, number);
    let slot = slots![number]! - 1;
    if (slot < 0) {
      slot = blocks.packs.length;
      slots![number] = slot + 1;
      blocks.packs.push(pack);
      blocks.numbers.push(number);
    }
    blocks.slotOf[position] = slot;
  }
  return blocks;
}

/** Per slot, the block already decompressed (a cache hit) or its stored bytes, read now. */
async function readBlocks(
  blocks: DistinctBlocks,
  source: BlockSource,
): Promise<{ cached: (Promise<Buffer> | undefined)[]; stored: (Buffer | undefined)[] }> {
  const cached: (Promise<Buffer> | undefined)[] = new Array(blocks.packs.length);
  const stored: (Buffer | undefined)[] = new Array(blocks.packs.length);
  const toRead = new Map<PackIndex, number[]>();
  for (let slot = 0; slot < blocks.packs.length; slot++) {
    const pack = blocks.packs[slot]!;
    cached[slot] = source.cached(pack, blocks.numbers[slot]!);
    if (cached[slot]) continue;
    const numbers = toRead.get(pack);
    if (numbers) numbers.push(blocks.numbers[slot]!);
    else toRead.set(pack, [blocks.numbers[slot]!]);
  }
  const reads = [...toRead].map(([pack, numbers]) =>
    source.read(
      pack,
      numbers.sort((a, b) => a - b),
    ),
  );
  for (const block of (await Promise.all(reads)).flat()) {
    stored[blocks.slotsOfPack.get(block.pack)![block.number]! - 1] = block.stored;
  }
  return { cached, stored };
}

/**
 * Starts delivering every slot's block, as "units" in the order of first use: a cache hit, a
 * block decompressed alone, or a piece of chained blocks decompressed with one call (the first of
 * an urgent load on the calling thread, the others in zlib's pool). Returns the units and each
 * slot's unit.
 */
function startUnits(
  blocks: DistinctBlocks,
  sources: { cached: (Promise<Buffer> | undefined)[]; stored: (Buffer | undefined)[] },
  urgent: boolean,
  deliver: (slot: number, raw: Buffer, fresh: boolean) => void,
): { units: Promise<void>[]; unitOf: Int32Array } {
  const slots = blocks.packs.length;
  let chained = 0;
  for (let slot = 0; slot < slots; slot++)
    if (!sources.cached[slot] && blocks.packs[slot]!.chained) chained++;
  const offThread = chained >= CHAIN_OFF_THREAD;
  const units: Promise<void>[] = [];
  const unitOf = new Int32Array(slots);
  let piece: number[] = [];
  let pieceBytes = 0;
  let pieceLimit = urgent ? FIRST_PIECE_BYTES : PIECE_BYTES;
  const closePiece = () => {
    if (piece.length === 0) return;
    const members = piece;
    piece = [];
    pieceBytes = 0;
    pieceLimit = Math.min(pieceLimit * 4, PIECE_BYTES);
    const stored = members.map((slot) => ({
      pack: blocks.packs[slot]!,
      number: blocks.numbers[slot]!,
      stored: sources.stored[slot]!,
    }));
    // The piece is the next unit: a cache hit or a block decompressed alone that came up while it
    // was open is an earlier one.
    for (const slot of members) unitOf[slot] = units.length;
    const deliverAll = (parts: Buffer[]) => {
      for (let at = 0; at < members.length; at++) deliver(members[at]!, parts[at]!, true);
    };
    if (urgent && units.length === 0) {
      deliverAll(unpackPieceHere(stored));
      units.push(Promise.resolve());
    } else {
      units.push(unpackPiece(stored).then(deliverAll));
    }
  };
  for (let slot = 0; slot < slots; slot++) {
    const pack = blocks.packs[slot]!;
    const number = blocks.numbers[slot]!;
    const hit = sources.cached[slot];
    if (hit) {
      unitOf[slot] = units.length;
      units.push(hit.then((raw) => deliver(slot, raw, false)));
      continue;
    }
    const stored = sources.stored[slot]!;
    if (!offThread || !pack.chained) {
      unitOf[slot] = units.length;
      units.push(Promise.resolve().then(() => deliver(slot, unpack(pack, number, stored), true)));
      continue;
    }
    checkStoredBlock(pack, number, stored);
    const rawLength = pack.blocks[number]!.rawLength;
    if (pieceBytes > 0 && pieceBytes + rawLength > pieceLimit) closePiece();
    piece.push(slot);
    pieceBytes += rawLength;
  }
  closePiece();
  return { units, unitOf };
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
