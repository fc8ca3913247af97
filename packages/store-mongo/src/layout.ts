/**
 * The collections and indexes of the MongoDB store (docs/store-mongo.md explains each). Every
 * index is created idempotently when a store is opened and by `azure-drift store init`.
 */
import type { IndexDescription } from "mongodb";

/** The version of the documents this release writes; others are refused with `E_SNAPSHOT_VERSION`. */
export const STORE_FORMAT_VERSION = 1;

/** The collections, by role. */
export const COLLECTIONS = {
  /** One per snapshot: state (writing → complete → removing), times, scopes, metadata. */
  snapshots: "drift_snapshots",
  /** A snapshot's record index in chunks: (tenant, snapshot, writer, seq) → gzipped entries. */
  manifests: "drift_manifests",
  /** Resource configs, content-addressed: one per (tenant, hash). */
  documents: "drift_documents",
  /** One per report: the listing entry and which version of its chunks is current. */
  reports: "drift_reports",
  /** Report bodies in chunks: (tenant, report, version, seq) → gzipped JSON bytes. */
  reportChunks: "drift_report_chunks",
  /** One per (tenant, baseline name). */
  baselines: "drift_baselines",
  /** Short leases: a document sweep of a tenant in progress. */
  leases: "drift_leases",
} as const;

export type CollectionRole = keyof typeof COLLECTIONS;

/** Every index the store's queries use, by collection. */
export const INDEXES: Record<CollectionRole, IndexDescription[]> = {
  snapshots: [
    { name: "tenant_snapshot", key: { tenantId: 1, snapshotId: 1 }, unique: true },
    { name: "tenant_state_started", key: { tenantId: 1, state: 1, startedAt: -1, snapshotId: -1 } },
    {
      name: "tenant_state_scope_started",
      key: { tenantId: 1, state: 1, scopes: 1, startedAt: -1, snapshotId: -1 },
    },
  ],
  manifests: [
    {
      name: "tenant_snapshot_writer_seq",
      key: { tenantId: 1, snapshotId: 1, writerId: 1, seq: 1 },
      unique: true,
    },
  ],
  documents: [{ name: "tenant_hash", key: { tenantId: 1, hash: 1 }, unique: true }],
  reports: [
    { name: "tenant_report", key: { tenantId: 1, reportId: 1 }, unique: true },
    { name: "tenant_created", key: { tenantId: 1, createdAt: -1, reportId: -1 } },
  ],
  reportChunks: [
    {
      name: "tenant_report_version_seq",
      key: { tenantId: 1, reportId: 1, version: 1, seq: 1 },
      unique: true,
    },
  ],
  baselines: [
    { name: "tenant_name", key: { tenantId: 1, name: 1 }, unique: true },
    { name: "tenant_snapshot", key: { tenantId: 1, snapshotId: 1 } },
  ],
  leases: [{ name: "tenant_kind", key: { tenantId: 1, kind: 1 }, unique: true }],
};

/** Records per manifest chunk, and the most bytes of index entries (as JSON) one chunk holds. */
export const CHUNK_RECORDS = 2000;
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** The most bytes of one report chunk (gzipped), far below MongoDB's 16 MB document limit. */
export const REPORT_CHUNK_BYTES = 4 * 1024 * 1024;
/** Hashes per `$in` lookup of resource documents. */
export const LOOKUP_BATCH = 1000;
