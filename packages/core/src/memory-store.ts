import { DriftError, throwIfAborted } from "./errors.js";
import type { Baseline, DriftReport, JsonObject, ResourceRecord, SnapshotMeta } from "./model.js";
import type { OperationOptions } from "./operation.js";
import type {
  ListQuery,
  PruneOptions,
  PruneResult,
  RecordIndexEntry,
  ReportSummaryEntry,
  SnapshotCompletion,
  SnapshotInit,
  SnapshotWriter,
  Store,
  StoredConfig,
} from "./store.js";
import {
  checkListQuery,
  isInTimeRange,
  selectForPrune,
  selectSnapshots,
  storableBatch,
} from "./store-kit.js";

/** The snapshot metadata version this store writes (the same as the snapshot file format's). */
const SNAPSHOT_META_VERSION = 1;
/** Entries per batch of readIndexBatches. */
const INDEX_BATCH = 1024;

/** A record without its config: the config lives once per hash in the tenant's documents. */
type StoredRecord = Omit<ResourceRecord, "config">;

interface StoredSnapshot {
  meta: SnapshotMeta;
  records: StoredRecord[];
}

interface TenantData {
  snapshots: Map<string, StoredSnapshot>;
  /** Content-addressed resource documents: hash → config. */
  documents: Map<string, JsonObject>;
  reports: Map<string, DriftReport>;
  baselines: Map<string, Baseline>;
  /** Snapshot ids being written, so two writers cannot pick the same id. */
  pending: Set<string>;
}

/**
 * An in-memory {@link Store}: for tests, for embedding where persistence is not needed, and as the
 * reference the other stores must behave like (it passes `@azure-drift/testing`'s
 * `storeConformanceSuite`). Documents are content-addressed per tenant, as in a real store; what
 * callers pass in or get back is copied, so nobody can change stored data by mutating objects.
 */
