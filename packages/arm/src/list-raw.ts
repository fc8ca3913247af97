import type { FullOperationResponse } from "@azure/core-client";
import type { PipelineResponse } from "@azure/core-rest-pipeline";
import type { CollectorContext, JsonObject } from "@azure-drift/core";
import { DriftError, throwIfAborted } from "@azure-drift/core";
import { classifyArmError } from "./arm-errors.js";

/**
 * The default for `ArmConnection.maxPagesPerListing`: pages one listing may take before it is
 * stopped as a paging loop. ARM pages hold 100–1,000 items, and no resource type comes near
 * 500,000 per subscription.
 */
export const DEFAULT_MAX_PAGES_PER_LISTING = 5_000;

/** What an SDK list operation is given by {@link listRaw}: pass the whole object as the operation's options. */
export interface ListOperationOptions {
  onResponse: (raw: FullOperationResponse) => void;
  abortSignal: AbortSignal;
  /**
   * Skips the SDK's model deserialization of successful pages (their items are taken raw anyway);
   * error responses are still deserialized, so the SDK raises its `RestError` for them.
   */
  requestOptions: { shouldDeserialize: (response: PipelineResponse) => boolean };
}

/** The paged iterator an `@azure/arm-*` list operation returns (only `byPage` is used). */
export interface PagedList {
  byPage(settings?: { continuationToken?: string }): AsyncIterableIterator<unknown>;
}

/** Options of {@link listRaw}. */
export interface ListRawOptions {
  /** The collector's name, for progress events and logs. */
  collector: string;
  /** The ARM type being listed, for coverage and progress, e.g. `Microsoft.Network/networkSecurityGroups`. */
  resourceType: string;
  /**
   * Starts the SDK list operation with the given options, e.g.
   * `(options) => client.networkSecurityGroups.listAll(options)`.
   */
  list: (operationOptions: ListOperationOptions) => PagedList;
}

/**
 * Runs an SDK list operation page by page and yields each item **as the ARM REST API returned it**
 * (parsed from the page's response body, not the SDK's reshaped model, so paths match `az` output).
 *
 * Each page request runs through `context.limit`, and each page is announced as a `page` progress
 * event. The next page is requested as soon as a page arrives (one page of read-ahead), so the
 * consumer's work on a page overlaps the next round trip. A listing that fails after the SDK's retries (403, 404, throttled beyond the cap, 5xx,
 * dropped connections, no answer within the request timeout, a `nextLink` to another host) is
 * reported through `context.coverage.incomplete(resourceType, reason)` and ends without throwing;
 * items already yielded stay valid. So does a paging loop: a `nextLink` already followed, or more
 * than `context.arm.maxPagesPerListing` pages. A 401 or a credential that cannot get a
 * token throws a DriftError `E_AUTH`; an aborted signal throws `E_ABORTED`.
 */
