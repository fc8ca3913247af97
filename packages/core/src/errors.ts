/**
 * One way to fail: every error azure-drift throws is a {@link DriftError} with a stable `code`
 * from a closed set, the original error as `cause`, and a message that says what to do.
 */

/** The closed set of error codes. Pipelines may switch on these; they never change meaning. */
export const DRIFT_ERROR_CODES = [
  /** Input is not a snapshot we can read: bad JSON, wrong shape. */
  "E_SNAPSHOT_FORMAT",
  /** A snapshot or store file has a format version this release cannot read. */
  "E_SNAPSHOT_VERSION",
  /** A bad argument, option, file path or rules file. */
  "E_INPUT",
  /** A collector failed as a whole. */
  "E_COLLECTOR",
  /** A store operation failed (I/O, server). */
  "E_STORE",
  /** Stored data is damaged: truncated, corrupt, or a reference to a missing document. */
  "E_STORE_CORRUPT",
  /** Another writer holds the store's lock and did not release it in time. */
  "E_STORE_LOCKED",
  /** The store was closed. */
  "E_STORE_CLOSED",
  /** A snapshot, report or baseline does not exist. */
  "E_NOT_FOUND",
  /** The operation was cancelled through its AbortSignal. */
  "E_ABORTED",
  /** Credentials are missing, invalid or expired, or access was denied. */
  "E_AUTH",
  /** An endpoint did not answer, or answered with something that is not ARM. */
  "E_NETWORK",
] as const;

/** A stable error code. */
export type DriftErrorCode = (typeof DRIFT_ERROR_CODES)[number];

const ERROR_NAME = "DriftError";

/** The base class of every error azure-drift throws. */
export class DriftError extends Error {
  override readonly name = ERROR_NAME;
  readonly code: DriftErrorCode;
  /** Extra facts for logs and tooling (a file name, a snapshot id…). Never secrets. */
  readonly details?: Record<string, unknown>;

  constructor(
    code: DriftErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.details) this.details = options.details;
  }
}

/**
 * Whether `error` is a {@link DriftError}. Checks the name and code, not the prototype, so it works
 * when two copies of the package are installed.
 */
export function isDriftError(error: unknown, code?: DriftErrorCode): error is DriftError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (candidate.name !== ERROR_NAME) return false;
  if (!DRIFT_ERROR_CODES.includes(candidate.code as DriftErrorCode)) return false;
  return code === undefined || candidate.code === code;
}

/** Throws `E_ABORTED` if the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new DriftError("E_ABORTED", "The operation was cancelled.", { cause: signal.reason });
  }
}
