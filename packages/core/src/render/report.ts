import { DriftError } from "../errors.js";
import type { DriftReport, Severity } from "../model.js";
import type { SeverityRule } from "../rules/types.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";

/** The formats {@link renderReport} writes. */
export type ReportFormat = "json" | "markdown" | "table" | "html" | "sarif" | "junit";

/** The report formats, for option parsing. */
export const REPORT_FORMATS: readonly ReportFormat[] = [
  "json",
  "markdown",
  "table",
  "html",
  "sarif",
  "junit",
];

/** Options of {@link renderReport}; each applies to the formats it names. */
export interface RenderOptions {
  /** Table: ANSI colours. */
  color?: boolean;
  /** Table: the terminal's width in columns. */
  width?: number;
  /** SARIF: the rules the report was rated with, for each SARIF rule's description. */
  rules?: readonly SeverityRule[];
  /** SARIF: the version of the tool that made the report. */
  toolVersion?: string;
  /** JUnit: drift at or above this severity fails its test case (default: any drift). */
  minSeverity?: Severity;
}

/**
 * Renders a report as JSON (what pipelines parse), Markdown (pull requests, chat), a terminal
 * table, a self-contained HTML page (artifacts, e-mail), SARIF 2.1.0 (GitHub code scanning, Azure
 * DevOps) or JUnit XML (CI test results).
 *
 * @throws DriftError `E_INPUT` for an unknown format.
 */
export function renderReport(report: DriftReport, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case "json":
      return renderJson(report);
    case "markdown":
      return renderMarkdown(report);
    case "table":
      return renderTable(report, options);
    case "html":
      return renderHtml(report);
    case "sarif":
      return renderSarif(report, {
        ...(options.rules ? { rules: options.rules } : {}),
        ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}),
      });
    case "junit":
      return renderJunit(report, options.minSeverity ? { minSeverity: options.minSeverity } : {});
    default:
      throw new DriftError(
        "E_INPUT",
        `Unknown report format "${String(format)}"; use one of ${REPORT_FORMATS.join(", ")}.`,
      );
  }
}
