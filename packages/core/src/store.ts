import type {
  Baseline,
  CollectorRun,
  CoverageEntry,
  DriftReport,
  JsonObject,
  ResourceRecord,
  SnapshotMeta,
} from "./model.js";
import type { OperationOptions } from "./operation.js";

/** What is known when a snapshot write begins. */
export interface SnapshotInit {
  tenantId: string;
  /** Optional caller-chosen id; stores generate a sortable one otherwise. */
  id?: string;
  scopes: string[];
  startedAt: string;
  source?: string;
}

/** What is known when a snapshot write completes. */
export interface SnapshotCompletion {
  finishedAt: string;
  collectors: CollectorRun[];
  coverage: CoverageEntry[];
}

/**
 * Writes one snapshot. Nothing of it is visible to readers until {@link SnapshotWriter.commit}
 * resolves; after {@link SnapshotWriter.abort}, or a failed write, nothing of it ever is.
 * `write` may be called concurrently; records are kept in the order their calls were made.
 */
export interface SnapshotWriter {
  readonly snapshotId: string;
  write(records: ResourceRecord | readonly ResourceRecord[]): Promise<void>;
  commit(completion: SnapshotCompletion): Promise<SnapshotMeta>;
  abort(): Promise<void>;
}

/**
 * A record without its config: what a diff needs to plan (key → hash) and to describe a resource,
 * read from a snapshot's index without touching resource documents. The fast path of `check`.
 */
export type RecordIndexEntry = Omit<ResourceRecord, "config">;

/** A resource document: the config stored under a record hash. */
export interface StoredConfig {
  hash: string;
  config: JsonObject;
}

/** Filters for listing snapshots or reports; results are newest first. */
export interface ListQuery {
  /** Only snapshots whose scopes include this (lower-cased) subscription id. */
  scope?: string;
  /** Inclusive lower bound on the time taken (ISO). */
  since?: string;
  /** Exclusive upper bound on the time taken (ISO). */
  until?: string;
  limit?: number;
}

/** Which snapshots `prune` removes. Baseline snapshots are never removed. */
export interface PruneOptions extends OperationOptions {
  /** Keep at least the newest N snapshots (per scope when `scope` is given). */
  keepLast?: number;
  /** Remove snapshots finished before this ISO time (subject to `keepLast`). */
  olderThan?: string;
  scope?: string;
}

/** What `prune` removed. */
export interface PruneResult {
  snapshotsRemoved: string[];
  documentsRemoved: number;
}

/** A snapshot a store holds but cannot read (a damaged manifest): listings skip it. */
export interface UnreadableSnapshot {
  /** The snapshot's id as far as the store can tell (e.g. its folder name). */
  snapshotId: string;
  /** When it was last written (ISO), if known: tells whether it may be newer than a check's base. */
  modifiedAt?: string;
  /** What is wrong, in one line. */
  reason: string;
}

/** A report's listing entry. */
export interface ReportSummaryEntry {
  id: string;
  createdAt: string;
  baseSnapshotId?: string;
  currentSnapshotId?: string;
  summary: DriftReport["summary"];
}

/**
 * Where snapshots, reports and baselines live. Every call is scoped by tenant: nothing of tenant A
 * is visible through any call made for tenant B. Resource documents are content-addressed, so
 * storage grows with the changes, not with the number of snapshots. Stores throw DriftErrors
 * (`E_STORE`, `E_STORE_CORRUPT`, `E_STORE_LOCKED`, `E_STORE_CLOSED`, `E_NOT_FOUND`, `E_ABORTED`).
 * `@azure-drift/testing`'s `storeConformanceSuite` states the full contract.
 */
export interface Store {
  beginSnapshot(init: SnapshotInit, options?: OperationOptions): Promise<SnapshotWriter>;
  getSnapshot(tenantId: string, snapshotId: string): Promise<SnapshotMeta | undefined>;
  listSnapshots(tenantId: string, query?: ListQuery): Promise<SnapshotMeta[]>;
  latestSnapshot(tenantId: string, query?: Omit<ListQuery, "limit">): Promise<SnapshotMeta | undefined>;
  /**
   * Optional capability: the tenant's snapshots that listings skip because they cannot be read. A
   * check warns about those newer than its base and names them in its report
   * (`unreadableSnapshots`), so a damaged latest snapshot is never passed over in silence.
   */
  listUnreadableSnapshots?(tenantId: string): Promise<UnreadableSnapshot[]>;
  /** Streams a snapshot's records in the order they were written; `keys` restricts to those keys. */
  readRecords(
    tenantId: string,
    snapshotId: string,
    options?: OperationOptions & { keys?: Iterable<string> },
  ): AsyncIterable<ResourceRecord>;
  /** Streams a snapshot's records without their configs, in write order, reading no resource document. */
  readIndex(
    tenantId: string,
    snapshotId: string,
    options?: OperationOptions,
  ): AsyncIterable<RecordIndexEntry>;
  /**
   * Optional capability: what {@link Store.readIndex} yields (same entries, same order), a batch at
   * a time. A diff of two 100k-resource snapshots reads 200k entries; batches spare it an `await`
   * per entry. Core uses it when present and falls back to `readIndex` otherwise.
   */
  readIndexBatches?(
    tenantId: string,
    snapshotId: string,
    options?: OperationOptions,
  ): AsyncIterable<readonly RecordIndexEntry[]>;
  /**
   * Optional capability: streams the configs stored under these record hashes for this tenant, in
   * any order; a hash the tenant has no document for is skipped. With {@link Store.readIndex} it
   * lets a diff read only what changed; without it, core falls back to `readRecords({ keys })`.
   */
  readConfigs?(
    tenantId: string,
    hashes: Iterable<string>,
    options?: OperationOptions,
  ): AsyncIterable<StoredConfig>;

  putReport(report: DriftReport, options?: OperationOptions): Promise<void>;
  getReport(tenantId: string, reportId: string): Promise<DriftReport | undefined>;
  listReports(tenantId: string, query?: Omit<ListQuery, "scope">): Promise<ReportSummaryEntry[]>;

  putBaseline(baseline: Baseline, options?: OperationOptions): Promise<void>;
  getBaseline(tenantId: string, name: string): Promise<Baseline | undefined>;
  listBaselines(tenantId: string): Promise<Baseline[]>;
  deleteBaseline(tenantId: string, name: string): Promise<boolean>;

  prune(tenantId: string, options: PruneOptions): Promise<PruneResult>;
  /**
   * Optional capability: the ids of the tenants that have data in the store, sorted. For a tool that
   * owns its store (the CLI uses the only tenant when there is one); a service that shares a store
   * between its customers should not hand this list to them.
   */
  listTenants?(): Promise<string[]>;
  /** Releases files, locks and connections; later calls reject with `E_STORE_CLOSED`. */
  close(): Promise<void>;
}