export function createMemoryStore(): Store {
  return new MemoryStore();
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A sortable id from a time: `20240102t030405678z-1a2b3c4d`. */
export function sortableId(time: string | Date = new Date()): string {
  const parsed = typeof time === "string" ? Date.parse(time) : time.getTime();
  const iso = new Date(Number.isNaN(parsed) ? Date.now() : parsed).toISOString();
  const random = Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
  return `${iso.replace(/[-:.]/g, "").toLowerCase()}-${random}`;
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new DriftError("E_INPUT", `The ${what} must be a non-empty string; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new DriftError("E_INPUT", `${name} must be an ISO time; got ${JSON.stringify(value)}.`);
  return time;
}

class MemoryStore implements Store {
  private closed = false;
  private readonly tenants = new Map<string, TenantData>();
  private readonly writers = new Set<MemorySnapshotWriter>();

  assertOpen(): void {
    if (this.closed) {
      throw new DriftError(
        "E_STORE_CLOSED",
        "The memory store is closed; create a new one with createMemoryStore().",
      );
    }
  }

  /** The tenant's data; created only for writes, so reads of an unknown tenant allocate nothing. */
  tenant(tenantId: string, create: true): TenantData;
  tenant(tenantId: string, create?: false): TenantData | undefined;
  tenant(tenantId: string, create = false): TenantData | undefined {
    requireText(tenantId, "tenant id");
    let data = this.tenants.get(tenantId);
    if (!data && create) {
      data = {
        snapshots: new Map(),
        documents: new Map(),
        reports: new Map(),
        baselines: new Map(),
        pending: new Set(),
      };
      this.tenants.set(tenantId, data);
    }
    return data;
  }

  private requireSnapshot(
    tenantId: string,
    snapshotId: string,
  ): { data: TenantData; snapshot: StoredSnapshot } {
    const data = this.tenant(tenantId);
    const snapshot = typeof snapshotId === "string" ? data?.snapshots.get(snapshotId) : undefined;
    if (!data || !snapshot) {
      throw new DriftError(
        "E_NOT_FOUND",
        `Tenant ${tenantId} has no snapshot ${JSON.stringify(snapshotId)}; list snapshots to see which exist.`,
        { details: { tenantId, snapshotId } },
      );
    }
    return { data, snapshot };
  }

  // ---- snapshots -------------------------------------------------------------------------------

  async beginSnapshot(init: SnapshotInit, options?: OperationOptions): Promise<SnapshotWriter> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof init !== "object" || init === null)
      throw new DriftError("E_INPUT", "beginSnapshot needs an init object.");
    const data = this.tenant(init.tenantId, true);
    if (!Array.isArray(init.scopes) || init.scopes.some((scope) => typeof scope !== "string")) {
      throw new DriftError("E_INPUT", "SnapshotInit.scopes must be an array of subscription ids.");
    }
    if (typeof init.startedAt !== "string" || Number.isNaN(Date.parse(init.startedAt))) {
      throw new DriftError(
        "E_INPUT",
        `SnapshotInit.startedAt must be an ISO time; got ${JSON.stringify(init.startedAt)}.`,
      );
    }
    let snapshotId = init.id;
    if (snapshotId !== undefined) {
      requireText(snapshotId, "snapshot id");
      if (data.snapshots.has(snapshotId) || data.pending.has(snapshotId)) {
        throw new DriftError(
          "E_INPUT",
          `A snapshot with id ${JSON.stringify(snapshotId)} already exists for this tenant; omit \`id\` to get a fresh one.`,
        );
      }
    } else {
      do snapshotId = sortableId(init.startedAt);
      while (data.snapshots.has(snapshotId) || data.pending.has(snapshotId));
    }
    data.pending.add(snapshotId);
    const writer = new MemorySnapshotWriter(this, data, snapshotId, structuredClone(init), options?.signal);
    this.writers.add(writer);
    return writer;
  }

  /** Called by a writer when it commits, aborts or fails. */
  settled(writer: MemorySnapshotWriter): void {
    this.writers.delete(writer);
  }

  async getSnapshot(tenantId: string, snapshotId: string): Promise<SnapshotMeta | undefined> {
    this.assertOpen();
    const snapshot =
      typeof snapshotId === "string" ? this.tenant(tenantId)?.snapshots.get(snapshotId) : undefined;
    return snapshot ? structuredClone(snapshot.meta) : undefined;
  }

  async listSnapshots(tenantId: string, query: ListQuery = {}): Promise<SnapshotMeta[]> {
    this.assertOpen();
    const snapshots = this.tenant(tenantId)?.snapshots.values() ?? [];
    return structuredClone(
      selectSnapshots(
        [...snapshots].map((snapshot) => snapshot.meta),
        query,
      ),
    );
  }

  async latestSnapshot(
    tenantId: string,
    query: Omit<ListQuery, "limit"> = {},
  ): Promise<SnapshotMeta | undefined> {
    return (await this.listSnapshots(tenantId, { ...query, limit: 1 }))[0];
  }

  async *readRecords(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions & { keys?: Iterable<string> } = {},
  ): AsyncIterable<ResourceRecord> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const { data, snapshot } = this.requireSnapshot(tenantId, snapshotId);
    const keys = options.keys === undefined ? undefined : new Set(options.keys);
    for (const record of snapshot.records) {
      if (keys && !keys.has(record.key)) continue;
      this.assertOpen();
      throwIfAborted(options.signal);
      const config = data.documents.get(record.hash);
      if (!config) {
        throw new DriftError(
          "E_STORE_CORRUPT",
          `Snapshot ${snapshotId} references resource document ${record.hash}, which is missing.`,
        );
      }
      yield { ...structuredClone(record), config: structuredClone(config) };
    }
  }

  async *readIndex(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions = {},
  ): AsyncIterable<RecordIndexEntry> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const { snapshot } = this.requireSnapshot(tenantId, snapshotId);
    for (const record of snapshot.records) {
      this.assertOpen();
      throwIfAborted(options.signal);
      yield structuredClone(record);
    }
  }

  async *readIndexBatches(
    tenantId: string,
    snapshotId: string,
    options: OperationOptions = {},
  ): AsyncIterable<RecordIndexEntry[]> {
    let batch: RecordIndexEntry[] = [];
    for await (const entry of this.readIndex(tenantId, snapshotId, options)) {
      batch.push(entry);
      if (batch.length === INDEX_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async *readConfigs(
    tenantId: string,
    hashes: Iterable<string>,
    options: OperationOptions = {},
  ): AsyncIterable<StoredConfig> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const documents = this.tenant(tenantId)?.documents;
    for (const hash of new Set(hashes)) {
      const config = typeof hash === "string" ? documents?.get(hash) : undefined;
      if (config) yield { hash, config: structuredClone(config) };
    }
  }

  // ---- reports ---------------------------------------------------------------------------------

  async putReport(report: DriftReport, options?: OperationOptions): Promise<void> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof report !== "object" || report === null || typeof report.createdAt !== "string") {
      throw new DriftError("E_INPUT", "putReport needs a DriftReport with tenantId, id and createdAt.");
    }
    requireText(report.id, "report id");
    parseTime(report.createdAt, "createdAt");
    this.tenant(report.tenantId, true).reports.set(report.id, structuredClone(report));
  }

  async getReport(tenantId: string, reportId: string): Promise<DriftReport | undefined> {
    this.assertOpen();
    const report = typeof reportId === "string" ? this.tenant(tenantId)?.reports.get(reportId) : undefined;
    return report ? structuredClone(report) : undefined;
  }

  async listReports(tenantId: string, query: Omit<ListQuery, "scope"> = {}): Promise<ReportSummaryEntry[]> {
    this.assertOpen();
    const range = checkListQuery(query);
    const entries = [...(this.tenant(tenantId)?.reports.values() ?? [])]
      .filter((report) => isInTimeRange(report.createdAt, range))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || byString(b.id, a.id))
      .map(
        (report): ReportSummaryEntry => ({
          id: report.id,
          createdAt: report.createdAt,
          ...(report.base?.snapshotId === undefined ? {} : { baseSnapshotId: report.base.snapshotId }),
          ...(report.current?.snapshotId === undefined
            ? {}
            : { currentSnapshotId: report.current.snapshotId }),
          summary: structuredClone(report.summary),
        }),
      );
    return query.limit === undefined ? entries : entries.slice(0, query.limit);
  }

  // ---- baselines -------------------------------------------------------------------------------

  async putBaseline(baseline: Baseline, options?: OperationOptions): Promise<void> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    if (typeof baseline !== "object" || baseline === null || typeof baseline.snapshotId !== "string") {
      throw new DriftError("E_INPUT", "putBaseline needs { tenantId, name, snapshotId, createdAt }.");
    }
    requireText(baseline.name, "baseline name");
    // A baseline must pin a snapshot of its own tenant: a crafted id of another tenant's snapshot is not found.
    const { data } = this.requireSnapshot(baseline.tenantId, baseline.snapshotId);
    data.baselines.set(baseline.name, structuredClone(baseline));
  }

  async getBaseline(tenantId: string, name: string): Promise<Baseline | undefined> {
    this.assertOpen();
    const baseline = typeof name === "string" ? this.tenant(tenantId)?.baselines.get(name) : undefined;
    return baseline ? structuredClone(baseline) : undefined;
  }

  async listTenants(): Promise<string[]> {
    this.assertOpen();
    return [...this.tenants.keys()].sort(byString);
  }

  async listBaselines(tenantId: string): Promise<Baseline[]> {
    this.assertOpen();
    const baselines = [...(this.tenant(tenantId)?.baselines.values() ?? [])];
    return structuredClone(baselines.sort((a, b) => byString(a.name, b.name)));
  }

  async deleteBaseline(tenantId: string, name: string): Promise<boolean> {
    this.assertOpen();
    return this.tenant(tenantId)?.baselines.delete(name) ?? false;
  }

  // ---- retention -------------------------------------------------------------------------------

  async prune(tenantId: string, options: PruneOptions): Promise<PruneResult> {
    this.assertOpen();
    throwIfAborted(options?.signal);
    const data = this.tenant(tenantId);
    const pinned = new Set([...(data?.baselines.values() ?? [])].map((baseline) => baseline.snapshotId));
    const doomed = selectForPrune(
      [...(data?.snapshots.values() ?? [])].map((snapshot) => snapshot.meta),
      options,
      pinned,
    );
    if (!data) return { snapshotsRemoved: [], documentsRemoved: 0 };
    for (const meta of doomed) data.snapshots.delete(meta.id);
    return { snapshotsRemoved: doomed.map((meta) => meta.id), documentsRemoved: this.sweepDocuments(data) };
  }

  /** Removes documents no committed snapshot or open writer references; returns how many. */
  private sweepDocuments(data: TenantData): number {
    const referenced = new Set<string>();
    for (const snapshot of data.snapshots.values())
      for (const record of snapshot.records) referenced.add(record.hash);
    for (const writer of this.writers)
      if (writer.data === data) for (const hash of writer.hashes()) referenced.add(hash);
    let removed = 0;
    for (const hash of data.documents.keys()) {
      if (!referenced.has(hash)) {
        data.documents.delete(hash);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const writer of [...this.writers]) writer.discard();
  }
}

