import { isRestError } from "@azure/core-rest-pipeline";
import { DriftError, isDriftError } from "@azure-drift/core";

/** What a failed ARM request means for a listing. */
export type ArmFailure =
  /** The signal was aborted: stop everything. */
  | { kind: "aborted"; error: DriftError }
  /** The credential is bad: nothing else will work either. */
  | { kind: "auth"; error: DriftError }
  /** This listing cannot be completed (403, 404, throttled, server error…): its coverage is incomplete. */
  | { kind: "incomplete"; reason: string };

// Errors @azure/identity raises when it cannot produce a token at all.
const CREDENTIAL_ERROR_NAMES = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
]);

const MAX_SERVICE_MESSAGE = 240;

/**
 * Classifies an error thrown by an ARM request made for `resourceType`. Errors that are not about
 * ARM (a bug in the caller) are returned as `undefined` so the caller rethrows them.
 */
export function classifyArmError(
  error: unknown,
  resourceType: string,
  signal: AbortSignal,
): ArmFailure | undefined {
  if (isDriftError(error, "E_ABORTED")) return { kind: "aborted", error };
  if (signal.aborted || (error instanceof Error && error.name === "AbortError")) {
    return {
      kind: "aborted",
      error: new DriftError("E_ABORTED", "The collection was cancelled.", { cause: signal.reason ?? error }),
    };
  }
  if (isDriftError(error, "E_AUTH")) return { kind: "auth", error };
  // Throttled beyond the cap, or an answer that is not ARM JSON: this listing only.
  if (isDriftError(error, "E_NETWORK")) return { kind: "incomplete", reason: error.message };
  if (error instanceof Error && CREDENTIAL_ERROR_NAMES.has(error.name)) {
    return {
      kind: "auth",
      error: new DriftError(
        "E_AUTH",
        "The credential could not get a token for Azure Resource Manager; sign in again (az login) or check the service principal's settings.",
        { cause: error },
      ),
    };
  }
  if (!isRestError(error)) return undefined;
  const status = error.statusCode;
  if (status === 401) {
    return {
      kind: "auth",
      error: new DriftError(
        "E_AUTH",
        "Azure Resource Manager refused the token (HTTP 401): it is invalid, expired, or for another cloud's audience; sign in again (az login) or pass a fresh token, and check --cloud/--arm-endpoint.",
        { cause: error, details: { status, resourceType } },
      ),
    };
  }
  return { kind: "incomplete", reason: describeRestError(error, resourceType) };
}

/** A one-line reason for coverage: status, ARM error code and a bounded service message. Never a body or a header. */
function describeRestError(
  error: { statusCode?: number; code?: string; message: string },
  resourceType: string,
): string {
  const status = error.statusCode;
  const serviceMessage =
    error.message.length > MAX_SERVICE_MESSAGE
      ? `${error.message.slice(0, MAX_SERVICE_MESSAGE)}…`
      : error.message;
  if (status === 403) {
    return `HTTP 403 ${error.code ?? "Forbidden"} listing ${resourceType}: the credential lacks read access (grant Reader, or ${resourceType}/read). ${serviceMessage}`;
  }
  if (status === 404) {
    return `HTTP 404 ${error.code ?? "NotFound"} listing ${resourceType}: the subscription or provider was not found. ${serviceMessage}`;
  }
  if (status === undefined) {
    return `No response listing ${resourceType} after retries (${error.code ?? "network error"}): ${serviceMessage}`;
  }
  return `HTTP ${status} ${error.code ?? ""} listing ${resourceType} after retries: ${serviceMessage}`.replace(
    /\s+/g,
    " ",
  );
}
