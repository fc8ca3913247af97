import { brotliDecompressSync, constants, gunzipSync, inflateRawSync } from "node:zlib";

// What secret-leak tests look for in outputs and in the file store's bytes.

/** A piece of each secret that would show if any of it leaked: its longest run of token characters. */
export function needleOf(secret: string): string {
  const runs = secret.match(/[A-Za-z0-9+/_-]{12,}/g) ?? [secret];
  return runs.reduce((longest, run) => (run.length > longest.length ? run : longest)).slice(0, 24);
}

/** A compressed piece of the store, in whichever codec wrote it (raw deflate is the gzip setting's block codec). */
function inflate(bytes: Buffer): string {
  for (const decode of [inflateRawSync, gunzipSync, brotliDecompressSync]) {
    try {
      return decode(bytes).toString("utf8");
    } catch {
      // Not this codec.
    }
  }
  return bytes.toString("latin1");
}

/** Where each block of a pack lies: [offset, stored length], from its binary or JSON index. */
function packBlocks(pack: Buffer): [number, number][] {
  const trailerLength = pack.readUInt32BE(pack.length - 16);
  const trailer = pack.subarray(pack.length - 16 - trailerLength, pack.length - 16);
  if ((pack[9]! & 2) === 0) return (JSON.parse(inflate(trailer)) as { blocks: [number, number][] }).blocks;
  // Binary (docs/store-file.md): counts from byte 4, then 20 bytes per block, offset (f64 LE) first.
  return Array.from({ length: trailer.readUInt32LE(4) }, (_, number) => [
    trailer.readDoubleLE(12 + number * 20),
    trailer.readUInt32LE(12 + number * 20 + 8),
  ]);
}

/**
 * Every byte a store file holds, decompressed: pack files block by block (from their trailer), record
 * indexes frame by frame, gzip files whole (reports), the rest as they are. See docs/store-file.md.
 */
export function storedText(bytes: Buffer): string {
  const magic = bytes.toString("latin1", 0, 8);
  const parts = [bytes.toString("latin1")];
  if (magic === "AZDPACK1") {
    const trailerLength = bytes.readUInt32BE(bytes.length - 16);
    const trailer = bytes.subarray(bytes.length - 16 - trailerLength, bytes.length - 16);
    // Header flag 2: the index is binary, as it is; before store format 5, compressed JSON.
    parts.push((bytes[9]! & 2) !== 0 ? trailer.toString("latin1") : inflate(trailer));
    // Header byte 8 is the codec (0 none, 1 raw deflate, 2 brotli). Raw deflate blocks may be
    // chained (header byte 9), ending in a sync flush rather than a final block, which a sync-flush
    // decode reads as well. A block that does not decode fails the test rather than hiding a leak.
    const block = (stored: Buffer) =>
      (bytes[8] === 1
        ? inflateRawSync(stored, { finishFlush: constants.Z_SYNC_FLUSH })
        : bytes[8] === 2
          ? brotliDecompressSync(stored)
          : stored
      ).toString("utf8");
    for (const [offset, length] of packBlocks(bytes))
      parts.push(block(bytes.subarray(offset, offset + length)));
  } else if (magic === "AZDRIDX1") {
    for (let at = 16; at + 8 <= bytes.length; ) {
      const length = bytes.readUInt32BE(at);
      parts.push(inflate(bytes.subarray(at + 8, at + 8 + length)));
      at += 8 + length;
    }
  } else if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    parts.push(inflate(bytes));
  }
  return parts.join("\n");
}
