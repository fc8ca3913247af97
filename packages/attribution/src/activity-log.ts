import { armClientOptions, listRaw } from "@azure-drift/arm";
import type {
  AttributedOperation,
  AttributionRequest,
  AttributionSource,
  CollectorContext,
  JsonObject,
} from "@azure-drift/core";

/** The name attribution runs under in logs, progress events and coverage. */
export const NAME = "attribution";

/** How the Activity Log listing appears in coverage and progress events. */
export const ACTIVITY_LOG_TYPE = "Microsoft.Insights/eventtypes/management/values";

/** Options of {@link activityLogAttribution}. */
export interface ActivityLogAttributionOptions {
  /**
   * The most events read per subscription and check: the request budget stays bounded on a busy
   * subscription; past it the log counts as read incompletely. Default 20,000 (100 pages of 200).
   */
  maxEvents?: number;
}

/** Only what attribution shows: no claims, no HTTP request details. */
const SELECT = "caller,correlationId,eventDataId,eventTimestamp,operationName,resourceId,status";

const text = (value: unknown): string | undefined => {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { value?: unknown }).value === "string") {
    return (value as { value: string }).value;
  }
  return undefined;
};

/** Statuses that end an operation; `Started` and `Accepted` are superseded by them. */
const FINAL = new Set(["succeeded", "failed", "canceled"]);

/**
 * Attribution from the Azure Activity Log (`@azure/arm-monitor` 7.0.0, `activityLogs.list`): one
 * time-window listing per subscription (from the base snapshot's start to the current snapshot's
 * end), paged by the SDK, whatever the number of drifted resources. Each write, delete or action on
 * a drifted resource (or on one of its children, such as an NSG's security rule) becomes an
 * operation with caller, operation name, status, time and correlation id; the events of one
 * operation (Started, Accepted, Succeeded…) count once, with their final status. A 403, a timeout or
 * an event budget exceeded is reported through coverage, never thrown: the check goes on and the
 * resources are `unknown`.
 */
export function activityLogAttribution(options: ActivityLogAttributionOptions = {}): AttributionSource {
  const maxEvents = options.maxEvents ?? 20_000;
  return {
    name: "Activity Log",
    retentionDays: 90,
    async attribute(context: CollectorContext, request: AttributionRequest) {
      const { MonitorClient } = await import("@azure/arm-monitor");
      const client = new MonitorClient(
        context.credential,
        context.subscriptionId,
        armClientOptions(context, NAME),
      );
      const filter = `eventTimestamp ge '${request.from}' and eventTimestamp le '${request.to}'`;
      const wanted = new Set(request.resourceKeys);
      const byOperation = new Map<string, { key: string; operation: AttributedOperation }>();
      let read = 0;
      for await (const event of listRaw(context, {
        collector: NAME,
        resourceType: ACTIVITY_LOG_TYPE,
        list: (listOptions) => client.activityLogs.list(filter, { ...listOptions, select: SELECT }),
      })) {
        if (++read > maxEvents) {
          context.coverage.incomplete(
            ACTIVITY_LOG_TYPE,
            `more than ${maxEvents} events between ${request.from} and ${request.to}; the rest were not read`,
          );
          break;
        }
        const found = operationOf(event as JsonObject, wanted);
        if (!found) continue;
        const id = found.operation.correlationId
          ? `${found.key}|${found.operation.correlationId}|${found.operation.operationName}`
          : `${found.key}|${read}`;
        const seen = byOperation.get(id);
        if (
          !seen ||
          (!FINAL.has(seen.operation.status.toLowerCase()) && FINAL.has(found.operation.status.toLowerCase()))
        ) {
          byOperation.set(id, found);
        }
      }
      const result = new Map<string, AttributedOperation[]>();
      for (const { key, operation } of byOperation.values()) {
        result.set(key, [...(result.get(key) ?? []), operation]);
      }
      for (const operations of result.values())
        operations.sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
      return result;
    },
  };
}

/** The drifted resource an event is about (itself or a child of it), and the operation. */
function operationOf(
  event: JsonObject,
  wanted: ReadonlySet<string>,
): { key: string; operation: AttributedOperation } | undefined {
  const operationName = text(event.operationName);
  const resourceId = typeof event.resourceId === "string" ? event.resourceId.toLowerCase() : undefined;
  if (!operationName || !resourceId || !/\/(write|delete|action)$/i.test(operationName)) return undefined;
  let key: string | undefined;
  for (
    let candidate = resourceId;
    candidate.includes("/providers/");
    candidate = candidate.slice(0, candidate.lastIndexOf("/"))
  ) {
    if (wanted.has(candidate)) {
      key = candidate;
      break;
    }
  }
  if (!key) return undefined;
  const operation: AttributedOperation = {
    operationName,
    status: text(event.status) ?? "Unknown",
    timestamp: typeof event.eventTimestamp === "string" ? event.eventTimestamp : "",
  };
  if (typeof event.caller === "string" && event.caller !== "") operation.caller = event.caller;
  if (typeof event.correlationId === "string") operation.correlationId = event.correlationId;
  return { key, operation };
}
