import { randomBytes } from "node:crypto";
import {
  type Baseline,
  checkListQuery,
  DriftError,
  type DriftReport,
  type ListQuery,
  type Logger,
  newestFirst,
  noopLogger,
  type OperationOptions,
  type PruneOptions,
  type PruneResult,
  type RecordIndexEntry,
  type ReportSummaryEntry,
  type ResourceRecord,
  type SnapshotInit,
  type SnapshotMeta,
  type SnapshotWriter,
  type Store,
  type StoredConfig,
  throwIfAborted,
} from "@azure-drift/core";
import type { Db, Document, Filter, MongoClient } from "mongodb";
import { bytesOf, packJson, unpackJson } from "./codec.js";
import { type MongoConnectionOptions, openMongoConnection, redactUri } from "./connection.js";
import { ensureIndexes, StoreContext } from "./context.js";
import { storeError } from "./errors.js";
import { LOOKUP_BATCH, REPORT_CHUNK_BYTES, STORE_FORMAT_VERSION } from "./layout.js";
import { pruneTenant } from "./retention.js";
import { isHashShaped, nameOf, timeOf } from "./values.js";
import { MongoSnapshotWriter } from "./writer.js";

/** Options of {@link createMongoStore}. */
export interface MongoStoreOptions extends MongoConnectionOptions {
  /** A writer idle (no heartbeat) this long was interrupted; prune collects what it left. Default 60 s. */
  staleWriterMs?: number;
  /** How long a writer waits for another process's document sweep of its tenant. Default 30 s. */
  lockTimeoutMs?: number;
  logger?: Logger;
  /**
   * How resource documents are looked up. `batched`: `$in` batches of 1,000 hashes on the
   * `tenant_hash` index (what MongoDB and Cosmos DB do well). `scan`: one pass over the tenant's
   * documents per read, for servers that use no index in queries (FerretDB 1.x on SQLite, where
   * each `$in` lookup scans the collection). `auto` (default) picks `scan` on FerretDB only.
   */
  lookups?: "auto" | "batched" | "scan";
}

/** The MongoDB store: a {@link Store} plus what a service operating it needs. */
export interface MongoStore extends Store {
  /** The database the store uses. */
  readonly database: string;
  /** Creates the store's collections' indexes where missing (done on open too); answers their names. */
  ensureIndexes(): Promise<Record<string, string[]>>;
}

/**
 * Opens a MongoDB store: connects (the caller's client, `uri`, or `MONGODB_URI`), creates the
 * indexes where missing, and answers a {@link MongoStore}. `E_STORE` when the server cannot be
 * reached, naming it without credentials.
 */
export async function createMongoStore(options: MongoStoreOptions = {}): Promise<MongoStore> {
  const connection = await openMongoConnection(options);
  const description = describeClient(connection.client, connection.database);
  try {
    await connection.client.connect();
    const db = connection.client.db(connection.database);
    await ensureIndexes(db);
    const lookups = options.lookups ?? "auto";
    if (!["auto", "batched", "scan"].includes(lookups)) {
      throw new DriftError(
        "E_INPUT",
        `lookups must be auto, batched or scan; got ${JSON.stringify(lookups)}.`,
      );
    }
    const context = new StoreContext(
      db,
      options.logger ?? noopLogger,
      Math.max(2000, options.staleWriterMs ?? 60_000),
      options.lockTimeoutMs ?? 30_000,
      description,
      lookups === "auto" ? ((await isFerretDb(db)) ? "scan" : "batched") : lookups,
    );
    return new MongoStoreImpl(context, connection.client, connection.owned, connection.database);
  } catch (error) {
    if (connection.owned) await connection.client.close().catch(() => {});
    throw storeError(error, `opening the store at ${description}`);
  }
}

/** Whether the server is FerretDB (its buildInfo names its version), which uses no index in queries. */
async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === "string";
}

