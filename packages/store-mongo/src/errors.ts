import { DriftError, isDriftError } from "@azure-drift/core";

const LOST = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoTopologyClosedError",
  "MongoPoolClosedError",
  "MongoNotConnectedError",
]);

/** Whether a driver error means the server could not be reached or the connection was lost. */
export function isConnectionLost(error: unknown): boolean {
  return typeof error === "object" && error !== null && LOST.has((error as Error).name);
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
