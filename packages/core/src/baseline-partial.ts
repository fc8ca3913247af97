import { resolveBaseline } from "./baseline.js";
import { applyChanges } from "./diff/apply-changes.js";
import { diffSnapshots } from "./diff/engine.js";
import { parseChangePath } from "./diff/paths.js";
import { DriftError, throwIfAborted } from "./errors.js";
import type { Baseline, DriftReport, FieldChange, ResourceRecord, SnapshotMeta } from "./model.js";
import { createTypeRegistry, type TypeRegistry } from "./normalize/hints.js";
import type { OperationOptions } from "./operation.js";
import { createRecord } from "./record.js";
import { compilePathGlob, wildcardTest } from "./rules/engine-paths.js";
import type { Store } from "./store.js";

/**
 * What a snapshot written by partial acceptance says it is. The detector never takes such a
 * snapshot as "the previous one": it is an approved state, not something Azure was seen in.
 */
export const BASELINE_MERGE_SOURCE = "baseline-merge";

/** Options of {@link acceptBaselinePartially}. */
export interface PartialAcceptOptions extends OperationOptions {
  /**
   * What to accept. A glob that starts with `/` matches resource ids (`*` any run of characters,
   * case-insensitive): the whole resource is accepted, added or removed. Any other glob matches
   * change paths (`*` one name, `**` any depth, `[*]` any selector), and also what lies below the
   * path it matches: `properties.securityRules[name=AllowHttps]` accepts every change in that rule.
   */
  only: readonly string[];
  /** The snapshot whose drift is accepted. Default: the tenant's latest check. */
  snapshotId?: string;
  /** The collectors' type hints, so the merged records are normalized as collected ones are. */
  registry?: TypeRegistry;
  /** Why this drift was approved (a ticket, a change request). */
  note?: string;
  /** The clock (tests). */
  now?: Date;
}

/** What {@link acceptBaselinePartially} did. */
export interface PartialAcceptResult {
  baseline: Baseline;
  /** The snapshot the baseline now points at: the old baseline with the accepted drift applied. */
  snapshot: SnapshotMeta;
  /** Findings accepted (changes, or resources added or removed). */
  accepted: number;
  /** Findings still reported against the baseline. */
  remaining: number;
}

interface Selector {
  resource: (id: string) => boolean;
  change: (path: string) => boolean;
}

function selector(globs: readonly string[]): Selector {
  if (globs.length === 0)
    throw new DriftError("E_INPUT", "Name what to accept: --only GLOB (a change path or a resource id).");
  const ids = globs.filter((glob) => glob.startsWith("/")).map(wildcardTest);
  const paths = globs
    .filter((glob) => !glob.startsWith("/"))
    .map((glob) => compilePathGlob(glob, `--only ${glob}`));
  return {
    resource: (id) => ids.some((test) => test(id)),
    change: (path) => {
      if (path === "") return false;
      const segments = parseGlobSegments(path);
      // A glob accepts the path it matches and everything below it.
      for (let length = 1; length <= segments.length; length++) {
        const prefix = segments.slice(0, length);
        if (paths.some((matches) => matches(prefix))) return true;
      }
      return false;
    },
  };
}

/** A change path in the segment form the path globs match. */
function parseGlobSegments(path: string) {
  return parseChangePath(path).map((step) =>
    step.kind === "property"
      ? ({ kind: "name", name: step.name } as const)
      : ({
          kind: "selector",
          text:
            step.kind === "index"
              ? String(step.index)
              : step.fields.map(([field, value]) => `${field}=${value}`).join(","),
        } as const),
  );
}

async function readAll(
  store: Store,
  tenantId: string,
  snapshotId: string,
  signal?: AbortSignal,
): Promise<ResourceRecord[]> {
  const records: ResourceRecord[] = [];
  for await (const record of store.readRecords(tenantId, snapshotId, signal ? { signal } : undefined))
    records.push(record);
  return records;
}

