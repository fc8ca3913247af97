import { DriftError, isDriftError } from "@azure-drift/core";

/** The prefix of every error line the CLI prints. */
export const ERROR_PREFIX = "azure-drift: ";

/**
 * The code of an error that is not a DriftError: a bug, never bad input. Not one of core's
 * `DRIFT_ERROR_CODES` (the library never throws it); scripts may switch on it all the same.
 */
export const UNEXPECTED_ERROR_CODE = "E_UNEXPECTED";

/** The stable code a script can switch on: the DriftError's, else {@link UNEXPECTED_ERROR_CODE}. */
export function errorCodeOf(error: unknown): string {
  return isDriftError(error) ? error.code : UNEXPECTED_ERROR_CODE;
}

/** What an error says, in one line, without its code. */
export function errorMessage(error: unknown): string {
  return oneLine(
    isDriftError(error)
      ? error.message
      : `unexpected error: ${error instanceof Error ? error.message : String(error)}. Run again with --log-level debug and report it if it persists.`,
  );
}

/**
 * The one line printed on stderr for an error: `azure-drift: E_CODE: message`, never a stack
 * trace. The code comes first so a script can tell bad input from a damaged store.
 */
export function errorLine(error: unknown): string {
  return `${ERROR_PREFIX}${errorCodeOf(error)}: ${errorMessage(error)}`;
}

// C0 and C1 control characters, escape included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Collapses newlines and runs of blanks so an error is exactly one line, and shows other control
 * characters (an ARM error message is the server's text) as `�`, so none reaches the terminal.
 */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").replace(CONTROL, "\ufffd").trim();
}

interface RestLikeError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  cause?: unknown;
}

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The first `code` found on an error or its causes (Node puts ECONNREFUSED on the cause). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as RestLikeError).code;
    if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || TLS_CODES.has(code))) return code;
    current = (current as RestLikeError).cause;
  }
  const message = error instanceof Error ? error.message : "";
  for (const code of [...UNREACHABLE_CODES, ...TLS_CODES]) if (message.includes(code)) return code;
  if (/self[- ]signed certificate|unable to verify/i.test(message)) return "SELF_SIGNED_CERT_IN_CHAIN";
  return undefined;
}

/**
 * Turns what an ARM call or a credential threw into a DriftError that says what to do:
 * `E_NETWORK` for an endpoint that does not answer or fails TLS, `E_AUTH` for 401/403 and
 * credentials that cannot get a token. DriftErrors pass through unchanged.
 */
export function armCallError(error: unknown, endpoint: string, what: string): DriftError {
  if (isDriftError(error)) return error;
  const rest = (typeof error === "object" && error !== null ? error : {}) as RestLikeError;
  const code = errorCode(error);
  if (code && TLS_CODES.has(code)) {
    return new DriftError(
      "E_NETWORK",
      `TLS verification of ${endpoint} failed (${code}) while ${what}: pass the endpoint's CA certificate with --ca-cert FILE.`,
      { cause: error },
    );
  }
  if (code) {
    return new DriftError(
      "E_NETWORK",
      `${endpoint} did not answer (${code}) while ${what}: check --arm-endpoint or --cloud and your network or proxy.`,
      { cause: error },
    );
  }
  if (rest.statusCode === 401) {
    return new DriftError(
      "E_AUTH",
      `${endpoint} refused the credential (401) while ${what}: the token is invalid or expired; refresh AZURE_DRIFT_ACCESS_TOKEN or sign in again (az login).`,
      { cause: error },
    );
  }
  if (rest.statusCode === 403) {
    return new DriftError(
      "E_AUTH",
      `${endpoint} denied access (403) while ${what}: grant the identity the Reader role on the subscriptions to check.`,
      { cause: error },
    );
  }
  if (rest.name === "CredentialUnavailableError" || rest.name === "AggregateAuthenticationError") {
    return new DriftError(
      "E_AUTH",
      "No Azure credential is available: sign in with `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET (or a managed identity), or set AZURE_DRIFT_ACCESS_TOKEN.",
      { cause: error },
    );
  }
  if (rest.name === "AuthenticationError") {
    return new DriftError(
      "E_AUTH",
      `Azure AD refused to issue a token: ${oneLine(rest.message ?? "authentication failed").slice(0, 200)}. Check the credential's settings or sign in again.`,
      { cause: error },
    );
  }
  const status = rest.statusCode ? ` (HTTP ${rest.statusCode})` : "";
  return new DriftError(
    "E_NETWORK",
    `${endpoint} failed${status} while ${what}: ${oneLine(rest.message ?? String(error)).slice(0, 200)}. Check --arm-endpoint or --cloud, or try again later.`,
    { cause: error },
  );
}
