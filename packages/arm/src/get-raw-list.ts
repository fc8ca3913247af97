import type { CollectorContext, JsonObject } from "@azure-drift/core";
import { type GetRawOptions, getRaw } from "./get-raw.js";

/**
 * A list that no SDK operation returns as a pager (an operation that resolves to one array, or one
 * the SDK dropped), read page by page with {@link getRaw}: yields each item of `value` as ARM sent
 * it and follows `nextLink` while it stays on the ARM endpoint (the token is never sent elsewhere).
 * Each page is announced as a `page` progress event. A failed page is reported incomplete for
 * `resourceType` and ends the list without throwing; a 404 ends it as empty (the scope is gone).
 */
export async function* getRawList(
  context: CollectorContext,
  options: GetRawOptions,
): AsyncIterable<JsonObject> {
  const origin = new URL(context.arm.endpoint).origin;
  const seen = new Set<string>();
  let path: string | undefined = options.path;
  while (path !== undefined) {
    const body = await getRaw(context, { ...options, path });
    if (body === undefined) return;
    const value = body.value;
    if (value !== undefined && !Array.isArray(value)) {
      incomplete(context, options, `The ARM list for ${options.resourceType} has no "value" array.`);
      return;
    }
    const items = (value ?? []).filter(
      (item): item is JsonObject => typeof item === "object" && item !== null && !Array.isArray(item),
    );
    context.onProgress({
      type: "page",
      subscriptionId: context.subscriptionId,
      collector: options.collector,
      resourceType: options.resourceType,
      items: items.length,
    });
    yield* items;
    const next = nextPath(body.nextLink, origin, seen);
    if (next === null) {
      incomplete(
        context,
        options,
        `The ARM list for ${options.resourceType} has a nextLink off the ARM endpoint or in a loop.`,
      );
      return;
    }
    path = next;
  }
}

/** The next page's URL; `undefined` at the end; `null` for a link off the endpoint or seen before. */
function nextPath(link: unknown, origin: string, seen: Set<string>): string | undefined | null {
  if (typeof link !== "string" || link === "") return undefined;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.origin !== origin || seen.has(url.href)) return null;
  seen.add(url.href);
  return url.href;
}

function incomplete(context: CollectorContext, options: GetRawOptions, reason: string): void {
  context.logger.warn("Listing incomplete", {
    collector: options.collector,
    resourceType: options.resourceType,
    subscriptionId: context.subscriptionId,
    reason,
  });
  context.coverage.incomplete(options.resourceType, reason);
}