/**
 * Accepts part of the drift between a baseline and a snapshot: the baseline `name` then points at a
 * new snapshot that is the old baseline with just the selected changes applied, so those stop being
 * reported and everything else that moved still is. The merged snapshot is written like any other
 * (atomically; `prune` keeps it while the baseline points at it) and carries
 * `source: "baseline-merge"`.
 *
 * @throws DriftError `E_INPUT` when nothing is named or nothing matches; `E_NOT_FOUND` when the
 *   baseline or the snapshot does not exist.
 */
export async function acceptBaselinePartially(
  store: Store,
  tenantId: string,
  name: string,
  options: PartialAcceptOptions,
): Promise<PartialAcceptResult> {
  const { signal } = options;
  throwIfAborted(signal);
  const select = selector(options.only);
  const { baseline: previous, snapshot: baseMeta } = await resolveBaseline(store, tenantId, name);
  const currentMeta = options.snapshotId
    ? await store.getSnapshot(tenantId, options.snapshotId)
    : (await store.listSnapshots(tenantId)).find((meta) => meta.source !== BASELINE_MERGE_SOURCE);
  if (!currentMeta) {
    throw new DriftError(
      "E_NOT_FOUND",
      options.snapshotId
        ? `Tenant ${tenantId} has no snapshot ${JSON.stringify(options.snapshotId)}; list snapshots to pick one.`
        : `Tenant ${tenantId} has no snapshot to accept drift from; run a check first.`,
    );
  }
  const registry = options.registry ?? createTypeRegistry();
  const [baseRecords, currentRecords] = await Promise.all([
    readAll(store, tenantId, baseMeta.id, signal),
    readAll(store, tenantId, currentMeta.id, signal),
  ]);
  const report: DriftReport = diffSnapshots(
    { meta: baseMeta, records: baseRecords },
    { meta: currentMeta, records: currentRecords },
    { registry },
  );
  const merged = new Map(baseRecords.map((record) => [record.key, record]));
  const currentByKey = new Map(currentRecords.map((record) => [record.key, record]));
  let accepted = 0;
  let remaining = 0;
  for (const drift of report.resources) {
    const findings = Math.max(1, drift.changes.length);
    if (select.resource(drift.id)) {
      const current = currentByKey.get(drift.key);
      if (current) merged.set(drift.key, current);
      else merged.delete(drift.key);
      accepted += findings;
      continue;
    }
    const base = merged.get(drift.key);
    const chosen: FieldChange[] =
      drift.status === "modified" ? drift.changes.filter((change) => select.change(change.path)) : [];
    if (base && chosen.length > 0) {
      const config = applyChanges(base.config, chosen);
      const rebuilt = createRecord(
        { ...config, id: base.id, type: base.type },
        { collector: base.collector, domain: base.domain },
        registry,
      );
      merged.set(drift.key, rebuilt);
    }
    accepted += chosen.length;
    remaining += findings - chosen.length;
  }
  if (accepted === 0) {
    throw new DriftError(
      "E_INPUT",
      `Nothing in the drift from baseline "${name}" to snapshot ${currentMeta.id} matches --only ${options.only.join(", ")}; nothing was accepted. Check the paths in the report.`,
    );
  }
  const now = options.now ?? new Date();
  const writer = await store.beginSnapshot(
    { tenantId, scopes: baseMeta.scopes, startedAt: now.toISOString(), source: BASELINE_MERGE_SOURCE },
    signal ? { signal } : undefined,
  );
  let snapshot: SnapshotMeta;
  try {
    await writer.write([...merged.values()]);
    snapshot = await writer.commit({
      finishedAt: now.toISOString(),
      collectors: baseMeta.collectors,
      coverage: baseMeta.coverage,
    });
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const baseline: Baseline = {
    tenantId,
    name,
    snapshotId: snapshot.id,
    createdAt: now.toISOString(),
    note:
      options.note ??
      `${previous.note ? `${previous.note}; ` : ""}accepted ${options.only.join(", ")} from snapshot ${currentMeta.id}`,
  };
  await store.putBaseline(baseline, signal ? { signal } : undefined);
  return { baseline, snapshot, accepted, remaining };
}
