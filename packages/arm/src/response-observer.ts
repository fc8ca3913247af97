import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { ArmResponseInfo, Logger } from "@azure-drift/core";

/** The name of the response observer in a client pipeline. */
export const RESPONSE_OBSERVER_POLICY_NAME = "azureDriftResponseObserver";

/** Options of {@link responseObserverPolicy}. */
export interface ResponseObserverOptions {
  /** Called with every response, each attempt on its own. */
  onResponse: (info: ArmResponseInfo) => void;
  logger: Logger;
  collector?: string;
  subscriptionId?: string;
}

/**
 * A per-retry pipeline policy, next to the wire, that hands the status of every ARM response to
 * `onResponse`: each attempt is seen, so a 429 the SDK retries counts once and its retry once more.
 * The URL passed keeps only `api-version` of its query (a `$skiptoken` or `$filter` is no metric's
 * business); headers and bodies are never passed. A throwing observer is logged, never fails the request.
 */
export function responseObserverPolicy(options: ResponseObserverOptions): PipelinePolicy {
  return {
    name: RESPONSE_OBSERVER_POLICY_NAME,
    async sendRequest(request, next) {
      const response = await next(request);
      const info: ArmResponseInfo = {
        status: response.status,
        method: request.method,
        url: observableUrl(request.url),
      };
      if (options.collector !== undefined) info.collector = options.collector;
      if (options.subscriptionId !== undefined) info.subscriptionId = options.subscriptionId;
      try {
        options.onResponse(info);
      } catch (error) {
        options.logger.warn("the ARM response observer threw; ignored", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return response;
    },
  };
}

/** The URL without its query string, but for `api-version`. */
function observableUrl(url: string): string {
  const parsed = new URL(url);
  const apiVersion = parsed.searchParams.get("api-version");
  parsed.search = "";
  if (apiVersion !== null) parsed.searchParams.set("api-version", apiVersion);
  parsed.username = "";
  parsed.password = "";
  parsed.hash = "";
  return parsed.toString();
}
