/**
 * The Activity Log listing, `GET /subscriptions/{id}/providers/Microsoft.Insights/eventtypes/
 * management/values?$filter=eventTimestamp ge '…' and eventTimestamp le '…'`: not a resource
 * collection, so it has a route of its own. ARM requires the time window and returns events newest
 * first, in pages with `nextLink`.
 */
import type { JsonObject } from "@azure-drift/core";

/** The lower-cased type path of the listing (`providers/Microsoft.Insights/eventtypes/management/values`). */
export const ACTIVITY_LOG_TYPE = "microsoft.insights/eventtypes/values";

/** An item the pager can order: keys ascending give events newest first. */
export interface ActivityLogItem {
  key: string;
  value: () => JsonObject;
}

/** The events of one subscription in the filter's window, newest first; an error text when the filter is not one ARM accepts. */
export function activityLogItems(
  events: readonly JsonObject[],
  subscriptionId: string,
  filter: string | null,
): ActivityLogItem[] | string {
  const from = /eventTimestamp\s+ge\s+'([^']+)'/i.exec(filter ?? "")?.[1];
  const to = /eventTimestamp\s+le\s+'([^']+)'/i.exec(filter ?? "")?.[1];
  if (!from || Number.isNaN(Date.parse(from)) || (to !== undefined && Number.isNaN(Date.parse(to)))) {
    return "The $filter must name a time window: eventTimestamp ge '<ISO time>' and eventTimestamp le '<ISO time>'.";
  }
  const start = Date.parse(from);
  const end = to === undefined ? Number.POSITIVE_INFINITY : Date.parse(to);
  return events
    .filter((event) => String(event.subscriptionId).toLowerCase() === subscriptionId)
    .map((event) => ({ event, at: Date.parse(String(event.eventTimestamp)) }))
    .filter(({ at }) => at >= start && at <= end)
    .map(({ event, at }) => ({
      // Newest first under an ascending key: the time inverted, then the event id for ties.
      key: `${String(9_999_999_999_999 - at).padStart(13, "0")}|${String(event.eventDataId)}`,
      value: () => event,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
