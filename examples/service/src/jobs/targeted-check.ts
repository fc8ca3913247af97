import { type DriftDetector, DriftError, type DriftReport } from "@azure-drift/core";
import type { CheckTarget } from "../contracts.js";

/** Core's targeted check: read resources by id, diff them against the latest snapshot, save a report. */
interface TargetedDetector {
  checkResources(request: {
    tenantId: string;
    subscriptionId: string;
    resourceIds: string[];
    signal?: AbortSignal;
  }): Promise<{ report: DriftReport }>;
}

/**
 * Runs core's targeted check of `resourceIds` and answers its saved report.
 *
 * @throws DriftError `E_INPUT` when the installed `@azure-drift/core` has no targeted check.
 */
export async function targetedCheck(
  detector: DriftDetector,
  target: CheckTarget,
  resourceIds: string[],
  signal: AbortSignal | undefined,
): Promise<DriftReport> {
  const checkResources = (detector as Partial<TargetedDetector>).checkResources;
  if (typeof checkResources !== "function") {
    throw new DriftError(
      "E_INPUT",
      "This @azure-drift/core has no targeted check (detector.checkResources): upgrade @azure-drift/core.",
    );
  }
  const { report } = await checkResources.call(detector, {
    tenantId: target.tenantId,
    subscriptionId: target.subscriptionId,
    resourceIds,
    ...(signal ? { signal } : {}),
  });
  return report;
}
