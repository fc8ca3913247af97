import { randomBytes } from "node:crypto";
import {
  DriftError,
  type JsonObject,
  type RecordIndexEntry,
  type ResourceRecord,
  type SnapshotCompletion,
  type SnapshotInit,
  type SnapshotMeta,
  type SnapshotWriter,
  storableBatch,
  throwIfAborted,
} from "@azure-drift/core";
import type { AnyBulkWriteOperation, Document, ObjectId } from "mongodb";
import { packJson } from "./codec.js";
import type { StoreContext } from "./context.js";
import { isDuplicateKey, storeError } from "./errors.js";
import { CHUNK_BYTES, CHUNK_RECORDS, STORE_FORMAT_VERSION } from "./layout.js";
import { waitForNoSweep } from "./lease.js";

type WriterState = "open" | "committed" | "aborted" | "failed";

/** What a writer needs from its store besides the shared context. */
export interface WriterHooks {
  /** Hashes the tenant already has documents for (its latest snapshot's), read once. */
  knownHashes(): Promise<Set<string>>;
  settled(writer: MongoSnapshotWriter): void;
}

/** Counts of what a writer sent, for the benchmark's round trips per snapshot. */
export interface WriterStats {
  roundTrips: number;
  documentsInserted: number;
  chunks: number;
}

/**
 * Writes one snapshot: resource documents by idempotent unordered inserts (a duplicate key means
 * the document is there already), the record index in numbered chunks, and at commit one update
 * that flips the snapshot document from `writing` to `complete`. Readers only see `complete`.
 */
