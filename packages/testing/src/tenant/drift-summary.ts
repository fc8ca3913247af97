import type { ResourceDrift } from "@azure-drift/core";
import type { TruthChange } from "./types.js";

/** One resource's drift in the ground truth's terms: its key, status and changed paths. */
export interface DriftSummary {
  key: string;
  status: TruthChange["status"];
  /** The changed paths, distinct and sorted; empty for an added or removed resource. */
  paths: string[];
}

const byKey = (a: DriftSummary, b: DriftSummary) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * A drift report's resources in the ground truth's shape, sorted by key, to compare with
 * {@link summarizeTruth}: a rule's finding on an added or removed resource (at path `""`) is not a
 * field change and is left out.
 */
export function summarizeDrift(
  resources: readonly Pick<ResourceDrift, "key" | "status" | "changes">[],
): DriftSummary[] {
  return resources
    .map((drift) => ({
      key: drift.key,
      status: drift.status,
      paths: [...new Set(drift.changes.map((change) => change.path).filter((path) => path !== ""))].sort(),
    }))
    .sort(byKey);
}

/** The mutator's ground truth in the shape of {@link summarizeDrift}, sorted by key. */
export function summarizeTruth(
  changes: readonly Pick<TruthChange, "key" | "status" | "paths">[],
): DriftSummary[] {
  return changes
    .map(({ key, status, paths }) => ({ key, status, paths: [...new Set(paths)].sort() }))
    .sort(byKey);
}
