import type { DriftReport } from "../model.js";
import { SEVERITIES } from "../model.js";
import {
  attributionText,
  changeText,
  type FindingRow,
  findingRows,
  headline,
  pathText,
  resourceLabel,
  SEVERITY_TITLES,
  shortType,
  sideText,
  statusCounts,
} from "./format.js";
import { summarizeValue } from "./summarize.js";

/** Text safe inside a Markdown table cell: no pipes or line breaks to break the row. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Inline code that survives backticks in the text (a longer fence, padded, as CommonMark allows). */
function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((run) => run.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function severityTable(rows: FindingRow[]): string[] {
  const lines = [
    "| Resource | Type | Status | Path | Change | Finding | What to do |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const { resource, change } of rows) {
    lines.push(
      `| ${cell(code(resourceLabel(resource)))} | ${cell(shortType(resource.type))} | ${resource.status} | ${cell(
        change && change.path !== "" ? code(pathText(change)) : "(resource)",
      )} | ${cell(change ? changeText(change) : `resource ${resource.status}`)} | ${cell(
        change?.message ?? resource.message ?? "",
      )} | ${cell(change?.remediation ?? resource.remediation ?? "")} |`,
    );
  }
  return lines;
}

/**
 * The report as Markdown for pull-request comments and chat: a summary line, one table per
 * severity (most severe first), every change per resource in a collapsible block, then what could
 * not be compared, suppressed findings and notices. Cell values are cut to 60 characters; cells
 * escape pipes, so a value can never break the table.
 */
export function renderMarkdown(report: DriftReport): string {
  const lines: string[] = [];
  lines.push(`### azure-drift: ${headline(report)}`, "");
  lines.push(
    `${statusCounts(report)}. Base: ${sideText(report.base)}. Current: ${sideText(report.current)}.`,
  );

  const rows = findingRows(report);
  for (const severity of SEVERITIES) {
    const group = rows.filter((row) => row.severity === severity);
    if (group.length === 0) continue;
    lines.push("", `#### ${SEVERITY_TITLES[severity]} (${group.length})`, "", ...severityTable(group));
  }

  if (report.resources.length > 0) {
    const total = report.resources.reduce((sum, resource) => sum + Math.max(1, resource.changes.length), 0);
    lines.push("", `<details><summary>All changes (${total})</summary>`, "");
    for (const resource of report.resources) {
      lines.push(`**${code(resource.id)}** (${resource.type}): ${resource.status}, ${resource.severity}`, "");
      const who = attributionText(resource);
      if (who) lines.push(`- changed by ${who}`);
      if (resource.changes.length === 0)
        lines.push(`- resource ${resource.status}${resource.message ? `: ${resource.message}` : ""}`);
      for (const change of resource.changes) {
        const before = code(summarizeValue(change.before));
        const after = code(summarizeValue(change.after));
        const values =
          change.kind === "added" ? after : change.kind === "removed" ? before : `${before} → ${after}`;
        const what =
          change.path === "" ? `resource ${change.kind}` : `${code(change.path)} ${change.kind}: ${values}`;
        const rule = change.ruleId ? ` (${code(change.ruleId)})` : "";
        const remedy = change.remediation ? ` What to do: ${change.remediation}` : "";
        lines.push(
          `- **${change.severity}** ${what}${change.message ? ` — ${change.message}` : ""}${rule}${remedy}`,
        );
      }
      lines.push("");
    }
    lines.push("</details>");
  }

  if (report.unknown.length > 0) {
    lines.push(
      "",
      `#### Not compared (${report.unknown.length})`,
      "",
      "| Scope | Type | Collector | Resource | Reason |",
      "|---|---|---|---|---|",
    );
    for (const entry of report.unknown) {
      lines.push(
        `| ${cell(entry.scope || "(tenant)")} | ${cell(entry.type ?? "")} | ${cell(entry.collector ?? "")} | ${cell(
          entry.id ? code(entry.id) : "",
        )} | ${cell(entry.reason)} |`,
      );
    }
  }

  if (report.suppressed.length > 0) {
    lines.push("", `<details><summary>Suppressed findings (${report.suppressed.length})</summary>`, "");
    for (const entry of report.suppressed) {
      const path = entry.path ? ` ${code(entry.path)}` : "";
      const expires = entry.expires ? `, until ${entry.expires}` : "";
      lines.push(`- ${code(entry.id)}${path}: ${entry.suppressionId} (${entry.reason}${expires})`);
    }
    lines.push("", "</details>");
  }

  if (report.notices.length > 0) {
    lines.push("", "#### Notices", "", ...report.notices.map((notice) => `- ${notice}`));
  }
  return `${lines.join("\n")}\n`;
}
