// Tasks of bench/store-file.ts, each run in its own process by measureInChild (so peak RSS is its own).
import { lstat, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, constants, deflateRawSync, gzipSync } from "node:zlib";
import type { ResourceRecord } from "@azure-drift/core";
import { createFileStore } from "../../packages/store-file/src/index.js";
import {
  changeStoreRecords,
  seededRandom,
  syntheticRecord,
} from "../../packages/testing/src/store-conformance/records.js";
import { collectGarbage, stopwatch, type Timing } from "../lib/stopwatch.js";

const TENANT = "bench-tenant";
/** How many times the history task reads the last snapshot back, plain and through the store. */
const READ_ROUNDS = 5;
/** How many times it writes the first snapshot again, plain and into a new store. */
const WRITE_ROUNDS = 3;

/** Writes `text` to a new file and fsyncs it: the plain baseline of a durable snapshot write. */
async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await open(file, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a file already written, so that its writeback does not land in what is timed next. */
async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
const SUBSCRIPTION = "00000000-0000-0000-0000-00000000be0c";

/** A synthetic tenant: network security groups of 3–12 rules (≈1.2–4 KB each, ≈2.6 KB on average). */
export function* tenantRecords(count: number, seed = 11): Generator<ResourceRecord> {
  const random = seededRandom(seed);
  for (let index = 0; index < count; index++)
    yield syntheticRecord(random, SUBSCRIPTION, index, 3 + (index % 10));
}

const completion = () => ({ finishedAt: new Date().toISOString(), collectors: [], coverage: [] });

/** The size of `records` as one JSON array. */
export function jsonSize(records: Iterable<ResourceRecord>): number {
  let bytes = 2;
  for (const record of records) bytes += Buffer.byteLength(JSON.stringify(record)) + 1;
  return bytes;
}

/**
 * Writes one snapshot in batches of 500. `countJson` adds the JSON size of the records as they
 * pass (for generated records that are never all in memory); the timed history measures it apart.
 */
async function writeSnapshot(directory: string, records: Iterable<ResourceRecord>, countJson = false) {
  const store = await createFileStore({ directory });
  const writer = await store.beginSnapshot({
    tenantId: TENANT,
    scopes: [SUBSCRIPTION],
    startedAt: new Date().toISOString(),
  });
  let batch: ResourceRecord[] = [];
  let count = 0;
  let jsonBytes = 2;
  for (const record of records) {
    batch.push(record);
    count++;
    if (countJson) jsonBytes += Buffer.byteLength(JSON.stringify(record)) + 1;
    if (batch.length === 500) {
      await writer.write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await writer.write(batch);
  const meta = await writer.commit(completion());
  await store.close();
  return { id: meta.id, count, jsonBytes };
}

/** Sum of file sizes (apparent) and of allocated blocks under a folder. */
export async function diskUsage(
  folder: string,
): Promise<{ bytes: number; allocated: number; files: number }> {
  let bytes = 0;
  let allocated = 0;
  let files = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    const info = await lstat(path);
    allocated += info.blocks * 512;
    if (entry.isDirectory()) {
      const inner = await diskUsage(path);
      bytes += inner.bytes;
      allocated += inner.allocated;
      files += inner.files;
    } else {
      bytes += info.size;
      files++;
    }
  }
  return { bytes, allocated, files };
}

export interface HistoryResult {
  snapshots: number;
  records: number;
  naiveBytes: number;
  disk: { bytes: number; allocated: number; files: number };
  firstWriteMs: number;
  churnWriteMs: number[];
  plainWriteMs: number;
  plainWriteSyncMs: number;
  /** The first (cold) plain read and store read of the process. */
  plainReadMs: number;
  readMs: number;
  /** Every round of both reads, taken turn about. */
  reads: { plain: Timing[]; store: Timing[] };
  /** Every round of the first snapshot's write into a new store and of its plain fsynced write. */
  firstWrites: { plain: Timing[]; store: Timing[] };
  readIndexMs: number;
  /** CPU time of the same operations (ms), which a loaded machine distorts less than wall time. */
  cpu: { firstWrite: number; plainWriteSync: number; plainRead: number; read: number; readIndex: number };
  snapshotJsonBytes: number;
}

/** 100 snapshots of one tenant with `churn` changed per snapshot; plain JSON files of the same snapshot for comparison. */
export async function history(args: {
  directory: string;
  records: number;
  snapshots: number;
  churn: number;
}): Promise<HistoryResult> {
  await rm(args.directory, { recursive: true, force: true });
  let current = [...tenantRecords(args.records)];
  const first = current;
  let naiveBytes = 0;
  let firstWriteMs = 0;
  let firstWriteCpuMs = 0;
  const churnWriteMs: number[] = [];
  let lastId = "";
  for (let index = 0; index < args.snapshots; index++) {
    if (index > 0) current = changeStoreRecords(current, args.churn, 1000 + index);
    // Measured outside the timed write: serializing every record once more is not the store's cost.
    naiveBytes += jsonSize(current);
    const stop = stopwatch();
    const written = await writeSnapshot(join(args.directory, "store"), current);
    const elapsed = stop();
    if (index === 0) {
      firstWriteMs = elapsed.ms;
      firstWriteCpuMs = elapsed.cpuMs;
    } else churnWriteMs.push(elapsed.ms);
    lastId = written.id;
  }
  const disk = await diskUsage(join(args.directory, "store"));
  // The first snapshot again, into new stores, taken turn about with the plain fsynced write of
  // the same records: a single fsync's time varies much from one to the next.
  const plainFirstWrites: Timing[] = [];
  const firstWrites: Timing[] = [];
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    collectGarbage();
    let stop = stopwatch();
    await writeSynced(join(args.directory, "plain-first.json"), JSON.stringify(first));
    plainFirstWrites.push(stop());
    const fresh = join(args.directory, `first-${round}`);
    collectGarbage();
    stop = stopwatch();
    await writeSnapshot(fresh, first);
    firstWrites.push(stop());
    await rm(fresh, { recursive: true, force: true });
  }
  // The plain way, same snapshot, same run.
  const plainFile = join(args.directory, "plain.json");
  const started = performance.now();
  const text = JSON.stringify(current);
  await writeFile(plainFile, text);
  const plainWriteMs = performance.now() - started;
  // Flushed before the reads (untimed), so that the kernel writing its 32 MB back does not land in
  // whichever read comes first: it did, now and then, in the store's first read.
  await syncFile(plainFile);
  let stop = stopwatch();
  await writeSynced(`${plainFile}.sync`, JSON.stringify(current));
  const plainWriteSync = stop();
  // Reads, plain and the store's, taken turn about READ_ROUNDS times, each store read by a fresh
  // store instance (its pack indexes loaded again): the first round is a cold read of a new
  // process, the median says what a loaded machine's passing noise does not.
  const plainReads: Timing[] = [];
  const storeReads: Timing[] = [];
  for (let round = 0; round < READ_ROUNDS; round++) {
    collectGarbage();
    stop = stopwatch();
    const parsed = JSON.parse(await readFile(plainFile, "utf8")) as unknown[];
    plainReads.push(stop());
    if (parsed.length !== current.length) throw new Error("plain read lost records");
    const reader = await createFileStore({ directory: join(args.directory, "store") });
    collectGarbage();
    stop = stopwatch();
    let read = 0;
    for await (const record of reader.readRecords(TENANT, lastId)) if (record.hash) read++;
    storeReads.push(stop());
    await reader.close();
    if (read !== current.length) throw new Error(`read ${read} records, expected ${current.length}`);
  }
  const store = await createFileStore({ directory: join(args.directory, "store") });
  collectGarbage();
  stop = stopwatch();
  let indexed = 0;
  for await (const entry of store.readIndex(TENANT, lastId)) if (entry.hash) indexed++;
  const readIndex = stop();
  if (indexed !== current.length) throw new Error(`indexed ${indexed} records, expected ${current.length}`);
  const verify = await store.verify();
  if (!verify.ok) throw new Error(`verify found ${verify.problems.length} problems`);
  await store.close();
  return {
    snapshots: args.snapshots,
    records: args.records,
    naiveBytes,
    disk,
    firstWriteMs,
    churnWriteMs,
    plainWriteMs,
    plainWriteSyncMs: plainWriteSync.ms,
    plainReadMs: plainReads[0]!.ms,
    readMs: storeReads[0]!.ms,
    reads: { plain: plainReads, store: storeReads },
    firstWrites: { plain: plainFirstWrites, store: firstWrites },
    readIndexMs: readIndex.ms,
    cpu: {
      firstWrite: firstWriteCpuMs,
      plainWriteSync: plainWriteSync.cpuMs,
      plainRead: plainReads[0]!.cpuMs,
      read: storeReads[0]!.cpuMs,
      readIndex: readIndex.cpuMs,
    },
    snapshotJsonBytes: Buffer.byteLength(text),
  };
}

/** Writes one snapshot of `records` resources, generated on the fly (never all in memory). */
export async function writeLarge(args: { directory: string; records: number }) {
  await rm(args.directory, { recursive: true, force: true });
  const written = await writeSnapshot(args.directory, tenantRecords(args.records, 99), true);
  return written;
}

/** Reads the snapshot `writeLarge` wrote, record by record. */
export async function readLarge(args: { directory: string }) {
  const store = await createFileStore({ directory: args.directory });
  const [latest] = await store.listSnapshots(TENANT, { limit: 1 });
  let count = 0;
  for await (const record of store.readRecords(TENANT, latest?.id ?? "")) if (record.config) count++;
  await store.close();
  return { count };
}

/**
 * Size and time of each codec of the store on resource documents (compressed in blocks of about
 * 8 KB, as pack files hold them) and on the record index lines (as one piece), against one file
 * per document compressed with gzip (format 1 of the store).
 */
export async function compression(args: { records: number }) {
  const docs: Buffer[] = [];
  const lines: string[] = [];
  for (const record of tenantRecords(args.records)) {
    const { config, ...indexed } = record;
    docs.push(Buffer.from(JSON.stringify(config)));
    lines.push(JSON.stringify(indexed));
  }
  const manifest = Buffer.from(`${lines.join("\n")}\n`);
  const blocks: Buffer[] = [];
  for (let start = 0; start < docs.length; ) {
    let end = start;
    let size = 0;
    while (end < docs.length && size < 8192) size += docs[end++]!.length;
    blocks.push(Buffer.concat(docs.slice(start, end)));
    start = end;
  }
  const block = 4096;
  const codecs: [string, (data: Buffer) => Buffer, Buffer[]][] = [
    ["none", (data) => data, blocks],
    ["gzip per document (format 1)", (data) => gzipSync(data), docs],
    ["gzip: DEFLATE level 1 in 8 KB blocks", (data) => deflateRawSync(data, { level: 1 }), blocks],
    [
      "brotli q5 in 8 KB blocks",
      (data) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
      blocks,
    ],
  ];
  return codecs.map(([name, codec, pieces]) => {
    let started = performance.now();
    let docBytes = 0;
    for (const piece of pieces) docBytes += codec(piece).length;
    const docMs = performance.now() - started;
    // Per-document files each take whole file-system blocks; a pack is one file.
    const docBlocks =
      pieces === docs
        ? docs.reduce((sum, doc) => sum + Math.ceil(codec(doc).length / block) * block, 0)
        : Math.ceil(docBytes / block) * block;
    started = performance.now();
    const manifestBytes = codec(manifest).length;
    const manifestMs = performance.now() - started;
    return {
      name,
      docBytes,
      docBlocks,
      docMs,
      manifestBytes,
      manifestMs,
      rawDocs: docs.reduce((sum, doc) => sum + doc.length, 0),
      rawManifest: manifest.length,
    };
  });
}
