import type { PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import type { CollectorContext, JsonObject } from "@azure-drift/core";
import { DriftError, throwIfAborted } from "@azure-drift/core";
import { classifyArmError } from "./arm-errors.js";

/** Any `@azure/arm-*` client (a core-client `ServiceClient`): its pipeline sends the request. */
export interface ArmRequestSender {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

/** Options of {@link getRaw}. */
export interface GetRawOptions {
  collector: string;
  /** The ARM type fetched, for coverage and logs. */
  resourceType: string;
  /** The client whose pipeline (credential, retries, throttle guard, TLS) sends the request. */
  client: ArmRequestSender;
  /** The ARM path, e.g. `/subscriptions/…/providers/Microsoft.Network/…`; or a full URL on the ARM endpoint (a `nextLink`). */
  path: string;
  /** The `api-version` query parameter, unless `path` already has one. */
  apiVersion?: string;
}

/**
 * One GET through an SDK client's pipeline, for ARM data no SDK operation returns raw, returning the
 * JSON body as ARM sent it. Runs through `context.limit`. Returns `undefined` when the resource does
 * not exist (404) and when the request fails otherwise (403, throttled beyond the cap, 5xx after
 * retries), in which case `resourceType`'s coverage is reported incomplete. A 401 throws `E_AUTH`,
 * an aborted signal `E_ABORTED`.
 */
export async function getRaw(
  context: CollectorContext,
  options: GetRawOptions,
): Promise<JsonObject | undefined> {
  const { resourceType, collector } = options;
  const url = new URL(options.path, `${context.arm.endpoint.replace(/\/+$/, "")}/`);
  if (options.apiVersion && !url.searchParams.has("api-version"))
    url.searchParams.set("api-version", options.apiVersion);
  try {
    const response = await context.limit(async () => {
      throwIfAborted(context.signal);
      const request = createPipelineRequest({
        url: url.toString(),
        method: "GET",
        abortSignal: AbortSignal.any([context.signal]),
      });
      return options.client.sendRequest(request);
    });
    if (response.status === 404) return undefined;
    if (response.status === 401) {
      throw new DriftError(
        "E_AUTH",
        "Azure Resource Manager refused the token (HTTP 401): it is invalid, expired, or for another cloud's audience; sign in again (az login) or pass a fresh token, and check --cloud/--arm-endpoint.",
        { details: { status: 401, resourceType } },
      );
    }
    if (response.status < 200 || response.status >= 300) {
      const reason = `HTTP ${response.status} reading ${resourceType}${response.status === 403 ? ": the credential lacks read access (grant Reader)" : " after retries"}.`;
      report(context, collector, resourceType, reason);
      return undefined;
    }
    const body: unknown = JSON.parse(response.bodyAsText ?? "null");
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      report(context, collector, resourceType, `The ARM response for ${resourceType} is not a JSON object.`);
      return undefined;
    }
    return body as JsonObject;
  } catch (error) {
    if (error instanceof SyntaxError) {
      report(context, collector, resourceType, `The ARM response for ${resourceType} is not JSON.`);
      return undefined;
    }
    const failure = classifyArmError(error, resourceType, context.signal);
    if (failure === undefined) throw error;
    if (failure.kind !== "incomplete") throw failure.error;
    report(context, collector, resourceType, failure.reason);
    return undefined;
  }
}

function report(context: CollectorContext, collector: string, resourceType: string, reason: string): void {
  context.logger.warn("Read incomplete", {
    collector,
    resourceType,
    subscriptionId: context.subscriptionId,
    reason,
  });
  context.coverage.incomplete(resourceType, reason);
}
