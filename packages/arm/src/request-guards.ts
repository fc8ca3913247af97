import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { DriftError } from "@azure-drift/core";

/**
 * The default time an ARM request may take, answer body included. ARM gives a resource provider
 * 60 seconds and then answers 504 itself, so a request with no answer after 90 s (60 s plus room
 * for ARM and the network) is stuck in a connection, not slow in Azure.
 */
export const DEFAULT_ARM_REQUEST_TIMEOUT_MS = 90_000;

/** The name of the request timeout in a client pipeline. */
export const REQUEST_TIMEOUT_POLICY_NAME = "azureDriftRequestTimeout";

/** The name of the host guard in a client pipeline. */
export const HOST_GUARD_POLICY_NAME = "azureDriftHostGuard";

/**
 * A per-attempt timeout (add it `perRetry`): an attempt with no complete answer after `timeoutMs`
 * is abandoned with an `E_NETWORK` DriftError, which ends the request (it is not retried: each
 * retry could wait as long again). A listing then becomes incomplete, its slice `unknown`; the
 * caller's own cancellation stays `E_ABORTED`. The SDK sets no timeout of its own.
 */
export function requestTimeoutPolicy(timeoutMs: number = DEFAULT_ARM_REQUEST_TIMEOUT_MS): PipelinePolicy {
  return {
    name: REQUEST_TIMEOUT_POLICY_NAME,
    async sendRequest(request, next) {
      const outer = request.abortSignal;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error("ARM request timed out"));
      }, timeoutMs);
      const forward = () => controller.abort((outer as AbortSignal | undefined)?.reason);
      if (outer?.aborted) forward();
      else outer?.addEventListener("abort", forward, { once: true });
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (error) {
        if (timedOut && !outer?.aborted) {
          throw new DriftError(
            "E_NETWORK",
            `ARM did not answer GET ${new URL(request.url).pathname} within ${timeoutMs / 1000} s; the request was abandoned (raise the timeout with --request-timeout, or ArmConnection.requestTimeoutMs).`,
            { cause: error, details: { reason: "timeout", timeoutMs } },
          );
        }
        throw error;
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener("abort", forward);
        // The retry policy checks the signal it gave: hand it back untouched.
        request.abortSignal = outer;
      }
    },
  };
}

/**
 * Refuses any request to another origin than `endpoint`'s (add it `perCall`): a `nextLink` that
 * points elsewhere is never followed, so the bearer token the pipeline attached never leaves for
 * another host. The request fails with `E_NETWORK` before anything is sent; a listing then becomes
 * incomplete.
 */
export function hostGuardPolicy(endpoint: string): PipelinePolicy {
  const allowed = new URL(endpoint).origin;
  return {
    name: HOST_GUARD_POLICY_NAME,
    sendRequest(request, next) {
      const origin = new URL(request.url).origin;
      if (origin !== allowed) {
        return Promise.reject(
          new DriftError(
            "E_NETWORK",
            `ARM sent a link to another host (${origin}, not ${allowed}); it was not followed, so the token stays with ${allowed}.`,
            { details: { reason: "foreign-host", origin } },
          ),
        );
      }
      return next(request);
    },
  };
}
