import type { DriftReport, Severity } from "../model.js";
import {
  changeText,
  findingRows,
  headline,
  pathText,
  resourceLabel,
  sideText,
  statusCounts,
  truncate,
} from "./format.js";

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Color severities with ANSI escapes (for a TTY). Default false. */
  color?: boolean;
  /** The terminal width to fit. Default 120. */
  width?: number;
}

const ANSI: Record<Severity | "dim" | "bold", string> = {
  critical: "\u001b[1;31m",
  high: "\u001b[31m",
  medium: "\u001b[33m",
  low: "\u001b[36m",
  info: "\u001b[90m",
  dim: "\u001b[2m",
  bold: "\u001b[1m",
};
const RESET = "\u001b[0m";
const GAP = "  ";

// C0 and C1 control characters, escape included: never from the report to the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Report values (names, tags, descriptions, messages) with control characters shown as `�`: a
 * value written into Azure must not move the cursor, clear or retitle the terminal of whoever
 * reads the report.
 */
function printable(text: string): string {
  return text.replace(CONTROL, "\ufffd");
}

/**
 * The report as a terminal table: a summary, one row per finding (severity, status, resource,
 * path, change) with the rule's sentence under it, then what could not be compared and the
 * notices. Columns are aligned and fitted to `width` (long cells are cut with `…`); with `color`,
 * severities are colored with plain ANSI escapes.
 */
export function renderTable(report: DriftReport, options: TableOptions = {}): string {
  const width = Math.max(60, options.width ?? 120);
  const paint = (style: keyof typeof ANSI, text: string) =>
    options.color ? `${ANSI[style]}${text}${RESET}` : text;
  const lines: string[] = [];
  lines.push(paint("bold", `azure-drift: ${headline(report)}`));
  lines.push(truncate(`${statusCounts(report)}`, width));
  lines.push(truncate(printable(`base: ${sideText(report.base)}`), width));
  lines.push(truncate(printable(`current: ${sideText(report.current)}`), width));

  const rows = findingRows(report);
  if (rows.length > 0) {
    const cells = rows.map(({ resource, change, severity }) => ({
      severity,
      values: [
        severity,
        resource.status,
        resourceLabel(resource),
        pathText(change),
        change ? changeText(change, width) : `resource ${resource.status}`,
      ],
      message: change?.message ?? resource.message,
    }));
    const header = ["SEVERITY", "STATUS", "RESOURCE", "PATH", "CHANGE"];
    // Severity and status are short; resource and path share what is left before the change column.
    const fixed = [8, 8];
    const flexible = [2, 3].map((column) =>
      Math.max(header[column]!.length, ...cells.map((row) => row.values[column]!.length)),
    );
    const room = width - fixed[0]! - fixed[1]! - GAP.length * 4 - 20;
    const resourceWidth = Math.min(flexible[0]!, Math.max(12, Math.floor(room * 0.4)));
    const pathWidth = Math.min(flexible[1]!, Math.max(12, room - resourceWidth));
    const widths = [fixed[0]!, fixed[1]!, resourceWidth, pathWidth];
    const changeWidth = Math.max(10, width - widths.reduce((sum, w) => sum + w + GAP.length, 0));
    const line = (values: string[], severity?: Severity) =>
      values
        .map((value, column) => {
          const cut = truncate(printable(value), column < 4 ? widths[column]! : changeWidth);
          const padded = column < 4 ? cut.padEnd(widths[column]!) : cut;
          return column === 0 && severity ? paint(severity, padded) : padded;
        })
        .join(GAP)
        .trimEnd();
    lines.push("", paint("dim", line(header)));
    const indent = widths[0]! + widths[1]! + GAP.length * 2;
    for (const row of cells) {
      lines.push(line(row.values, row.severity));
      if (row.message)
        lines.push(
          paint("dim", `${" ".repeat(indent)}${truncate(printable(`↳ ${row.message}`), width - indent)}`),
        );
    }
  }

  if (report.unknown.length > 0) {
    lines.push("", paint("bold", `not compared (${report.unknown.length}):`));
    for (const entry of report.unknown) {
      const what = [entry.scope || "(tenant)", entry.type, entry.collector, entry.id]
        .filter(Boolean)
        .join(" ");
      lines.push(truncate(printable(`  ${what}: ${entry.reason}`), width));
    }
  }
  if (report.suppressed.length > 0) {
    lines.push(
      "",
      `suppressed: ${report.suppressed.length} finding${report.suppressed.length === 1 ? "" : "s"} (see the JSON report)`,
    );
  }
  if (report.notices.length > 0) {
    lines.push("", paint("bold", "notices:"), ...report.notices.map((notice) => `  - ${printable(notice)}`));
  }
  return `${lines.join("\n")}\n`;
}
