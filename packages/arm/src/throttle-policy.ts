import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import type { Logger, ProgressEvent } from "@azure-drift/core";
import { DriftError, isDriftError } from "@azure-drift/core";

/** The name of the throttle guard in a client pipeline. */
export const THROTTLE_GUARD_POLICY_NAME = "azureDriftThrottleGuard";

/** How the throttle guard fills the gaps of the SDK's retry policy. */
export interface ThrottleGuardOptions {
  /** The SDK retry policy's `maxRetries`: no retry event is announced for the last attempt. */
  maxRetries: number;
  /** First backoff for a 429 without `Retry-After`, doubled per attempt. Default 1 s. */
  baseDelayMs?: number;
  /** Upper bound of that backoff. Default 30 s. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this fails the request instead of waiting. Default 60 s. */
  maxRetryAfterMs?: number;
  logger: Logger;
  onProgress: (event: ProgressEvent) => void;
  subscriptionId?: string;
  collector?: string;
  /** The SDK retry policy's base delay for 5xx, for the delay announced in progress events. Default 1 s. */
  serverErrorBaseDelayMs?: number;
  /** Random source in [0, 1) for jitter (tests). */
  random?: () => number;
}

/** Whether an error was raised by the throttle guard because the service asked for too long a wait. */
export function isRetryAfterTooLong(error: unknown): error is DriftError {
  return isDriftError(error, "E_NETWORK") && error.details?.reason === "retry-after-too-long";
}

const RETRY_AFTER_MS_HEADERS = ["retry-after-ms", "x-ms-retry-after-ms"];

/** The wait a throttled response asks for, in ms, read the way the SDK reads it; undefined if none. */
export function requestedRetryAfterMs(response: PipelineResponse, now = Date.now()): number | undefined {
  for (const header of RETRY_AFTER_MS_HEADERS) {
    const value = Number(response.headers.get(header));
    if (response.headers.has(header) && Number.isFinite(value)) return value;
  }
  const retryAfter = response.headers.get("retry-after");
  if (retryAfter === undefined || retryAfter.trim() === "") return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * A per-retry pipeline policy for the two gaps of the SDK's retry policy, which it leaves to do the
 * actual waiting and retrying:
 * - the SDK does not retry a 429 without `Retry-After`: the guard adds a `retry-after-ms` hint with
 *   exponential backoff and jitter (a random wait between half and all of the doubled delay), bounded by `maxDelayMs`, so the SDK's throttling strategy retries;
 * - the SDK waits for any `Retry-After`, however long: beyond `maxRetryAfterMs` the guard fails the
 *   request (a DriftError `E_NETWORK` that the SDK does not retry), so the listing is reported
 *   incomplete instead of hanging.
 * It also announces each retry the SDK is about to make as a `retry` progress event. It logs status
 * codes and delays only: never headers that carry tokens, never bodies.
 */
export function throttleGuardPolicy(options: ThrottleGuardOptions): PipelinePolicy {
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const random = options.random ?? Math.random;
  const serverErrorBaseDelayMs = options.serverErrorBaseDelayMs ?? 1000;
  // The SDK's nominal exponential delay for a 5xx; the event reports it, the SDK waits it (with its own jitter).
  const nominalServerErrorDelay = (attempt: number): number =>
    Math.min(64_000, serverErrorBaseDelayMs * 2 ** (attempt - 1));
  // The SDK retries with the same request object, so attempts are counted per request.
  const attempts = new WeakMap<PipelineRequest, number>();

  const announce = (status: number, attempt: number, delayMs: number): void => {
    const event: ProgressEvent = { type: "retry", status, attempt, delayMs };
    if (options.subscriptionId !== undefined) event.subscriptionId = options.subscriptionId;
    if (options.collector !== undefined) event.collector = options.collector;
    options.onProgress(event);
    options.logger.debug("ARM request throttled or failed; retrying", {
      status,
      attempt,
      delayMs,
      collector: options.collector,
      subscriptionId: options.subscriptionId,
    });
  };

  return {
    name: THROTTLE_GUARD_POLICY_NAME,
    async sendRequest(request, next) {
      const attempt = (attempts.get(request) ?? 0) + 1;
      attempts.set(request, attempt);
      const response = await next(request);
      const status = response.status;
      const willRetry = attempt <= options.maxRetries;
      if (status === 429 || status === 503) {
        const requested = requestedRetryAfterMs(response);
        if (requested !== undefined && requested > maxRetryAfterMs) {
          options.logger.warn("ARM asked to wait longer than the cap; giving up on this request", {
            status,
            retryAfterMs: requested,
            maxRetryAfterMs,
            collector: options.collector,
            subscriptionId: options.subscriptionId,
          });
          throw new DriftError(
            "E_NETWORK",
            `ARM throttled the request (HTTP ${status}) and asked to wait ${Math.round(requested / 1000)} s, more than the ${Math.round(maxRetryAfterMs / 1000)} s cap; run the check again later or raise the cap.`,
            { details: { reason: "retry-after-too-long", status, retryAfterMs: requested } },
          );
        }
        if (requested === undefined && status === 429) {
          const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          const delayMs = Math.round(ceiling / 2 + (random() * ceiling) / 2);
          response.headers.set("retry-after-ms", String(delayMs));
          if (willRetry) announce(status, attempt, delayMs);
          return response;
        }
        if (willRetry) announce(status, attempt, requested ?? nominalServerErrorDelay(attempt));
        return response;
      }
      if (willRetry && isRetriedServerError(status))
        announce(status, attempt, nominalServerErrorDelay(attempt));
      return response;
    },
  };
}

/** The statuses the SDK's exponential strategy retries (408, 5xx but 501 and 505). */
function isRetriedServerError(status: number): boolean {
  return (status >= 500 || status === 408) && status !== 501 && status !== 505;
}
