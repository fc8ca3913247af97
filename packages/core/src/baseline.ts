import { DriftError, throwIfAborted } from "./errors.js";
import type { Baseline, SnapshotMeta } from "./model.js";
import type { Store } from "./store.js";

/** Options of {@link acceptBaseline}. */
export interface AcceptBaselineOptions {
  /** The snapshot to approve. Default: the tenant's latest snapshot. */
  snapshotId?: string;
  /** Why this state was approved (a ticket, a change request). */
  note?: string;
  /** The clock (tests). */
  now?: Date;
  signal?: AbortSignal;
}

/**
 * Accepts drift: makes `name` point at a snapshot (the latest by default), replacing what it
 * pointed at before. Later checks with `baseline: name` compare against that snapshot, and
 * `prune` never removes it.
 *
 * @throws DriftError `E_INPUT` for an empty name; `E_NOT_FOUND` when the snapshot does not exist or
 *   the tenant has no snapshot yet.
 */
export async function acceptBaseline(
  store: Store,
  tenantId: string,
  name: string,
  options: AcceptBaselineOptions = {},
): Promise<Baseline> {
  throwIfAborted(options.signal);
  if (typeof name !== "string" || name.trim() === "") {
    throw new DriftError("E_INPUT", "A baseline needs a name, e.g. `approved` or `release-2026-03`.");
  }
  let snapshot: SnapshotMeta | undefined;
  if (options.snapshotId !== undefined) {
    snapshot = await store.getSnapshot(tenantId, options.snapshotId);
    if (!snapshot) {
      throw new DriftError(
        "E_NOT_FOUND",
        `Tenant ${tenantId} has no snapshot ${JSON.stringify(options.snapshotId)}; list snapshots to pick an existing one.`,
        { details: { tenantId, snapshotId: options.snapshotId } },
      );
    }
  } else {
    snapshot = await store.latestSnapshot(tenantId);
    if (!snapshot) {
      throw new DriftError(
        "E_NOT_FOUND",
        `Tenant ${tenantId} has no snapshot yet; run a check (or collect) first, then accept it as baseline "${name}".`,
        { details: { tenantId } },
      );
    }
  }
  const baseline: Baseline = {
    tenantId,
    name,
    snapshotId: snapshot.id,
    createdAt: (options.now ?? new Date()).toISOString(),
  };
  if (options.note !== undefined) baseline.note = options.note;
  await store.putBaseline(baseline, options.signal ? { signal: options.signal } : undefined);
  return baseline;
}

/**
 * The snapshot a named baseline pins.
 *
 * @throws DriftError `E_NOT_FOUND` with what to do when the baseline or its snapshot does not exist.
 */
export async function resolveBaseline(
  store: Store,
  tenantId: string,
  name: string,
): Promise<{ baseline: Baseline; snapshot: SnapshotMeta }> {
  const baseline = await store.getBaseline(tenantId, name);
  if (!baseline) {
    const known = (await store.listBaselines(tenantId)).map((entry) => entry.name);
    throw new DriftError(
      "E_NOT_FOUND",
      `Tenant ${tenantId} has no baseline "${name}"${known.length > 0 ? ` (it has: ${known.join(", ")})` : ""}. ` +
        `Accept one first (acceptBaseline, or \`azure-drift baseline accept ${name}\`), or check without a baseline to compare with the previous snapshot.`,
      { details: { tenantId, baseline: name } },
    );
  }
  const snapshot = await store.getSnapshot(tenantId, baseline.snapshotId);
  if (!snapshot) {
    throw new DriftError(
      "E_NOT_FOUND",
      `Baseline "${name}" points at snapshot ${baseline.snapshotId}, which no longer exists; accept a new baseline.`,
      { details: { tenantId, baseline: name, snapshotId: baseline.snapshotId } },
    );
  }
  return { baseline, snapshot };
}
