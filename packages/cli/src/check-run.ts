import {
  type ArmConnection,
  type Collector,
  createDriftDetector,
  DriftError,
  type DriftReport,
  type Logger,
  type ProgressEvent,
  type RuleOptions,
  type SnapshotMeta,
  type TokenCredential,
} from "@azure-drift/core";
import { defaultCollectors } from "./collectors.js";
import { chooseGroupSubscriptions, listManagementGroupSubscriptions } from "./management-group.js";
import { openStore, storeExists } from "./store.js";
import {
  chooseSubscriptions,
  isGuid,
  listVisibleSubscriptions,
  type VisibleSubscription,
} from "./subscriptions.js";

export { defaultCollectors } from "./collectors.js";

/** Everything a `check` or `collect` needs once the command line is parsed. */
export interface CheckPlan {
  credential: TokenCredential;
  arm: ArmConnection;
  /** Requested subscriptions (lower-cased GUIDs); empty means every visible one (or the management group's). */
  subscriptions: string[];
  /** Check the subscriptions below this management group instead (never with `subscriptions`). */
  managementGroup?: string;
  /** `--tenant`, else from the subscription list, else `AZURE_TENANT_ID`. */
  tenantId?: string;
  envTenantId?: string;
  baseline?: string;
  store?: string;
  cwd: string;
  rules?: RuleOptions;
  concurrency?: number;
  collectors?: Collector[];
  /** Who changed what, from the Activity Log (default on; `--no-attribution` turns it off). */
  attribution?: boolean;
  logger: Logger;
  onProgress(event: ProgressEvent): void;
  signal?: AbortSignal;
}

/** The outcome of a check: the saved snapshot and, when there was something to compare with, the report. */
export interface CheckOutcome {
  tenantId: string;
  snapshot: SnapshotMeta;
  /** The report of a check (absent for `collect`). */
  report?: DriftReport;
  /** What the check compared with; absent on the first check of these subscriptions. */
  base?: SnapshotMeta;
}

/**
 * Preflight, then collect → save → (for `check`) diff → save report. The preflight lists the
 * subscriptions the credential can see: a bad token, an endpoint that does not answer or a
 * subscription that is not visible fail there, before the store is opened, so nothing is written.
 */
export async function executeCheck(plan: CheckPlan, mode: "check" | "collect"): Promise<CheckOutcome> {
  const visible = await listVisibleSubscriptions(plan.credential, plan.arm, plan.signal);
  const chosen = await resolveScope(plan, visible);
  const tenantId = chooseTenant(plan, chosen);
  plan.logger.info("subscriptions resolved", {
    tenantId,
    ...(plan.managementGroup !== undefined ? { managementGroup: plan.managementGroup } : {}),
    subscriptions: chosen.map((sub) => sub.subscriptionId),
    endpoint: plan.arm.endpoint,
  });

  const missingBaseline = () =>
    new DriftError(
      "E_NOT_FOUND",
      `No baseline named "${plan.baseline}" for tenant ${tenantId}: create it with \`azure-drift baseline accept ${plan.baseline}\`, or leave out --baseline to compare with the previous snapshot.`,
    );
  // A baseline cannot be in a store that does not exist yet: say so without creating the store.
  if (plan.baseline !== undefined && !(await storeExists(plan.store, plan.cwd))) throw missingBaseline();
  const store = await openStore(plan.store, plan.cwd, plan.logger);
  try {
    if (plan.baseline !== undefined && !(await store.getBaseline(tenantId, plan.baseline)))
      throw missingBaseline();
    const attribution =
      mode === "check" && plan.attribution !== false
        ? (await import("@azure-drift/attribution")).activityLogAttribution()
        : undefined;
    const detector = createDriftDetector({
      collectors: plan.collectors ?? defaultCollectors(),
      ...(attribution ? { attribution } : {}),
      store,
      credential: plan.credential,
      arm: plan.arm,
      ...(plan.rules ? { rules: plan.rules } : {}),
      ...(plan.concurrency ? { concurrency: plan.concurrency } : {}),
      logger: plan.logger,
      onProgress: plan.onProgress,
    });
    const subscriptions = chosen.map((sub) => sub.subscriptionId);
    if (mode === "collect") {
      const snapshot = await detector.collect({ tenantId, subscriptions, ...signalOf(plan) });
      return { tenantId, snapshot };
    }
    const result = await detector.check({
      tenantId,
      subscriptions,
      ...(plan.baseline !== undefined ? { baseline: plan.baseline } : {}),
      ...signalOf(plan),
    });
    if (!result.base) {
      plan.logger.info("first check of these subscriptions: this snapshot is the starting point", {
        snapshotId: result.snapshot.id,
        resources: result.snapshot.resourceCount,
      });
    }
    return {
      tenantId,
      snapshot: result.snapshot,
      report: result.report,
      ...(result.base ? { base: result.base } : {}),
    };
  } finally {
    await store.close();
  }
}

/** The subscriptions to check: the management group's, else the requested or visible ones. */
async function resolveScope(plan: CheckPlan, visible: VisibleSubscription[]): Promise<VisibleSubscription[]> {
  if (plan.managementGroup === undefined) return chooseSubscriptions(plan.subscriptions, visible);
  if (plan.subscriptions.length > 0) {
    throw new DriftError(
      "E_INPUT",
      "Give subscriptions or a management group, not both: pass --subscription or --management-group.",
    );
  }
  const inGroup = await listManagementGroupSubscriptions(
    plan.credential,
    plan.arm,
    plan.managementGroup,
    plan.signal,
  );
  return chooseGroupSubscriptions(plan.managementGroup, inGroup, visible);
}

function signalOf(plan: CheckPlan): { signal?: AbortSignal } {
  return plan.signal ? { signal: plan.signal } : {};
}

function chooseTenant(plan: CheckPlan, chosen: VisibleSubscription[]): string {
  if (plan.tenantId) {
    // Snapshots are filed by tenant: filing one tenant's subscriptions under another would mix them.
    const foreign = chosen.find((sub) => sub.tenantId && sub.tenantId !== plan.tenantId);
    if (foreign) {
      throw new DriftError(
        "E_INPUT",
        `Subscription ${foreign.subscriptionId} belongs to tenant ${foreign.tenantId}, not ${plan.tenantId}: pass --tenant ${foreign.tenantId}, or only that tenant's subscriptions.`,
      );
    }
    return plan.tenantId;
  }
  const tenants = [...new Set(chosen.map((sub) => sub.tenantId).filter((id): id is string => !!id))];
  if (tenants.length === 1) return tenants[0]!;
  if (tenants.length > 1) {
    throw new DriftError(
      "E_INPUT",
      `The subscriptions belong to ${tenants.length} tenants (${tenants.join(", ")}): pass --tenant ID and the subscriptions of that tenant.`,
    );
  }
  if (plan.envTenantId && isGuid(plan.envTenantId)) return plan.envTenantId.toLowerCase();
  throw new DriftError(
    "E_INPUT",
    "Cannot tell the tenant of these subscriptions: pass --tenant ID or set AZURE_TENANT_ID.",
  );
}
