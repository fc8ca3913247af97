import type { DriftReport, FieldChange, Severity } from "../model.js";
import { SEVERITIES } from "../model.js";
import {
  attributionText,
  changeText,
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

/** Text safe in HTML content and in double-quoted attributes: every value in a report is data. */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.sev{font-weight:600;text-transform:uppercase;font-size:12px}
.critical{color:#a40e26}.high{color:#bc4c00}.medium{color:#9a6700}.low{color:#57606a}.info{color:#0969da}
details{margin:.3rem 0}summary{cursor:pointer}
`.trim();

function findingTable(report: DriftReport, severity: Severity): string {
  const rows = findingRows(report).filter((row) => row.severity === severity);
  if (rows.length === 0) return "";
  const body = rows
    .map(({ resource, change }) => {
      const path =
        change && change.path !== "" ? `<code>${escapeHtml(pathText(change))}</code>` : "(resource)";
      const what = change ? changeText(change) : `resource ${resource.status}`;
      return `<tr><td><code>${escapeHtml(resourceLabel(resource))}</code></td><td>${escapeHtml(shortType(resource.type))}</td><td>${escapeHtml(resource.status)}</td><td>${path}</td><td>${escapeHtml(what)}</td><td>${escapeHtml(change?.message ?? resource.message ?? "")}</td><td>${escapeHtml(change?.remediation ?? resource.remediation ?? "")}</td></tr>`;
    })
    .join("\n");
  return `<h2 class="${severity}">${SEVERITY_TITLES[severity]} (${rows.length})</h2>
<table><thead><tr><th>Resource</th><th>Type</th><th>Status</th><th>Path</th><th>Change</th><th>Finding</th><th>What to do</th></tr></thead>
<tbody>
${body}
</tbody></table>`;
}

function changeItem(change: FieldChange): string {
  const before = `<code>${escapeHtml(summarizeValue(change.before))}</code>`;
  const after = `<code>${escapeHtml(summarizeValue(change.after))}</code>`;
  const values =
    change.kind === "added" ? after : change.kind === "removed" ? before : `${before} → ${after}`;
  const what =
    change.path === ""
      ? `resource ${escapeHtml(change.kind)}`
      : `<code>${escapeHtml(change.path)}</code> ${escapeHtml(change.kind)}: ${values}`;
  const message = change.message ? ` — ${escapeHtml(change.message)}` : "";
  const rule = change.ruleId ? ` (<code>${escapeHtml(change.ruleId)}</code>)` : "";
  const remedy = change.remediation ? ` What to do: ${escapeHtml(change.remediation)}` : "";
  const severity = escapeHtml(change.severity);
  return `<li><span class="sev ${severity}">${severity}</span> ${what}${message}${rule}${remedy}</li>`;
}

/**
 * The report as one self-contained HTML page (inline style, no script, nothing fetched), for a
 * pipeline's artifacts or an e-mail: the summary, one table per severity, every change per
 * resource in a collapsible block, what could not be compared, suppressed findings and notices.
 * Every value from the report is escaped: resource names and configuration values are data.
 */
export function renderHtml(report: DriftReport): string {
  const parts: string[] = [];
  parts.push(`<h1>azure-drift: ${escapeHtml(headline(report))}</h1>`);
  parts.push(
    `<p>${escapeHtml(statusCounts(report))}. Base: ${escapeHtml(sideText(report.base))}. Current: ${escapeHtml(sideText(report.current))}.</p>`,
  );
  for (const severity of SEVERITIES) {
    const table = findingTable(report, severity);
    if (table) parts.push(table);
  }
  if (report.resources.length > 0) {
    const total = report.resources.reduce((sum, resource) => sum + Math.max(1, resource.changes.length), 0);
    const resources = report.resources
      .map((resource) => {
        const items =
          resource.changes.length === 0
            ? `<li>resource ${escapeHtml(resource.status)}${resource.message ? `: ${escapeHtml(resource.message)}` : ""}</li>`
            : resource.changes.map(changeItem).join("\n");
        const who = attributionText(resource);
        const changedBy = who ? `<li>changed by ${escapeHtml(who)}</li>\n` : "";
        return `<p><strong><code>${escapeHtml(resource.id)}</code></strong> (${escapeHtml(resource.type)}): ${escapeHtml(resource.status)}, <span class="sev ${escapeHtml(resource.severity)}">${escapeHtml(resource.severity)}</span></p>
<ul>
${changedBy}${items}
</ul>`;
      })
      .join("\n");
    parts.push(`<details><summary>All changes (${total})</summary>\n${resources}\n</details>`);
  }
  if (report.unknown.length > 0) {
    const rows = report.unknown
      .map(
        (entry) =>
          `<tr><td>${escapeHtml(entry.scope || "(tenant)")}</td><td>${escapeHtml(entry.type ?? "")}</td><td>${escapeHtml(entry.collector ?? "")}</td><td>${entry.id ? `<code>${escapeHtml(entry.id)}</code>` : ""}</td><td>${escapeHtml(entry.reason)}</td></tr>`,
      )
      .join("\n");
    parts.push(`<h2>Not compared (${report.unknown.length})</h2>
<table><thead><tr><th>Scope</th><th>Type</th><th>Collector</th><th>Resource</th><th>Reason</th></tr></thead>
<tbody>
${rows}
</tbody></table>`);
  }
  if (report.suppressed.length > 0) {
    const items = report.suppressed
      .map((entry) => {
        const path = entry.path ? ` <code>${escapeHtml(entry.path)}</code>` : "";
        const expires = entry.expires ? `, until ${escapeHtml(entry.expires)}` : "";
        return `<li><code>${escapeHtml(entry.id)}</code>${path}: ${escapeHtml(entry.suppressionId)} (${escapeHtml(entry.reason)}${expires})</li>`;
      })
      .join("\n");
    parts.push(
      `<details><summary>Suppressed findings (${report.suppressed.length})</summary>\n<ul>\n${items}\n</ul>\n</details>`,
    );
  }
  if (report.notices.length > 0) {
    parts.push(
      `<h2>Notices</h2>\n<ul>\n${report.notices.map((notice) => `<li>${escapeHtml(notice)}</li>`).join("\n")}\n</ul>`,
    );
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>azure-drift: ${escapeHtml(headline(report))}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join("\n")}
</body>
</html>
`;
}
