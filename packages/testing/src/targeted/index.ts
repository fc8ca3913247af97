import type { DriftDetector, DriftReport, ResourceDrift, TargetedCheckRequest } from "@azure-drift/core";
import { isResourceOrChildOf } from "@azure-drift/core";

/** A targeted check's report next to what the full check that follows it says of the same resources. */
export interface TargetedComparison {
  /** The targeted check's report (saved). */
  targeted: DriftReport;
  /** The full check's report (its snapshot committed). */
  full: DriftReport;
  /**
   * The full report's drift of the resources asked for and of the child records under them, in its
   * order: what the targeted report's `resources` must equal when the collectors' `readResources`
   * read what `collect` lists, in the same shape.
   */
  fullOfTargets: ResourceDrift[];
}

/**
 * Runs a targeted check of `request.resourceIds`, then a full check of their subscription, for a
 * collector author's test of `readResources`: a resource read by id must be reported exactly as the
 * full check reports it (same paths, values, severities and rules), and the full check reports it
 * again (a targeted check stores no snapshot). Compare `targeted.resources` with `fullOfTargets`.
 */
export async function targetedThenFull(
  detector: DriftDetector,
  request: TargetedCheckRequest,
  options: {
    /** Called between the two checks, e.g. to read the replay server's request counts of the targeted one. */
    afterTargeted?: (report: DriftReport) => void;
  } = {},
): Promise<TargetedComparison> {
  const { report: targeted } = await detector.checkResources(request);
  options.afterTargeted?.(targeted);
  const { report: full } = await detector.check({
    tenantId: request.tenantId,
    subscriptions: [request.subscriptionId],
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const asked = request.resourceIds.map((id) => id.toLowerCase());
  const fullOfTargets = full.resources.filter((drift) =>
    asked.some((key) => isResourceOrChildOf(drift.key, key)),
  );
  return { targeted, full, fullOfTargets };
}
