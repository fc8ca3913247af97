import type { Logger, ProgressEvent } from "@azure-drift/core";
import { errorCodeOf, errorMessage } from "./errors.js";
import type { CliIo } from "./io.js";
import { createCliLogger, type LogFormat, type LogLevel } from "./logger.js";
import { createProgressLine, type ProgressLine } from "./progress.js";

/** What a long command reports through: a logger and progress events, both on stderr. */
export interface Feedback {
  logger: Logger;
  onProgress(event: ProgressEvent): void;
  /** Removes the progress line; call before writing the result. */
  stop(): void;
}

/**
 * On a terminal: one updating progress line, log lines printed above it. Otherwise: no progress
 * line; progress events become structured log lines (pages at debug level, the rest at info).
 */
export function createFeedback(
  io: CliIo,
  options: { format: LogFormat; level: LogLevel; collectorsPerSubscription: number },
): Feedback {
  let line: ProgressLine | undefined;
  const logger = createCliLogger({
    output: io.stderr,
    format: options.format,
    level: options.level,
    beforeWrite: () => line?.clear(),
  });
  if (io.stderr.isTTY) {
    line = createProgressLine(io.stderr, { collectorsPerSubscription: options.collectorsPerSubscription });
    const progressLine = line;
    return {
      logger,
      onProgress: (event) => {
        if (event.type === "retry") logger.debug("retrying an ARM request", { ...event });
        progressLine.onProgress(event);
      },
      stop: () => progressLine.stop(),
    };
  }
  return {
    logger,
    onProgress: (event) => {
      const { type, ...fields } = event;
      if (type === "page" || type === "collector-started")
        logger.debug(progressMessage(event), { event: type, ...fields });
      else logger.info(progressMessage(event), { event: type, ...fields });
    },
    stop: () => {},
  };
}

/**
 * Logs why a command failed, with its stable `code`, so a pipeline reading the JSON log lines
 * gets the code without parsing the one-line error the CLI prints last.
 */
export function logFailure(logger: Logger, error: unknown): void {
  logger.error("command failed", { code: errorCodeOf(error), error: errorMessage(error) });
}

function progressMessage(event: ProgressEvent): string {
  switch (event.type) {
    case "check-started":
      return "check started";
    case "collector-started":
      return "collector started";
    case "page":
      return "page collected";
    case "retry":
      return "retrying an ARM request";
    case "collector-finished":
      return "collector finished";
    case "snapshot-saved":
      return "snapshot saved";
    case "diff-finished":
      return "diff finished";
  }
}
