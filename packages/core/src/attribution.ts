/**
 * Who changed it: the contract between the check pipeline and a source of change events (the Azure
 * Activity Log in `@azure-drift/attribution`), and the step that attaches what it finds to a report.
 */
import type { ArmConnection, CollectorContext, Limiter, TokenCredential } from "./collector.js";
import { isDriftError } from "./errors.js";
import type { AttributedOperation, DriftReport, ResourceAttribution, ResourceDrift } from "./model.js";
import { type Logger, noopLogger, type ProgressEvent } from "./operation.js";

/** What a source is asked for one subscription. */
export interface AttributionRequest {
  /** Lower-cased subscription id. */
  subscriptionId: string;
  /** The window: from the base snapshot's start to the current snapshot's end (ISO). */
  from: string;
  to: string;
  /** Lower-cased ARM ids of the drifted resources in that subscription. */
  resourceKeys: string[];
}

/**
 * A source of change events. `attribute` is called once per subscription with drift, with the same
 * kind of context a collector gets (credential, ARM connection, limiter, signal, logger); it reports
 * a log it could not read completely through `context.coverage.incomplete(...)` and returns the
 * operations it found per lower-cased resource id. It must keep its requests bounded per
 * subscription (one time-window listing, not one request per resource).
 */
export interface AttributionSource {
  name: string;
  /** How far back the source keeps events (the Activity Log: 90 days). */
  retentionDays?: number;
  attribute(
    context: CollectorContext,
    request: AttributionRequest,
  ): Promise<Map<string, AttributedOperation[]>>;
}

/** What {@link attributeReport} needs besides the report. */
export interface AttributeReportOptions {
  source: AttributionSource;
  tenantId: string;
  /** When the base snapshot started and the current one finished. */
  from: string;
  to: string;
  credential: TokenCredential;
  arm: ArmConnection;
  limit: Limiter;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  /** The clock (tests). */
  now?: Date;
}

const DAY_MS = 86_400_000;

function unknown(reason: string): ResourceAttribution {
  return { status: "unknown", operations: [], reason };
}

/**
 * Attaches to every added, modified and removed resource of `report` the operations the source
 * recorded on it between the two snapshots (`resource.attribution`). It never fails the check: a
 * source that cannot be read (403, timeout) leaves those resources `unknown` with the reason and a
 * notice; an abort still aborts.
 */
export async function attributeReport(report: DriftReport, options: AttributeReportOptions): Promise<void> {
  if (report.resources.length === 0) return;
  const logger = options.logger ?? noopLogger;
  const now = options.now ?? new Date();
  let from = options.from;
  const retention = options.source.retentionDays;
  if (retention !== undefined && Date.parse(from) < now.getTime() - retention * DAY_MS) {
    from = new Date(now.getTime() - retention * DAY_MS).toISOString();
    report.notices.push(
      `Attribution: the base snapshot (${options.from}) is older than the ${retention} days ${options.source.name} keeps; changes made before ${from} show no caller.`,
    );
  }
  const bySubscription = new Map<string, ResourceDrift[]>();
  for (const resource of report.resources) {
    const subscription = (resource.subscriptionId ?? "").toLowerCase();
    if (!subscription) {
      resource.attribution = unknown("a tenant-level resource: no subscription's log records it");
      continue;
    }
    bySubscription.set(subscription, [...(bySubscription.get(subscription) ?? []), resource]);
  }
  for (const [subscriptionId, resources] of bySubscription) {
    const failures: string[] = [];
    const context: CollectorContext = {
      tenantId: options.tenantId,
      subscriptionId,
      credential: options.credential,
      arm: options.arm,
      signal: options.signal ?? new AbortController().signal,
      limit: options.limit,
      logger,
      coverage: { incomplete: (_type, reason) => failures.push(String(reason)) },
      onProgress: options.onProgress ?? (() => {}),
    };
    let found: Map<string, AttributedOperation[]>;
    try {
      found = await options.source.attribute(context, {
        subscriptionId,
        from,
        to: options.to,
        resourceKeys: resources.map((resource) => resource.key),
      });
    } catch (error) {
      if (isDriftError(error, "E_ABORTED")) throw error;
      failures.push(error instanceof Error ? error.message : String(error));
      found = new Map();
    }
    if (failures.length > 0) {
      report.notices.push(
        `Attribution: the ${options.source.name} of subscription ${subscriptionId} could not be read completely (${failures[0]}); callers there may be missing.`,
      );
      logger.warn("attribution incomplete", { subscriptionId, reason: failures[0] });
    }
    for (const resource of resources) {
      const operations = found.get(resource.key) ?? [];
      resource.attribution =
        operations.length > 0
          ? { status: "found", operations }
          : unknown(
              failures.length > 0
                ? `the ${options.source.name} could not be read: ${failures[0]}`
                : `the ${options.source.name} has no write or delete on it between ${from} and ${options.to}`,
            );
    }
  }
}
