import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DriftError, SEVERITIES, type Severity } from "@azure-drift/core";
import type { CliIo } from "./io.js";
import { LOG_LEVELS, type LogFormat, type LogLevel } from "./logger.js";

/** Report formats the CLI renders. */
export const REPORT_FORMATS = ["table", "json", "markdown", "html", "sarif", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The help text of `--format`. */
export const FORMAT_HELP =
  "table, json, markdown, html, sarif or junit (default: table on a terminal, else json)";

/** The help text of `--output`. */
export const OUTPUT_HELP =
  "also write the report to this file, in the format its extension names (.json, .md, .html, .sarif, .xml, .txt); repeatable";

/** The format an `--output` file's extension names. */
const OUTPUT_EXTENSIONS: ReadonlyArray<readonly [string, ReportFormat]> = [
  [".sarif.json", "sarif"],
  [".sarif", "sarif"],
  [".json", "json"],
  [".md", "markdown"],
  [".markdown", "markdown"],
  [".html", "html"],
  [".htm", "html"],
  [".xml", "junit"],
  [".txt", "table"],
];

/**
 * The format of an `--output` file, from its extension.
 *
 * @throws DriftError `E_INPUT` for an extension that names no format.
 */
export function outputFormat(path: string): ReportFormat {
  const lower = path.toLowerCase();
  const found = OUTPUT_EXTENSIONS.find(([extension]) => lower.endsWith(extension));
  if (!found) {
    const known = OUTPUT_EXTENSIONS.map(([extension]) => extension).join(", ");
    throw new DriftError(
      "E_INPUT",
      `Cannot tell the format of --output ${path} from its extension: name it with one of ${known}.`,
    );
  }
  return found[1];
}

/** Commander's collector for a repeatable option. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--format`, or table on a terminal and JSON otherwise. */
export function chooseFormat(value: string | undefined, io: CliIo): ReportFormat {
  if (value === undefined) return io.stdout.isTTY ? "table" : "json";
  const format = REPORT_FORMATS.find((name) => name === value.toLowerCase());
  if (!format) {
    throw new DriftError("E_INPUT", `Unknown format "${value}": use --format ${REPORT_FORMATS.join(", ")}.`);
  }
  return format;
}

/** `--min-severity`, checked. */
export function parseSeverity(value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  const severity = SEVERITIES.find((name) => name === value.toLowerCase());
  if (!severity) {
    throw new DriftError(
      "E_INPUT",
      `Unknown severity "${value}": use --min-severity ${SEVERITIES.join(", ")}.`,
    );
  }
  return severity;
}

/** `--log-format`: JSON lines unless stderr is a terminal. */
export function chooseLogFormat(value: string | undefined, io: CliIo): LogFormat {
  if (value === undefined) return io.stderr.isTTY ? "text" : "json";
  if (value !== "json" && value !== "text") {
    throw new DriftError("E_INPUT", `Unknown log format "${value}": use --log-format json or text.`);
  }
  return value;
}

/** `--log-level`, default `info`. */
export function parseLogLevel(value: string | undefined): LogLevel {
  if (value === undefined) return "info";
  const level = LOG_LEVELS.find((name) => name === value.toLowerCase());
  if (!level)
    throw new DriftError(
      "E_INPUT",
      `Unknown log level "${value}": use --log-level ${LOG_LEVELS.join(", ")}.`,
    );
  return level;
}

/** A positive integer option such as `--concurrency`. */
export function parsePositiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 1000) {
    throw new DriftError("E_INPUT", `${name} must be a whole number from 1 to 1000: got "${value}".`);
  }
  return number;
}

/** Reads a text file named on the command line, with an error that names the option. */
export async function readInputFile(option: string, path: string, cwd: string): Promise<string> {
  const full = resolve(cwd, path);
  try {
    return await readFile(full, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? "unreadable");
    throw new DriftError("E_INPUT", `Cannot read ${option} file ${path}: ${why}. Check the path.`, {
      cause: error,
    });
  }
}
