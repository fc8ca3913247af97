import { PassThrough, type Transform } from "node:stream";
import { promisify } from "node:util";
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompress,
  brotliDecompressSync,
  constants,
  createBrotliCompress,
  createBrotliDecompress,
  createGunzip,
  createGzip,
  deflateRawSync,
  gunzip,
  gunzipSync,
  gzip,
  gzipSync,
  inflateRaw,
  inflateRawSync,
} from "node:zlib";

/** How resource documents and manifests are compressed on disk. */
export type Compression = "gzip" | "brotli" | "none";

export const COMPRESSIONS: readonly Compression[] = ["gzip", "brotli", "none"];

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliCompress);
const unbrotliAsync = promisify(brotliDecompress);
const inflateRawAsync = promisify(inflateRaw);

// Brotli at quality 5 is the usual speed/size middle; 11 is far too slow for a write path.
const brotliParams = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };

/** The file-name suffix telling which codec wrote a file. */
export function extensionOf(compression: Compression): string {
  return compression === "gzip" ? ".gz" : compression === "brotli" ? ".br" : "";
}

// Documents are a few KB: compressing one takes tens of microseconds, less than a hop to the
// thread pool and back, so small payloads are handled synchronously and large ones off-thread.
const SYNC_LIMIT = 64 * 1024;

export async function compress(data: string, compression: Compression): Promise<Buffer> {
  const raw = Buffer.from(data, "utf8");
  const small = raw.length <= SYNC_LIMIT;
  if (compression === "gzip") return small ? gzipSync(raw) : gzipAsync(raw);
  if (compression === "brotli")
    return small ? brotliCompressSync(raw, brotliParams) : brotliAsync(raw, brotliParams);
  return raw;
}

export async function decompress(data: Buffer, compression: Compression): Promise<Buffer> {
  const small = data.length <= SYNC_LIMIT / 4;
  if (compression === "gzip") return small ? gunzipSync(data) : gunzipAsync(data);
  if (compression === "brotli") return small ? brotliDecompressSync(data) : unbrotliAsync(data);
  return data;
}

export function compressStream(compression: Compression): Transform {
  if (compression === "gzip") return createGzip();
  if (compression === "brotli") return createBrotliCompress(brotliParams);
  return new PassThrough();
}

export function decompressStream(compression: Compression): Transform {
  if (compression === "gzip") return createGunzip();
  if (compression === "brotli") return createBrotliDecompress();
  return new PassThrough();
}

// Blocks of pack files and record-index frames: "gzip" is raw DEFLATE at level 1 (gzip's algorithm
// without its header; each frame carries its own CRC-32). Level 1 made 16 KB blocks of resource
// documents 7.8× smaller (level 6: 9×) at about half of level 6's time, which matters on a first snapshot. Blocks
// are compressed on the calling thread: zlib's asynchronous calls cost about three times as much
// per block in stream set-up as the compression itself.
const blockDeflate = { level: 1 };
// A chained block ends with a sync flush instead of a final block: each is still compressed on its
// own (no back-reference reaches an earlier block), so one block decompresses alone, and blocks
// that lie next to each other are together one valid DEFLATE stream that one call decompresses.
const chainedDeflate = { level: 1, finishFlush: constants.Z_SYNC_FLUSH };
const chainedInflate = { finishFlush: constants.Z_SYNC_FLUSH };

/** Compresses one record-index frame (and, before store format 5, a pack's index). */
export function compressBlock(data: Uint8Array, compression: Compression): Buffer {
  if (compression === "gzip") return deflateRawSync(data, blockDeflate);
  if (compression === "brotli") return brotliCompressSync(data, brotliParams);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Compresses one pack block; `chained` (only with "gzip") ends it with a sync flush, see
 * {@link decompressChain}.
 */
export function compressPackBlock(data: Uint8Array, compression: Compression, chained: boolean): Buffer {
  if (chained && compression === "gzip") return deflateRawSync(data, chainedDeflate);
  return compressBlock(data, compression);
}

/** Decompresses a block written by {@link compressBlock} or {@link compressPackBlock}. */
export function decompressBlock(data: Buffer, compression: Compression, chained = false): Buffer {
  if (compression === "gzip") return inflateRawSync(data, chained ? chainedInflate : undefined);
  if (compression === "brotli") return brotliDecompressSync(data);
  return data;
}

/**
 * Decompresses consecutive chained "gzip" blocks, stored back to back, that make `rawLength` bytes
 * together, in one call in zlib's thread
 * pool: a snapshot read parses one run's documents on the main thread while the next run inflates
 * on another core, and pays zlib's stream set-up once per run instead of once per block.
 */
export function decompressChain(data: Buffer, rawLength: number): Promise<Buffer> {
  // One output chunk of the expected size: zlib's default 16 KB chunks cost a trip to the main
  // thread and a copy each.
  return inflateRawAsync(data, { ...chainedInflate, chunkSize: Math.max(rawLength + 64, 1024) });
}

/** {@link decompressChain} on the calling thread, for a few blocks needed at once. */
export function decompressChainSync(data: Buffer, rawLength: number): Buffer {
  return inflateRawSync(data, { ...chainedInflate, chunkSize: Math.max(rawLength + 64, 1024) });
}
