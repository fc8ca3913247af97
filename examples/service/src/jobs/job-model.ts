/**
 * The job model: which jobs go on the check queue, their data, and the ids that make BullMQ keep at
 * most one full check per subscription queued and one running.
 */
import { DriftError, isArmId } from "@azure-drift/core";
import type { CheckTarget } from "../contracts.js";

/** The BullMQ queue every check job goes through. */
export const CHECK_QUEUE = "azure-drift-checks";

/** The default key prefix of the queue in Redis (BullMQ's own default is `bull`). */
export const DEFAULT_QUEUE_PREFIX = "azure-drift";

/** What a job asks for, by BullMQ job name. */
export const JOB_NAMES = {
  /** A full check of one subscription: `createDriftDetector(...).check(...)`, one snapshot and one report. */
  full: "full-check",
  /** A targeted check of the resources events named in one subscription: a report, no snapshot. */
  targeted: "targeted-check",
  /** Made by a subscription's job scheduler: asks for a full check the way `checkNow` does. */
  tick: "scheduled-tick",
} as const;

/** The data of every check job: the target, and why a full check was asked for. */
export interface CheckJobData extends CheckTarget {
  reason?: "scheduled" | "requested";
}

/** What a full check job answers (kept in Redis with the completed job, so small). */
export interface FullCheckResult {
  snapshotId: string;
  reportId: string;
  resources: number;
  added: number;
  removed: number;
  modified: number;
  unknown: number;
}

/** What a targeted check job answers. */
export interface TargetedCheckResult {
  /** The resources read (after debouncing: each resource once however many events named it). */
  resources: number;
  reportId?: string;
  /** Set when the subscription had no snapshot yet: the full check queued instead. */
  fullCheckJobId?: string;
}

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A tenant id is a GUID or a verified domain; either way no ":" (BullMQ's separator in custom ids).
const TENANT_ID = /^[a-z0-9][a-z0-9.-]{0,127}$/;

/**
 * The target lower-cased and checked: both ids end up in Redis keys and job ids, so only GUIDs (and
 * domain-shaped tenant ids) pass.
 *
 * @throws DriftError `E_INPUT` naming the bad id.
 */
export function checkTarget(target: CheckTarget): CheckTarget {
  const tenantId = String(target?.tenantId ?? "")
    .trim()
    .toLowerCase();
  const subscriptionId = String(target?.subscriptionId ?? "")
    .trim()
    .toLowerCase();
  if (!TENANT_ID.test(tenantId)) {
    throw new DriftError(
      "E_INPUT",
      `Tenant id ${JSON.stringify(target?.tenantId)} is neither a GUID nor a domain: give the Entra tenant id.`,
    );
  }
  if (!SUBSCRIPTION_ID.test(subscriptionId)) {
    throw new DriftError(
      "E_INPUT",
      `Subscription id ${JSON.stringify(target?.subscriptionId)} is not a GUID: give the subscription's id, not its name.`,
    );
  }
  return { tenantId, subscriptionId };
}

/**
 * Resource ids of one subscription, checked: each an ARM id under `/subscriptions/{subscriptionId}/`.
 *
 * @throws DriftError `E_INPUT` for an id that is not an ARM id of that subscription.
 */
export function checkResourceIds(target: CheckTarget, resourceIds: readonly string[]): string[] {
  if (!Array.isArray(resourceIds)) {
    throw new DriftError("E_INPUT", "checkResources needs an array of ARM resource ids.");
  }
  const prefix = `/subscriptions/${target.subscriptionId}/`;
  return resourceIds.map((raw) => {
    const id = typeof raw === "string" ? raw.trim() : "";
    if (!isArmId(id) || !id.toLowerCase().startsWith(prefix)) {
      throw new DriftError(
        "E_INPUT",
        `${JSON.stringify(raw)} is not an ARM resource id in subscription ${target.subscriptionId}: give ids such as ${prefix}resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg.`,
      );
    }
    return id;
  });
}

const targetKey = (target: CheckTarget) => `${target.tenantId}.${target.subscriptionId}`;

/**
 * The deduplication id of a subscription's full checks: while a full check of it waits or runs,
 * BullMQ adds no other (a request while one runs is kept as the one next check, `keepLastIfActive`).
 */
export const fullCheckDeduplicationId = (target: CheckTarget) => `full.${targetKey(target)}`;

/** The deduplication id of a subscription's targeted checks (one waits, one runs, at most). */
export const targetedCheckDeduplicationId = (target: CheckTarget) => `targeted.${targetKey(target)}`;

/** The id of a subscription's job scheduler (upserting it again changes nothing). */
export const schedulerId = (target: CheckTarget) => `schedule.${targetKey(target)}`;

/**
 * Where in an `every` period a subscription's scheduled checks fall: spread over the period by a hash
 * of the target, so a thousand subscriptions scheduled at once do not all start at the same instant.
 */
export function scheduleOffset(target: CheckTarget, everyMs: number): number {
  let hash = 2166136261;
  for (const char of targetKey(target)) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  // BullMQ treats an offset of 0 as "none" (first run at once, aligned to that moment): keep it ≥ 1.
  return 1 + (hash % Math.max(1, everyMs - 1));
}
