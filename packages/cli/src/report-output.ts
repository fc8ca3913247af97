import { type DriftReport, renderReport } from "@azure-drift/core";

export { applyReportFilters } from "./report-filter.js";

import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import { type CliIo, wantsColor } from "./io.js";
import type { ReportFormat } from "./options.js";

/**
 * The exit code a report gives: 2 when it lists drifted resources or `unknown` entries (a slice
 * that could not be compared is not "no drift"), 0 otherwise.
 */
export function reportExitCode(report: DriftReport): ExitCode {
  return report.resources.length > 0 || report.unknown.length > 0 ? EXIT_CODES.drift : EXIT_CODES.ok;
}

/** Writes the report to stdout in `format`, coloured only on a terminal. */
export function writeReport(io: CliIo, report: DriftReport, format: ReportFormat): void {
  const text = renderReport(report, format, {
    color: format === "table" && wantsColor(io.stdout, io.env),
    width: io.stdout.columns && io.stdout.columns >= 40 ? io.stdout.columns : 120,
  });
  io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