export class MongoSnapshotWriter implements SnapshotWriter {
  readonly stats: WriterStats = { roundTrips: 0, documentsInserted: 0, chunks: 0 };
  private state: WriterState = "open";
  private entries: RecordIndexEntry[] = [];
  private entryBytes = 0;
  private configs = new Map<string, JsonObject>();
  private seq = 0;
  private count = 0;
  /** Hashes this writer has made sure are stored (inserted, or found present). */
  private readonly ensured = new Set<string>();
  private readonly flushes = new Set<Promise<void>>();
  private failure: unknown;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly context: StoreContext,
    private readonly hooks: WriterHooks,
    private readonly snapshotDocId: ObjectId,
    readonly writerId: string,
    readonly snapshotId: string,
    private readonly init: SnapshotInit,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.heartbeat = setInterval(() => this.beat(), Math.max(1000, context.staleWriterMs / 4));
    this.heartbeat.unref();
  }

  /**
   * Registers the writer: inserts the snapshot document in state `writing` (the unique index on
   * tenant and snapshot id refuses a second writer of the same id), then waits while another
   * process sweeps the tenant's documents, so none it relies on can be swept before its commit.
   */
  static async open(
    context: StoreContext,
    hooks: WriterHooks,
    init: SnapshotInit,
    snapshotId: string,
    callerChoseId: boolean,
    signal: AbortSignal | undefined,
  ): Promise<MongoSnapshotWriter | undefined> {
    const snapshots = context.collection("snapshots");
    const now = new Date();
    const writerId = randomBytes(8).toString("hex");
    let inserted: ObjectId;
    try {
      const result = await snapshots.insertOne({
        formatVersion: STORE_FORMAT_VERSION,
        tenantId: init.tenantId,
        snapshotId,
        state: "writing",
        writerId,
        heartbeatAt: now,
        startedAt: new Date(init.startedAt),
        scopes: init.scopes.map((scope) => scope.toLowerCase()),
      });
      inserted = result.insertedId as ObjectId;
    } catch (error) {
      if (isDuplicateKey(error)) {
        if (!callerChoseId) return undefined;
        throw new DriftError(
          "E_INPUT",
          `A snapshot with id ${JSON.stringify(snapshotId)} already exists for this tenant; omit \`id\` to get a fresh one.`,
        );
      }
      throw storeError(error, "registering a snapshot write");
    }
    const writer = new MongoSnapshotWriter(context, hooks, inserted, writerId, snapshotId, init, signal);
    try {
      await waitForNoSweep(context, init.tenantId, signal);
    } catch (error) {
      await writer.discard();
      throw storeError(error, "registering a snapshot write");
    }
    return writer;
  }

  private beat(): void {
    this.context
      .collection("snapshots")
      .updateOne({ _id: this.snapshotDocId, state: "writing" }, { $set: { heartbeatAt: new Date() } })
      .catch((error: unknown) =>
        this.context.logger.warn("a snapshot writer's heartbeat failed", {
          snapshotId: this.snapshotId,
          error: String(error),
        }),
      );
  }

  private enter(): void {
    if (this.state === "aborted") {
      throw new DriftError("E_ABORTED", "This snapshot write was aborted; begin a new snapshot.");
    }
    if (this.context.closed) {
      void this.discard();
      this.context.assertOpen();
    }
    if (this.signal?.aborted) {
      void this.discard();
      throwIfAborted(this.signal);
    }
    if (this.state !== "open") {
      throw new DriftError(
        "E_INPUT",
        `This snapshot writer is ${this.state}; begin a new snapshot to write again.`,
      );
    }
    if (this.failure !== undefined) throw this.failure;
  }

  async write(records: ResourceRecord | readonly ResourceRecord[]): Promise<void> {
    this.enter();
    let batch: readonly ResourceRecord[];
    try {
      batch = storableBatch(records);
    } catch (error) {
      // Committing part of what the caller meant to write would lie: the snapshot fails.
      await this.fail();
      throw error;
    }
    // Appended before any await, so concurrent calls keep the order they were made in.
    let flush: Promise<void> | undefined;
    for (const record of batch) {
      const { config, ...entry } = record;
      this.entries.push(entry);
      this.entryBytes += JSON.stringify(entry).length;
      if (!this.ensured.has(record.hash)) this.configs.set(record.hash, config);
      if (this.entries.length >= CHUNK_RECORDS || this.entryBytes >= CHUNK_BYTES) flush = this.flush();
    }
    if (flush) await flush;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Sends the buffered entries as the next chunk; failures fail the writer and surface on the next call. */
  private flush(): Promise<void> {
    const entries = this.entries;
    const configs = this.configs;
    const seq = this.seq++;
    this.entries = [];
    this.entryBytes = 0;
    this.configs = new Map();
    this.count += entries.length;
    const done = this.sendChunk(seq, entries, configs).catch((error: unknown) => {
      this.failure ??= storeError(error, `writing snapshot ${this.snapshotId}`);
    });
    this.flushes.add(done);
    return done.finally(() => this.flushes.delete(done));
  }

  private async sendChunk(seq: number, entries: RecordIndexEntry[], configs: Map<string, JsonObject>) {
    const known = await this.hooks.knownHashes();
    const tenantId = this.init.tenantId;
    const missing = [...configs].filter(([hash]) => !known.has(hash) && !this.ensured.has(hash));
    if (missing.length > 0) {
      const documents = await Promise.all(
        missing.map(async ([hash, config]) => ({ tenantId, hash, config: await packJson(config) })),
      );
      const operations: AnyBulkWriteOperation<Document>[] = documents.map((document) => ({
        insertOne: { document },
      }));
      try {
        this.stats.roundTrips++;
        const result = await this.context.collection("documents").bulkWrite(operations, { ordered: false });
        this.stats.documentsInserted += result.insertedCount;
      } catch (error) {
        // Duplicate keys are documents another writer (or an earlier snapshot) stored: the same bytes.
        const writeErrors = (error as { writeErrors?: unknown[] }).writeErrors;
        const all = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
        if (all.length === 0 || !all.every(isDuplicateKey)) throw error;
        this.stats.documentsInserted += missing.length - all.length;
      }
    }
    for (const hash of configs.keys()) this.ensured.add(hash);
    this.stats.roundTrips++;
    await this.context.collection("manifests").insertOne({
      tenantId,
      snapshotId: this.snapshotId,
      writerId: this.writerId,
      seq,
      count: entries.length,
      records: await packJson(entries),
    });
    this.stats.chunks++;
  }

  async commit(completion: SnapshotCompletion): Promise<SnapshotMeta> {
    this.enter();
    if (
      typeof completion !== "object" ||
      completion === null ||
      typeof completion.finishedAt !== "string" ||
      Number.isNaN(Date.parse(completion.finishedAt)) ||
      !Array.isArray(completion.collectors) ||
      !Array.isArray(completion.coverage)
    ) {
      await this.fail();
      throw new DriftError("E_INPUT", "commit needs { finishedAt, collectors, coverage }.");
    }
    if (this.entries.length > 0) void this.flush();
    while (this.flushes.size > 0) await Promise.all([...this.flushes]);
    if (this.failure !== undefined) {
      const failure = this.failure;
      await this.fail();
      throw failure;
    }
    this.enter();
    const meta: SnapshotMeta = {
      formatVersion: 1,
      id: this.snapshotId,
      tenantId: this.init.tenantId,
      scopes: [...this.init.scopes],
      startedAt: this.init.startedAt,
      finishedAt: completion.finishedAt,
      collectors: structuredClone(completion.collectors),
      coverage: structuredClone(completion.coverage),
      resourceCount: this.count,
      ...(this.init.source === undefined ? {} : { source: this.init.source }),
    };
    let flipped: number;
    try {
      this.stats.roundTrips++;
      // The one write that makes the snapshot visible, whole.
      const result = await this.context.collection("snapshots").updateOne(
        { _id: this.snapshotDocId, state: "writing", writerId: this.writerId },
        {
          $set: {
            state: "complete",
            finishedAt: new Date(completion.finishedAt),
            chunks: this.seq,
            meta: JSON.stringify(meta),
          },
        },
      );
      flipped = result.matchedCount;
    } catch (error) {
      await this.fail();
      throw storeError(error, `committing snapshot ${this.snapshotId}`);
    }
    if (flipped !== 1) {
      await this.fail();
      throw new DriftError(
        "E_STORE",
        `Snapshot ${this.snapshotId} was not committed: its write was idle longer than ${this.context.staleWriterMs} ms and was collected as abandoned. Run the command again.`,
      );
    }
    this.state = "committed";
    this.release();
    return meta;
  }

  async abort(): Promise<void> {
    if (this.state === "committed") return;
    await this.discard();
  }

  /** Drops the snapshot: abort, a fired signal, the store closing. */
  async discard(): Promise<void> {
    if (this.state === "committed") return;
    const first = this.state === "open";
    this.state = "aborted";
    if (first) await this.cleanUp();
  }

  private async fail(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "failed";
    await this.cleanUp();
  }

  /**
   * Removes what the writer wrote, chunks first, its snapshot document last (so what is left after
   * an interruption is still findable). Documents stay: other snapshots may use them; the next
   * prune sweeps those nothing references. If the server is gone, prune collects it all later.
   */
  private async cleanUp(): Promise<void> {
    this.release();
    await Promise.allSettled([...this.flushes]);
    try {
      await this.context.collection("manifests").deleteMany({
        tenantId: this.init.tenantId,
        snapshotId: this.snapshotId,
        writerId: this.writerId,
      });
      await this.context.collection("snapshots").deleteOne({ _id: this.snapshotDocId, state: "writing" });
    } catch (error) {
      this.context.logger.warn("an interrupted snapshot write left data; the next prune removes it", {
        snapshotId: this.snapshotId,
        error: String(error),
      });
    }
  }

  private release(): void {
    clearInterval(this.heartbeat);
    this.entries = [];
    this.configs = new Map();
    this.hooks.settled(this);
  }
}
