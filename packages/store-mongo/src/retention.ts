import {
  type PruneOptions,
  type PruneResult,
  type SnapshotMeta,
  selectForPrune,
  throwIfAborted,
} from "@azure-drift/core";
import { unpackJson } from "./codec.js";
import type { StoreContext } from "./context.js";
import { LOOKUP_BATCH } from "./layout.js";
import { takeSweepLease } from "./lease.js";
import { nameOf } from "./values.js";

interface SnapshotRow {
  snapshotId: string;
  writerId: string;
  meta?: string;
}

/**
 * Removes a tenant's snapshots as `prune` asks (newest `keepLast` kept, `olderThan` on finish
 * time, baselines' snapshots never), then, under the tenant's sweep lease and only when no writer
 * of the tenant is registered, what interrupted writers left and every document no snapshot
 * references. With a writer in progress, unreferenced documents wait for the next prune.
 */
export async function pruneTenant(
  context: StoreContext,
  tenantId: string,
  options: PruneOptions,
): Promise<PruneResult> {
  const scope = options.scope === undefined ? undefined : nameOf(options.scope, "scope").toLowerCase();
  selectForPrune([], options, new Set());
  const logger = options.logger ?? context.logger;
  const snapshots = context.collection<SnapshotRow & { state: string }>("snapshots");
  const baselines = context.collection("baselines");

  const pinnedNow = async () =>
    new Set(
      (await baselines.find({ tenantId }, { projection: { snapshotId: 1 } }).toArray()).map(
        (b) => b.snapshotId as string,
      ),
    );
  const pinned = await pinnedNow();
  const candidates = (
    await snapshots
      .find(
        { tenantId, state: "complete", ...(scope === undefined ? {} : { scopes: scope }) },
        { projection: { meta: 1 } },
      )
      .toArray()
  ).map((row) => JSON.parse(row.meta ?? "{}") as SnapshotMeta);
  let doomed = selectForPrune(candidates, options, pinned).map((meta) => meta.id);
  throwIfAborted(options.signal);
  if (doomed.length > 0) {
    // Invisible at once; a baseline put meanwhile brings its snapshot back before anything is deleted.
    await snapshots.updateMany(
      { tenantId, snapshotId: { $in: doomed }, state: "complete" },
      { $set: { state: "removing" } },
    );
    const pinnedLater = await pinnedNow();
    const rescued = doomed.filter((id) => pinnedLater.has(id));
    if (rescued.length > 0) {
      await snapshots.updateMany(
        { tenantId, snapshotId: { $in: rescued }, state: "removing" },
        { $set: { state: "complete" } },
      );
      doomed = doomed.filter((id) => !pinnedLater.has(id));
    }
    await removeSnapshots(context, tenantId, { snapshotId: { $in: doomed }, state: "removing" });
  }
  const documentsRemoved = await sweep(context, tenantId, logger, options.signal);
  logger.info("pruned", { tenantId, snapshotsRemoved: doomed.length, documentsRemoved });
  return { snapshotsRemoved: doomed, documentsRemoved };
}

/** Deletes the matching snapshots of a tenant: index chunks first, the snapshot document last. */
async function removeSnapshots(
  context: StoreContext,
  tenantId: string,
  filter: Record<string, unknown>,
): Promise<number> {
  const snapshots = context.collection<SnapshotRow>("snapshots");
  const rows = await snapshots
    .find({ tenantId, ...filter }, { projection: { snapshotId: 1, writerId: 1 } })
    .toArray();
  for (const row of rows) {
    await context
      .collection("manifests")
      .deleteMany({ tenantId, snapshotId: row.snapshotId, writerId: row.writerId });
    await snapshots.deleteOne({ _id: row._id, ...filter });
  }
  return rows.length;
}

/** Leftovers first (interrupted writers and removals, orphaned report chunks), then unreferenced documents. */
async function sweep(
  context: StoreContext,
  tenantId: string,
  logger: StoreContext["logger"],
  signal: AbortSignal | undefined,
): Promise<number> {
  const lease = await takeSweepLease(context, tenantId);
  if (!lease) {
    logger.info("another process is sweeping this tenant; unreferenced documents are left to it", {
      tenantId,
    });
    return 0;
  }
  try {
    const staleBefore = new Date(Date.now() - context.staleWriterMs);
    const leftovers =
      (await removeSnapshots(context, tenantId, { state: "writing", heartbeatAt: { $lt: staleBefore } })) +
      (await removeSnapshots(context, tenantId, { state: "removing" }));
    if (leftovers > 0)
      logger.info("removed what interrupted writes and prunes left", { tenantId, snapshots: leftovers });
    await removeOrphanReportChunks(context, tenantId, staleBefore);
    const writing = await context
      .collection("snapshots")
      .findOne({ tenantId, state: "writing" }, { projection: { _id: 1 } });
    if (writing) {
      logger.info("a snapshot write is in progress; unreferenced documents are left for the next prune", {
        tenantId,
      });
      return 0;
    }
    const referenced = new Set<string>();
    let chunks = 0;
    for await (const chunk of context
      .collection("manifests")
      .find({ tenantId }, { projection: { records: 1 } })) {
      throwIfAborted(signal);
      if (++chunks % 25 === 0) await lease.renew();
      for (const entry of await unpackJson<{ hash: string }[]>(chunk.records)) referenced.add(entry.hash);
    }
    const unreferenced: string[] = [];
    for await (const document of context
      .collection("documents")
      .find({ tenantId }, { projection: { _id: 0, hash: 1 } })) {
      if (!referenced.has(document.hash as string)) unreferenced.push(document.hash as string);
    }
    let removed = 0;
    for (let start = 0; start < unreferenced.length; start += LOOKUP_BATCH) {
      throwIfAborted(signal);
      await lease.renew();
      const batch = unreferenced.slice(start, start + LOOKUP_BATCH);
      removed += (await context.collection("documents").deleteMany({ tenantId, hash: { $in: batch } }))
        .deletedCount;
    }
    return removed;
  } finally {
    await lease.release().catch(() => {});
  }
}

/** Report chunks of a version no report points at, older than a live save: a save interrupted before its final write. */
async function removeOrphanReportChunks(
  context: StoreContext,
  tenantId: string,
  staleBefore: Date,
): Promise<void> {
  const current = new Set(
    (
      await context
        .collection("reports")
        .find({ tenantId }, { projection: { version: 1 } })
        .toArray()
    ).map((r) => r.version as string),
  );
  const versions = (await context
    .collection("reportChunks")
    .distinct("version", { tenantId, writtenAt: { $lt: staleBefore } })) as string[];
  const orphans = versions.filter((version) => !current.has(version));
  if (orphans.length > 0)
    await context
      .collection("reportChunks")
      .deleteMany({ tenantId, version: { $in: orphans }, writtenAt: { $lt: staleBefore } });
}
