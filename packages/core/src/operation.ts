/**
 * What every long operation takes: cancellation, a logger and progress callbacks, all injected.
 */

/** Structured fields of a log line. Values must never be secrets. */
export type LogFields = Record<string, unknown>;

/** A levelled logger. Libraries log only through the one they are given. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default. */
export const noopLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
};

/** Progress of a check, for a progress display or structured logs. */
export type ProgressEvent =
  | { type: "check-started"; tenantId: string; subscriptions: string[] }
  | { type: "collector-started"; subscriptionId: string; collector: string }
  | { type: "page"; subscriptionId: string; collector: string; resourceType: string; items: number }
  | {
      type: "retry";
      subscriptionId?: string;
      collector?: string;
      status?: number;
      attempt: number;
      delayMs: number;
    }
  | {
      type: "collector-finished";
      subscriptionId: string;
      collector: string;
      records: number;
      outcome: "succeeded" | "partial" | "failed";
    }
  | { type: "snapshot-saved"; snapshotId: string; records: number }
  | { type: "diff-finished"; added: number; removed: number; modified: number; unknown: number };

/** Options every long operation accepts. */
export interface OperationOptions {
  /** Cancels the operation; it then rejects with a `E_ABORTED` DriftError. */
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (event: ProgressEvent) => void;
}