function describeClient(client: MongoClient, database: string): string {
  const hosts = client.options?.hosts?.map((host) => host.toString()).join(",") ?? "";
  return redactUri(`mongodb://${hosts}/${database}`);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

/** A sortable id from a time: `20240102t030405678z-1a2b3c4d` (as the other stores make them). */
function sortableId(time: string): string {
  const iso = new Date(Date.parse(time)).toISOString();
  return `${iso.replace(/[-:.]/g, "").toLowerCase()}-${randomBytes(4).toString("hex")}`;
}

interface SnapshotDocument {
  formatVersion: number;
  tenantId: string;
  snapshotId: string;
  state: "writing" | "complete" | "removing";
  writerId: string;
  chunks?: number;
  meta?: string;
}

interface ReportDocument {
  formatVersion: number;
  tenantId: string;
  reportId: string;
  version: string;
  chunks: number;
  createdAt: Date;
  entry: string;
}

/** Parses a snapshot's metadata, refusing documents of another format version. */
function metaOf(document: SnapshotDocument): SnapshotMeta {
  if (document.formatVersion !== STORE_FORMAT_VERSION) {
    throw new DriftError(
      "E_SNAPSHOT_VERSION",
      `Snapshot ${document.snapshotId} has store format version ${String(document.formatVersion)}; this release reads ${STORE_FORMAT_VERSION}. Upgrade @azure-drift/store-mongo.`,
    );
  }
  try {
    return JSON.parse(document.meta ?? "") as SnapshotMeta;
  } catch (error) {
    throw new DriftError(
      "E_STORE_CORRUPT",
      `Snapshot ${document.snapshotId}'s metadata is damaged; delete that snapshot (prune) or restore the database from a backup.`,
      { cause: error },
    );
  }
}

class MongoStoreImpl implements MongoStore {
  private readonly writers = new Set<MongoSnapshotWriter>();
  /** Operations in flight, so close() can wait for them (drain) before closing the client. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly context: StoreContext,
    private readonly client: MongoClient,
    private readonly ownsClient: boolean,
    readonly database: string,
  ) {}

  private async run<T>(doing: string, work: () => Promise<T>): Promise<T> {
    this.context.assertOpen();
    const pending = work().catch((error: unknown) => {
      throw storeError(error, doing);
    });
    this.inFlight.add(pending);
    try {
      return await pending;
    } finally {
      this.inFlight.delete(pending);
    }
  }

  async ensureIndexes(): Promise<Record<string, string[]>> {
    return this.run("creating indexes", () => ensureIndexes(this.context.db));
  }

  // ---- snapshots -------------------------------------------------------------------------------

  async beginSnapshot(init: SnapshotInit, options?: OperationOptions): Promise<SnapshotWriter> {
    this.context.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof init !== "object" || init === null)
      throw new DriftError("E_INPUT", "beginSnapshot needs an init object.");
    const tenantId = nameOf(init.tenantId, "tenant id");
    if (!Array.isArray(init.scopes) || init.scopes.some((scope) => typeof scope !== "string")) {
      throw new DriftError("E_INPUT", "SnapshotInit.scopes must be an array of subscription ids.");
    }
    timeOf(init.startedAt, "SnapshotInit.startedAt");
    if (init.source !== undefined && typeof init.source !== "string") {
      throw new DriftError("E_INPUT", "SnapshotInit.source must be a string.");
    }
    const chosen = init.id !== undefined;
    const snapshotInit: SnapshotInit = structuredClone(init);
    if (chosen) nameOf(init.id, "snapshot id");
    let known: Promise<Set<string>> | undefined;
    const hooks = {
      knownHashes: () => {
        known ??= this.latestHashes(tenantId, snapshotInit.scopes);
        return known;
      },
      settled: (writer: MongoSnapshotWriter) => this.writers.delete(writer),
    };
    return this.run("beginning a snapshot", async () => {
      for (;;) {
        const snapshotId = chosen ? init.id! : sortableId(init.startedAt);
        const writer = await MongoSnapshotWriter.open(
          this.context,
          hooks,
          snapshotInit,
          snapshotId,
          chosen,
          options?.signal,
        );
        if (writer) {
          this.writers.add(writer);
          return writer;
        }
      }
    });
  }

  /**
   * Hashes of the tenant's newest snapshot sharing a scope with `scopes` (else its newest): their
   * documents are stored, so a writer sends only the others. Safe against prune: a registered
   * writer blocks document sweeps of its tenant until it settles.
   */
  private async latestHashes(tenantId: string, scopes: readonly string[]): Promise<Set<string>> {
    const wanted = scopes.map((scope) => scope.toLowerCase());
    const snapshots = this.context.collection<SnapshotDocument>("snapshots");
    const newest =
      (wanted.length > 0
        ? await snapshots.findOne(
            { tenantId, state: "complete", scopes: { $in: wanted } },
            { sort: { startedAt: -1, snapshotId: -1 } },
          )
        : null) ??
      (await snapshots.findOne({ tenantId, state: "complete" }, { sort: { startedAt: -1, snapshotId: -1 } }));
    const hashes = new Set<string>();
    if (!newest) return hashes;
    for await (const entries of this.entriesOf(newest)) for (const entry of entries) hashes.add(entry.hash);
    return hashes;
  }

  private async findSnapshot(tenantId: string, snapshotId: string): Promise<SnapshotDocument | null> {
    return this.context.collection<SnapshotDocument>("snapshots").findOne({
      tenantId: nameOf(tenantId, "tenant id"),
      snapshotId: nameOf(snapshotId, "snapshot id"),
      state: "complete",
    });
  }

  private async requireSnapshot(tenantId: string, snapshotId: string): Promise<SnapshotDocument> {
    const found = await this.run(`reading snapshot ${snapshotId}`, () =>
      this.findSnapshot(tenantId, snapshotId),
    );
    if (!found) {
      throw new DriftError(
        "E_NOT_FOUND",
        `Tenant ${tenantId} has no snapshot ${JSON.stringify(snapshotId)}; list snapshots to see which exist.`,
        { details: { tenantId, snapshotId } },
      );
    }
    return found;
  }

  async getSnapshot(tenantId: string, snapshotId: string): Promise<SnapshotMeta | undefined> {
    const found = await this.run("reading a snapshot", () => this.findSnapshot(tenantId, snapshotId));
    return found ? metaOf(found) : undefined;
  }

  async listSnapshots(tenantId: string, query: ListQuery = {}): Promise<SnapshotMeta[]> {
    this.context.assertOpen();
    const filter = snapshotFilter(tenantId, query);
    if (query.limit === 0) return [];
    return this.run("listing snapshots", async () => {
      const cursor = this.context.collection<SnapshotDocument>("snapshots").find(filter, {
        sort: { startedAt: -1, snapshotId: -1 },
        projection: { meta: 1, formatVersion: 1, snapshotId: 1 },
      });
      if (query.limit !== undefined) cursor.limit(query.limit);
      return (await cursor.toArray()).map(metaOf).sort(newestFirst);
    });
  }

  async latestSnapshot(
    tenantId: string,
    query: Omit<ListQuery, "limit"> = {},
  ): Promise<SnapshotMeta | undefined> {
    return (await this.listSnapshots(tenantId, { ...query, limit: 1 }))[0];
  }

  /** A snapshot's index entries, chunk by chunk in write order; checks every chunk is there. */
  private async *entriesOf(
    snapshot: SnapshotDocument,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordIndexEntry[]> {
    const cursor = this.context
      .collection("manifests")
      .find(
        { tenantId: snapshot.tenantId, snapshotId: snapshot.snapshotId, writerId: snapshot.writerId },
        { sort: { seq: 1 }, batchSize: 4 },
      );
    let expected = 0;
    try {
      for await (const chunk of cursor) {
        this.context.assertOpen();
        throwIfAborted(signal);
        if (chunk.seq !== expected) break;
        expected++;
        yield await unpackJson<RecordIndexEntry[]>(chunk.records);
      }
    } catch (error) {
      throw storeError(error, `reading snapshot ${snapshot.snapshotId}`);
    } finally {
      await cursor.close().catch(() => {});
    }
    if (expected !== snapshot.chunks) {
      throw new DriftError(
        "E_STORE_CORRUPT",
        `Snapshot ${snapshot.snapshotId} of tenant ${snapshot.tenantId} lacks index chunk ${expected} of ${String(snapshot.chunks)} (pruned while read, or damaged). Read it again; if this persists, prune that snapshot.`,
        { details: { tenantId: snapshot.tenantId, snapshotId: snapshot.snapshotId } },
      );
    }
  }

  async *readIndex(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions = {},
  ): AsyncIterable<RecordIndexEntry> {
    this.context.assertOpen();
    throwIfAborted(options.signal);
    const snapshot = await this.requireSnapshot(tenantId, snapshotId);
    for await (const entries of this.entriesOf(snapshot, options.signal)) yield* entries;
  }

  async *readRecords(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions & { keys?: Iterable<string> } = {},
  ): AsyncIterable<ResourceRecord> {
    this.context.assertOpen();
    throwIfAborted(options.signal);
    const keys = options.keys === undefined ? undefined : new Set(options.keys);
    const snapshot = await this.requireSnapshot(tenantId, snapshotId);
    if (keys?.size === 0) return;
    const wanted = async function* (chunks: AsyncIterable<RecordIndexEntry[]>) {
      for await (const chunk of chunks) yield keys ? chunk.filter((entry) => keys.has(entry.key)) : chunk;
    };
    let groups: AsyncIterable<RecordIndexEntry[]> | RecordIndexEntry[][] = wanted(
      this.entriesOf(snapshot, options.signal),
    );
    // One scan of the tenant's documents serves the whole read where lookups by index are not used.
    if (this.context.lookups === "scan") groups = [(await collect(groups)).flat()];
    for await (const entries of groups) {
      if (entries.length === 0) continue;
      const packed = new Map<string, Uint8Array>();
      for await (const { hash, bytes } of this.packedConfigs(
        tenantId,
        entries.map((entry) => entry.hash),
        options.signal,
      )) {
        packed.set(hash, bytes);
      }
      for (const entry of entries) {
        const bytes = packed.get(entry.hash);
        if (bytes === undefined) {
          throw new DriftError(
            "E_STORE_CORRUPT",
            `Snapshot ${snapshotId} references resource document ${entry.hash}, which is missing. Prune that snapshot or restore the database from a backup.`,
            { details: { tenantId, snapshotId, hash: entry.hash } },
          );
        }
        yield { ...entry, config: await unpackJson(bytes) } as ResourceRecord;
      }
    }
  }

  /**
   * The tenant's stored (gzipped) configs for these hashes, each once: `$in` batches on the
   * `tenant_hash` index, or, where the server uses no index in queries (FerretDB), one scan of the
   * tenant's documents, since there every lookup would scan the collection anyway.
   */
  private async *packedConfigs(
    tenantId: string,
    hashes: Iterable<string>,
    signal?: AbortSignal,
  ): AsyncGenerator<{ hash: string; bytes: Uint8Array }> {
    const unique = [...new Set([...hashes].filter(isHashShaped))];
    const documents = this.context.collection("documents");
    const projection = { _id: 0, hash: 1, config: 1 };
    const batches =
      this.context.lookups === "scan"
        ? unique.length === 0
          ? []
          : [{ filter: { tenantId }, wanted: new Set(unique) }]
        : Array.from({ length: Math.ceil(unique.length / LOOKUP_BATCH) }, (_, index) => {
            const batch = unique.slice(index * LOOKUP_BATCH, (index + 1) * LOOKUP_BATCH);
            return { filter: { tenantId, hash: { $in: batch } }, wanted: new Set(batch) };
          });
    for (const { filter, wanted } of batches) {
      this.context.assertOpen();
      throwIfAborted(signal);
      const cursor = documents.find(filter, { projection, batchSize: 1000 });
      try {
        for await (const document of cursor) {
          // A copy: the driver's bytes may be a view of a whole reply batch.
          if (wanted.delete(document.hash as string))
            yield { hash: document.hash as string, bytes: Buffer.from(bytesOf(document.config)) };
          if (wanted.size === 0) break;
        }
      } catch (error) {
        throw storeError(error, "reading resource documents");
      } finally {
        await cursor.close().catch(() => {});
      }
    }
  }

  async *readConfigs(
    tenantId: string,
    hashes: Iterable<string>,
    options: OperationOptions = {},
  ): AsyncIterable<StoredConfig> {
    this.context.assertOpen();
    throwIfAborted(options.signal);
    for await (const { hash, bytes } of this.packedConfigs(
      nameOf(tenantId, "tenant id"),
      hashes,
      options.signal,
    )) {
      yield { hash, config: await unpackJson(bytes) };
    }
  }

  // ---- reports ---------------------------------------------------------------------------------

  async putReport(report: DriftReport, options?: OperationOptions): Promise<void> {
    this.context.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof report !== "object" || report === null) {
      throw new DriftError("E_INPUT", "putReport needs a DriftReport with tenantId, id and createdAt.");
    }
    const tenantId = nameOf(report.tenantId, "tenant id");
    const reportId = nameOf(report.id, "report id");
    const createdAt = timeOf(report.createdAt, "createdAt");
    const entry: ReportSummaryEntry = {
      id: reportId,
      createdAt: report.createdAt,
      ...(report.base?.snapshotId === undefined ? {} : { baseSnapshotId: report.base.snapshotId }),
      ...(report.current?.snapshotId === undefined ? {} : { currentSnapshotId: report.current.snapshotId }),
      summary: report.summary,
    };
    const body = await packJson(report);
    throwIfAborted(options?.signal);
    await this.run(`saving report ${reportId}`, async () => {
      const version = randomBytes(8).toString("hex");
      const chunks: Document[] = [];
      for (let seq = 0, start = 0; start < body.length || seq === 0; seq++, start += REPORT_CHUNK_BYTES) {
        chunks.push({
          tenantId,
          reportId,
          version,
          seq,
          data: body.subarray(start, start + REPORT_CHUNK_BYTES),
        });
      }
      await this.context.collection("reportChunks").insertMany(chunks, { ordered: false });
      // The report appears (or is replaced) by this one write; the chunks it replaced go after.
      const previous = await this.context.collection<ReportDocument>("reports").findOneAndReplace(
        { tenantId, reportId },
        {
          formatVersion: STORE_FORMAT_VERSION,
          tenantId,
          reportId,
          version,
          chunks: chunks.length,
          createdAt,
          entry: JSON.stringify(entry),
        },
        // No projection: FerretDB 1.24 refuses findAndModify's "fields" (NotImplemented).
        { upsert: true, returnDocument: "before" },
      );
      if (previous) {
        await this.context
          .collection("reportChunks")
          .deleteMany({ tenantId, reportId, version: previous.version });
      }
    });
  }

  async getReport(tenantId: string, reportId: string): Promise<DriftReport | undefined> {
    const tenant = nameOf(tenantId, "tenant id");
    const id = nameOf(reportId, "report id");
    return this.run(`reading report ${reportId}`, async () => {
      // Twice at most: a report replaced between the two reads is read again at its new version.
      for (let attempt = 0; ; attempt++) {
        const header = await this.context
          .collection<ReportDocument>("reports")
          .findOne({ tenantId: tenant, reportId: id });
        if (!header) return undefined;
        const chunks = await this.context
          .collection("reportChunks")
          .find({ tenantId: tenant, reportId: id, version: header.version }, { sort: { seq: 1 } })
          .toArray();
        if (chunks.length === header.chunks && chunks.every((chunk, index) => chunk.seq === index)) {
          return unpackJson<DriftReport>(Buffer.concat(chunks.map((chunk) => bytesOf(chunk.data))));
        }
        if (attempt > 0) {
          throw new DriftError(
            "E_STORE_CORRUPT",
            `Report ${reportId} of tenant ${tenantId} lacks some of its ${header.chunks} chunks; save it again or restore the database from a backup.`,
          );
        }
      }
    });
  }

  async listReports(tenantId: string, query: Omit<ListQuery, "scope"> = {}): Promise<ReportSummaryEntry[]> {
    this.context.assertOpen();
    const tenant = nameOf(tenantId, "tenant id");
    const range = checkListQuery(query);
    if (query.limit === 0) return [];
    const filter: Filter<ReportDocument> = { tenantId: tenant };
    if (range.since !== undefined || range.until !== undefined) {
      filter.createdAt = {
        ...(range.since === undefined ? {} : { $gte: new Date(range.since) }),
        ...(range.until === undefined ? {} : { $lt: new Date(range.until) }),
      };
    }
    return this.run("listing reports", async () => {
      const cursor = this.context
        .collection<ReportDocument>("reports")
        .find(filter, { sort: { createdAt: -1, reportId: -1 }, projection: { entry: 1 } });
      if (query.limit !== undefined) cursor.limit(query.limit);
      return (await cursor.toArray()).map((document) => JSON.parse(document.entry) as ReportSummaryEntry);
    });
  }

  // ---- baselines -------------------------------------------------------------------------------

  async putBaseline(baseline: Baseline, options?: OperationOptions): Promise<void> {
    this.context.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof baseline !== "object" || baseline === null) {
      throw new DriftError("E_INPUT", "putBaseline needs { tenantId, name, snapshotId, createdAt }.");
    }
    const tenantId = nameOf(baseline.tenantId, "tenant id");
    const name = nameOf(baseline.name, "baseline name");
    const snapshotId = nameOf(baseline.snapshotId, "baseline's snapshot id");
    timeOf(baseline.createdAt, "createdAt");
    // A baseline pins a snapshot of its own tenant only: another tenant's id is not found here.
    await this.requireSnapshot(tenantId, snapshotId);
    const stored = JSON.stringify(baseline);
    const baselines = this.context.collection("baselines");
    await this.run(`saving baseline ${name}`, async () => {
      await baselines.replaceOne(
        { tenantId, name },
        { tenantId, name, snapshotId, baseline: stored },
        { upsert: true },
      );
      // A prune that removed the snapshot meanwhile did not see this baseline: undo, and say so.
      if (!(await this.findSnapshot(tenantId, snapshotId))) {
        await baselines.deleteOne({ tenantId, name, baseline: stored });
        throw new DriftError(
          "E_NOT_FOUND",
          `Snapshot ${snapshotId} was pruned while baseline ${name} was saved; choose another snapshot.`,
        );
      }
    });
  }

  async getBaseline(tenantId: string, name: string): Promise<Baseline | undefined> {
    const tenant = nameOf(tenantId, "tenant id");
    const baselineName = nameOf(name, "baseline name");
    const found = await this.run("reading a baseline", () =>
      this.context.collection("baselines").findOne({ tenantId: tenant, name: baselineName }),
    );
    return found ? (JSON.parse(found.baseline as string) as Baseline) : undefined;
  }

  async listBaselines(tenantId: string): Promise<Baseline[]> {
    const tenant = nameOf(tenantId, "tenant id");
    const found = await this.run("listing baselines", () =>
      this.context.collection("baselines").find({ tenantId: tenant }).toArray(),
    );
    return found
      .map((document) => JSON.parse(document.baseline as string) as Baseline)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deleteBaseline(tenantId: string, name: string): Promise<boolean> {
    const tenant = nameOf(tenantId, "tenant id");
    const baselineName = nameOf(name, "baseline name");
    const result = await this.run("deleting a baseline", () =>
      this.context.collection("baselines").deleteOne({ tenantId: tenant, name: baselineName }),
    );
    return result.deletedCount === 1;
  }

  // ---- retention and lifecycle -----------------------------------------------------------------

  async prune(tenantId: string, options: PruneOptions): Promise<PruneResult> {
    this.context.assertOpen();
    throwIfAborted(options?.signal);
    const tenant = nameOf(tenantId, "tenant id");
    return this.run(`pruning tenant ${tenantId}`, () => pruneTenant(this.context, tenant, options ?? {}));
  }

  async close(): Promise<void> {
    if (this.context.closed) return;
    this.context.closed = true;
    // Drain: what is in flight finishes, then open writers remove what they wrote.
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.writers].map((writer) => writer.discard()));
    if (this.ownsClient) await this.client.close();
  }
}

/** The filter of a snapshot listing: the tenant, complete snapshots, the scope and time range. */
function snapshotFilter(tenantId: string, query: ListQuery): Filter<SnapshotDocument> {
  const range = checkListQuery(query);
  const filter: Filter<Document> = { tenantId: nameOf(tenantId, "tenant id"), state: "complete" };
  if (query.scope !== undefined) filter.scopes = nameOf(query.scope, "scope").toLowerCase();
  if (range.since !== undefined || range.until !== undefined) {
    filter.startedAt = {
      ...(range.since === undefined ? {} : { $gte: new Date(range.since) }),
      ...(range.until === undefined ? {} : { $lt: new Date(range.until) }),
    };
  }
  return filter as Filter<SnapshotDocument>;
}