type WriterState = "open" | "committed" | "aborted" | "failed";

class MemorySnapshotWriter implements SnapshotWriter {
  private state: WriterState = "open";
  private readonly records: StoredRecord[] = [];
  /** Documents this writer references; added to the tenant only at commit, so an abort leaves nothing. */
  private readonly documents = new Map<string, JsonObject>();

  constructor(
    private readonly store: MemoryStore,
    readonly data: TenantData,
    readonly snapshotId: string,
    private readonly init: SnapshotInit,
    private readonly signal: AbortSignal | undefined,
  ) {}

  *hashes(): Iterable<string> {
    yield* this.documents.keys();
  }

  private enter(): void {
    if (this.state === "aborted") {
      throw new DriftError("E_ABORTED", "This snapshot write was aborted; begin a new snapshot.");
    }
    this.store.assertOpen();
    if (this.signal?.aborted) {
      this.discard();
      throwIfAborted(this.signal);
    }
    if (this.state !== "open") {
      throw new DriftError(
        "E_INPUT",
        `This snapshot writer is ${this.state}; begin a new snapshot to write again.`,
      );
    }
  }

  async write(records: ResourceRecord | readonly ResourceRecord[]): Promise<void> {
    this.enter();
    let batch: readonly ResourceRecord[];
    try {
      batch = storableBatch(records);
    } catch (error) {
      // A failed write fails the snapshot: committing part of what the caller meant to write would lie.
      this.fail();
      throw error;
    }
    for (const record of batch) {
      const { config, ...rest } = record;
      // Kept even when the tenant has the document already: a prune before commit may remove it there.
      if (!this.documents.has(record.hash)) this.documents.set(record.hash, structuredClone(config));
      this.records.push(structuredClone(rest));
    }
  }

