import type { Logger } from "@azure-drift/core";
import type { Logger as PinoLogger } from "pino";

/** core's {@link Logger} (message, fields) writing through a pino logger (fields, message). */
export function driftLogger(pino: PinoLogger): Logger {
  return {
    error: (message, fields) => pino.error(fields ?? {}, message),
    warn: (message, fields) => pino.warn(fields ?? {}, message),
    info: (message, fields) => pino.info(fields ?? {}, message),
    debug: (message, fields) => pino.debug(fields ?? {}, message),
  };
}
