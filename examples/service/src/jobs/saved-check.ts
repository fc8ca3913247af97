import { BASELINE_MERGE_SOURCE, type DriftReport, type Store } from "@azure-drift/core";
import type { CheckTarget } from "../contracts.js";

/**
 * The full check of `target` an earlier attempt of the same job saved, if any: the newest committed
 * snapshot of exactly that subscription taken since `since` (the job's creation), and its report.
 *
 * A worker can die after core committed the snapshot (its report is saved before the commit) and
 * before BullMQ heard that the job completed; the retry then finds the check done. Checking again
 * would compare the subscription with that very snapshot and report no drift, hiding what the lost
 * attempt found. Two full checks of one subscription never run at once (the queue's deduplication),
 * so a snapshot of it taken after the job was created belongs to this job (or to a check that ran
 * outside the queue meanwhile, which answers the request as well).
 */
export async function savedCheck(
  store: Store,
  target: CheckTarget,
  since: number,
): Promise<{ snapshotId: string; resources: number; report: DriftReport } | undefined> {
  const sinceIso = new Date(since).toISOString();
  const snapshot = (
    await store.listSnapshots(target.tenantId, { scope: target.subscriptionId, limit: 10 })
  ).find(
    (meta) =>
      meta.source !== BASELINE_MERGE_SOURCE &&
      meta.startedAt >= sinceIso &&
      meta.scopes.length === 1 &&
      meta.scopes[0]!.toLowerCase() === target.subscriptionId,
  );
  if (!snapshot) return undefined;
  const entry = (await store.listReports(target.tenantId, { since: snapshot.startedAt })).find(
    (report) => report.currentSnapshotId === snapshot.id,
  );
  const report = entry ? await store.getReport(target.tenantId, entry.id) : undefined;
  return report ? { snapshotId: snapshot.id, resources: snapshot.resourceCount, report } : undefined;
}
