import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import {
  type Collector,
  DriftError,
  type DriftReport,
  defaultRules,
  type RenderOptions,
  type RuleOptions,
  renderReport,
} from "@azure-drift/core";

export { applyReportFilters } from "./report-filter.js";

import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import { type CliIo, wantsColor } from "./io.js";
import { outputFormat, type ReportFormat } from "./options.js";
import { VERSION } from "./version.js";

/** What the SARIF and JUnit renderings need besides the report. */
export type ReportExtras = Pick<RenderOptions, "rules" | "minSeverity">;

/**
 * The exit code a report gives: 2 when it lists drifted resources or `unknown` entries (a slice
 * that could not be compared is not "no drift"), 0 otherwise.
 */
export function reportExitCode(report: DriftReport): ExitCode {
  return report.resources.length > 0 || report.unknown.length > 0 ? EXIT_CODES.drift : EXIT_CODES.ok;
}

/** Writes the report to stdout in `format`, coloured only on a terminal. */
export function writeReport(
  io: CliIo,
  report: DriftReport,
  format: ReportFormat,
  extras: ReportExtras = {},
): void {
  const text = renderReport(report, format, {
    ...extras,
    toolVersion: VERSION,
    color: format === "table" && wantsColor(io.stdout, io.env),
    width: io.stdout.columns && io.stdout.columns >= 40 ? io.stdout.columns : 120,
  });
  io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * Writes the report to each `--output` file, in the format its extension names. Every file is
 * written whole or not at all: a temporary file beside it, flushed to disk, then renamed over it,
 * so a pipeline never reads half a report. Formats are checked before anything is written.
 *
 * @throws DriftError `E_INPUT` for an extension that names no format or a file that cannot be written.
 */
export async function writeReportFiles(
  io: CliIo,
  report: DriftReport,
  outputs: readonly string[],
  extras: ReportExtras = {},
): Promise<void> {
  const planned = outputs.map((output) => ({
    output,
    path: resolve(io.cwd, output),
    format: outputFormat(output),
  }));
  for (const { output, path, format } of planned) {
    const text = renderReport(report, format, { ...extras, toolVersion: VERSION, width: 100 });
    await writeFileAtomically(output, path, text.endsWith("\n") ? text : `${text}\n`);
  }
}

async function writeFileAtomically(option: string, path: string, text: string): Promise<void> {
  const temporary = resolve(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "its directory does not exist"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : (code ?? "it cannot be written");
    throw new DriftError("E_INPUT", `Cannot write --output ${option}: ${why}. Check the path.`, {
      cause: error,
    });
  }
}

/**
 * Prints the report in `format` and writes it to every `--output` file. SARIF rules get their
 * descriptions from the user's rules, the collectors' and the defaults (the ones a report cites).
 */
export async function emitReport(
  io: CliIo,
  report: DriftReport,
  format: ReportFormat,
  options: {
    outputs?: readonly string[] | undefined;
    collectors?: readonly Collector[];
    rules?: RuleOptions | undefined;
    minSeverity?: RenderOptions["minSeverity"];
  },
): Promise<void> {
  const extras: ReportExtras = {
    rules: [
      ...(options.rules?.rules ?? []),
      ...(options.collectors ?? []).flatMap((collector) => collector.rules ?? []),
      ...defaultRules,
    ],
    ...(options.minSeverity ? { minSeverity: options.minSeverity } : {}),
  };
  writeReport(io, report, format, extras);
  if (options.outputs && options.outputs.length > 0)
    await writeReportFiles(io, report, options.outputs, extras);
}

/** Checks every `--output` file's extension before any work starts. */
export function checkOutputs(outputs: readonly string[] | undefined): void {
  for (const output of outputs ?? []) outputFormat(output);
}