export async function* listRaw(
  context: CollectorContext,
  options: ListRawOptions,
): AsyncIterable<JsonObject> {
  const { collector, resourceType } = options;
  let lastResponse: FullOperationResponse | undefined;
  let pages: AsyncIterableIterator<unknown> | undefined;
  try {
    throwIfAborted(context.signal);
    pages = options
      .list({
        // Each request adds an abort listener to the signal it is given: a signal per listing keeps
        // the check's signal under Node's listener warning threshold however many listings run.
        abortSignal: AbortSignal.any([context.signal]),
        onResponse: (raw) => {
          lastResponse = raw;
        },
        requestOptions: { shouldDeserialize: skipDeserializationOfSuccess },
      })
      .byPage();
    const iterator = pages;
    // Each page is parsed the moment it arrives (before the next request can replace `lastResponse`).
    const fetchPage = () =>
      context.limit(async () => {
        throwIfAborted(context.signal);
        lastResponse = undefined;
        const step = await iterator.next();
        const response = lastResponse;
        // The response holds the page's text as well: let it go as soon as the page is parsed.
        lastResponse = undefined;
        if (step.done) return undefined;
        const body = parseBody(response, resourceType);
        return {
          items: pageItems(body, resourceType),
          nextLink: nextLinkOf(body),
          url: (response as FullOperationResponse | undefined)?.request.url,
        };
      });
    const maxPages = context.arm.maxPagesPerListing ?? DEFAULT_MAX_PAGES_PER_LISTING;
    const followed = new Set<string>();
    let pageCount = 0;
    let upcoming = fetchPage();
    while (true) {
      const page = await upcoming;
      if (page === undefined) return;
      const { items, nextLink } = page;
      pageCount++;
      if (page.url !== undefined) followed.add(page.url);
      // A nextLink followed before (a loop), or one page too many (a loop whose link changes):
      // stop, keep what was read, and report the listing incomplete instead of paging for ever.
      const endless =
        nextLink === undefined
          ? undefined
          : followed.has(nextLink)
            ? `ARM sent a nextLink to a page already read (a paging loop) listing ${resourceType}; the listing was stopped after ${pageCount} page${pageCount === 1 ? "" : "s"}.`
            : pageCount >= maxPages
              ? `Listing ${resourceType} reached ${maxPages} pages and was stopped (a paging loop, or raise maxPagesPerListing).`
              : undefined;
      if (endless === undefined) {
        // Read ahead: the next page is requested before this one's items are handed on, so the time
        // the consumer spends on them (building records, writing the store) overlaps the round trip
        // instead of adding to it. At most two pages of a listing are held at once.
        upcoming = fetchPage();
        // If the consumer stops early, nobody awaits the read-ahead: its failure is not unhandled.
        upcoming.catch(() => undefined);
      }
      context.onProgress({
        type: "page",
        subscriptionId: context.subscriptionId,
        collector,
        resourceType,
        items: items.length,
      });
      // Each item is let go once handed on, so a page held while the next one arrives shrinks as it is consumed.
      const held: (JsonObject | undefined)[] = items;
      for (let i = 0; i < held.length; i++) {
        const item = held[i] as JsonObject;
        held[i] = undefined;
        yield item;
      }
      if (endless !== undefined) {
        context.logger.warn("Listing incomplete", {
          collector,
          resourceType,
          subscriptionId: context.subscriptionId,
          reason: endless,
        });
        context.coverage.incomplete(resourceType, endless);
        return;
      }
    }
  } catch (error) {
    const failure = classifyArmError(error, resourceType, context.signal);
    if (failure === undefined) throw error;
    if (failure.kind !== "incomplete") throw failure.error;
    context.logger.warn("Listing incomplete", {
      collector,
      resourceType,
      subscriptionId: context.subscriptionId,
      reason: failure.reason,
    });
    context.coverage.incomplete(resourceType, failure.reason);
  } finally {
    // Stop the SDK's page generator when the consumer stops early. Not awaited: it settles only
    // after the page being read ahead, and a consumer that stops should not wait for that request.
    void pages?.return?.(undefined).catch(() => undefined);
  }
}

// Responses whose SDK deserialization was skipped: their `parsedBody` is ARM's JSON as sent.
const rawParsed = new WeakSet<PipelineResponse>();

/**
 * The SDK deserializes a page into its reshaped model, which costs more CPU than the rest of a
 * collection and is thrown away here: skip it for successful pages. Error responses are still
 * deserialized, so the SDK throws its `RestError` for them.
 */
function skipDeserializationOfSuccess(response: PipelineResponse): boolean {
  if (response.status >= 200 && response.status < 300) {
    rawParsed.add(response);
    return false;
  }
  return true;
}

function parseBody(response: FullOperationResponse | undefined, resourceType: string): unknown {
  if (response && rawParsed.has(response) && response.parsedBody !== undefined) return response.parsedBody;
  // Otherwise `parsedBody` is the SDK's reshaped model (fields lifted out of `properties`): parse what ARM sent.
  const text = response?.bodyAsText;
  if (typeof text !== "string") {
    throw new DriftError(
      "E_COLLECTOR",
      `The ARM response for ${resourceType} had no body text; pass listRaw's onResponse to the SDK operation's options.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DriftError(
      "E_NETWORK",
      `The ARM response for ${resourceType} is not JSON; check the ARM endpoint.`,
      {
        cause,
      },
    );
  }
}

/** The page's `nextLink`, if it has one. */
function nextLinkOf(body: unknown): string | undefined {
  const nextLink = (body as { nextLink?: unknown } | null)?.nextLink;
  return typeof nextLink === "string" && nextLink.length > 0 ? nextLink : undefined;
}

function pageItems(body: unknown, resourceType: string): JsonObject[] {
  const value = (body as { value?: unknown } | null)?.value;
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new DriftError(
      "E_NETWORK",
      `The ARM list page for ${resourceType} has no "value" array; check the ARM endpoint.`,
    );
  }
  return value.filter(
    (item): item is JsonObject => typeof item === "object" && item !== null && !Array.isArray(item),
  );
}
