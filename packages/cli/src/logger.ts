import { type LogFields, type Logger, looksLikeSecretValue } from "@azure-drift/core";
import type { CliOutput } from "./io.js";

/** How log lines look on stderr. */
export type LogFormat = "json" | "text";

/** The levels, most severe first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Field names whose values are never written, whatever a caller passes: tokens, keys, secrets.
const SECRET_FIELD =
  /token|secret|password|passwd|authorization|cookie|connectionstring|sas$|sastoken|(api|access|account|shared|private|primary|secondary)key/i;
const REDACTED = "[REDACTED]";

/**
 * A logger that writes one line per call to `output`: a JSON object `{ level, time, msg, ...fields }`
 * or a `time LEVEL msg key=value` text line. Field values under secret-looking names are replaced.
 * `beforeWrite` lets a progress line clear itself so log lines and the progress line do not mix.
 */
export function createCliLogger(options: {
  output: CliOutput;
  format: LogFormat;
  level: LogLevel;
  now?: () => Date;
  beforeWrite?: () => void;
}): Logger {
  const { output, format, level } = options;
  const now = options.now ?? (() => new Date());
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (lineLevel: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lineLevel) > threshold) return;
    const safe = fields ? scrubFields(fields) : {};
    options.beforeWrite?.();
    if (format === "json") {
      output.write(`${JSON.stringify({ level: lineLevel, time: now().toISOString(), msg, ...safe })}\n`);
    } else {
      const rest = Object.entries(safe)
        .map(
          ([key, value]) =>
            `${key}=${typeof value === "string" && isBare(value) ? value : JSON.stringify(value)}`,
        )
        .join(" ");
      output.write(`${now().toISOString()} ${lineLevel.toUpperCase()} ${msg}${rest ? ` ${rest}` : ""}\n`);
    }
  };
  return {
    error: (msg, fields) => emit("error", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    debug: (msg, fields) => emit("debug", msg, fields),
  };
}

/**
 * Copies `fields`, replacing values under secret-looking names and values that look like a
 * credential, and turning errors into their message.
 */
export function scrubFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    const text = value instanceof Error ? value.message : value;
    // By name, and by value: a token under a neutral name (an ARM message quoting one) stays out too.
    if (SECRET_FIELD.test(name) || (typeof text === "string" && looksLikeSecretValue(text)))
      out[name] = REDACTED;
    else out[name] = text;
  }
  return out;
}

/**
 * Whether a text value can stand bare in a `key=value` line. Anything else (blanks, quotes, `=`,
 * control characters, nothing at all) is written as a JSON string, so one entry stays one line, a
 * reader can split it, and a value from Azure cannot drive the terminal.
 */
function isBare(value: string): boolean {
  if (value === "") return false;
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code <= 0x20 || (code >= 0x7f && code <= 0xa0) || char === '"' || char === "=" || char === "\\")
      return false;
  }
  return true;
}
