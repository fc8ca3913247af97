import { DriftError } from "../errors.js";
import type { DriftReport } from "../model.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderTable } from "./table.js";

/** The formats {@link renderReport} writes. */
export type ReportFormat = "json" | "markdown" | "table" | "html";

/** The report formats, for option parsing. */
export const REPORT_FORMATS: readonly ReportFormat[] = ["json", "markdown", "table", "html"];

/**
 * Renders a report as JSON (what pipelines parse), Markdown (pull requests, chat), a terminal
 * table or a self-contained HTML page (artifacts, e-mail). `color` and `width` apply to the table only.
 *
 * @throws DriftError `E_INPUT` for an unknown format.
 */
export function renderReport(
  report: DriftReport,
  format: ReportFormat,
  options: { color?: boolean; width?: number } = {},
): string {
  switch (format) {
    case "json":
      return renderJson(report);
    case "markdown":
      return renderMarkdown(report);
    case "table":
      return renderTable(report, options);
    case "html":
      return renderHtml(report);
    default:
      throw new DriftError(
        "E_INPUT",
        `Unknown report format "${String(format)}"; use one of ${REPORT_FORMATS.join(", ")}.`,
      );
  }
}
