import { DriftError, isDriftError } from "@azure-drift/core";

const LOST = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoTopologyClosedError",
  "MongoPoolClosedError",
  "MongoNotConnectedError",
]);

/**
 * Whether a driver error means the server could not be reached or the connection was lost. A bulk
 * write reports it wrapped (a `MongoBulkWriteError` labelled `HandshakeError`, or saying
 * "connection … closed"), so the labels, causes and message are looked at too.
 */
export function isConnectionLost(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    typeof current === "object" && current !== null && depth < 4;
    depth++
  ) {
    if (LOST.has((current as Error).name)) return true;
    const labels = (current as { errorLabelSet?: Set<string> }).errorLabelSet;
    if (labels?.has("ResetPool") || labels?.has("HandshakeError")) return true;
    if (/^connection .* (closed|timed out)|ECONNREFUSED|ECONNRESET/.test((current as Error).message ?? ""))
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Whether a driver error is a duplicate key (E11000): what an idempotent insert expects. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/**
 * A driver error as a DriftError: `E_STORE` saying what was being done and what to do. Messages
 * carry the driver's text, which never includes credentials.
 */
export function storeError(error: unknown, doing: string): DriftError {
  if (isDriftError(error)) return error;
  const cause = error as Error;
  if (isConnectionLost(error)) {
    return new DriftError(
      "E_STORE",
      `Lost the connection to MongoDB while ${doing} (${cause.message}). Nothing partial became visible; check that the server is reachable and run the command again.`,
      { cause: error, details: { driverError: cause.name } },
    );
  }
  const code = (error as { code?: unknown }).code;
  return new DriftError(
    "E_STORE",
    `MongoDB refused ${doing}: ${cause?.message ?? String(error)}${code === undefined ? "" : ` (code ${String(code)})`}. Check the user's permissions and the server's state.`,
    { cause: error, details: { driverError: cause?.name, code } },
  );
}