  async commit(completion: SnapshotCompletion): Promise<SnapshotMeta> {
    this.enter();
    if (
      typeof completion !== "object" ||
      completion === null ||
      typeof completion.finishedAt !== "string" ||
      !Array.isArray(completion.collectors) ||
      !Array.isArray(completion.coverage)
    ) {
      this.fail();
      throw new DriftError("E_INPUT", "commit needs { finishedAt, collectors, coverage }.");
    }
    const meta: SnapshotMeta = {
      formatVersion: SNAPSHOT_META_VERSION,
      id: this.snapshotId,
      tenantId: this.init.tenantId,
      scopes: [...this.init.scopes],
      startedAt: this.init.startedAt,
      finishedAt: completion.finishedAt,
      collectors: structuredClone(completion.collectors),
      coverage: structuredClone(completion.coverage),
      resourceCount: this.records.length,
      ...(this.init.source === undefined ? {} : { source: this.init.source }),
    };
    for (const [hash, config] of this.documents)
      if (!this.data.documents.has(hash)) this.data.documents.set(hash, config);
    this.data.snapshots.set(this.snapshotId, { meta, records: this.records });
    this.state = "committed";
    this.release();
    return structuredClone(meta);
  }

  async abort(): Promise<void> {
    if (this.state === "committed") return;
    this.discard();
  }

  /** Drops everything written; used by abort, a fired signal and the store closing. */
  discard(): void {
    if (this.state === "committed") return;
    this.state = "aborted";
    this.release();
  }

  private fail(): void {
    this.state = "failed";
    this.release();
  }

  private release(): void {
    if (this.state !== "committed") this.records.length = 0;
    this.documents.clear();
    this.data.pending.delete(this.snapshotId);
    this.store.settled(this);
  }
}
