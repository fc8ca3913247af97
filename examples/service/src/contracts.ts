/**
 * The seams between the service's two halves: the HTTP API (which reads the store and asks for
 * checks) and the job system (BullMQ queues and the worker processes that run checks). Each half is
 * tested against the real other half in the end-to-end tests; these interfaces let each be built
 * and unit-tested on its own.
 */

/** One unit of scheduling: a check of one subscription of one tenant. */
export interface CheckTarget {
  tenantId: string;
  /** Lower-cased subscription id. */
  subscriptionId: string;
}

/** How the HTTP API asks for checks; implemented over BullMQ in `jobs/`. */
export interface CheckJobs {
  /** Upserts one repeatable full check per target, every `everyMs` (3 h is the usual start). */
  schedule(targets: CheckTarget[], everyMs: number): Promise<void>;
  /** Queues a full check of one subscription now; a check of it already waiting is reused. */
  checkNow(target: CheckTarget): Promise<{ jobId: string }>;
  /**
   * Queues a targeted check of these resources (from Event Grid), debounced per resource so a burst
   * of events on one resource costs one read.
   */
  checkResources(target: CheckTarget, resourceIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** What a check reports to metrics; implemented with prom-client in `metrics.ts`. */
export interface CheckObserver {
  checkStarted(target: CheckTarget, kind: "full" | "targeted"): void;
  checkFinished(
    target: CheckTarget,
    outcome: {
      kind: "full" | "targeted";
      ok: boolean;
      durationMs: number;
      /** Drift found, by severity (`critical`, `high`…); empty on failure. */
      driftBySeverity: Record<string, number>;
    },
  ): void;
  /** One ARM response (after the SDK's retries, each attempt counts): its HTTP status. */
  armResponse(status: number): void;
}
