import type { DriftReport, FieldChange, ResourceDrift, Severity } from "../model.js";
import { SEVERITIES } from "../model.js";
import { attributionText, changeText, headline, sideText, statusCounts } from "./format.js";
import { summarizeValue } from "./summarize.js";

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
 * `text` broken into lines of at most `width` characters: at blanks where it can, inside a word
 * only when the word is longer than the room left on a fresh line. The first line keeps the text's
 * own leading blanks; every later line starts with `indent` (a hanging indent).
 */
export function wrapText(text: string, width: number, indent: string): string[] {
  const hang = indent.length > width / 2 ? indent.slice(0, Math.floor(width / 2)) : indent;
  const lead = /^ */.exec(text)?.[0] ?? "";
  // Words at even indexes, the blanks between them at odd ones (kept, so aligned columns survive).
  const parts = text.slice(lead.length).split(/( +)/);
  const lines: string[] = [];
  let line = lead;
  let fresh = true;
  const newLine = () => {
    lines.push(line.trimEnd());
    line = hang;
    fresh = true;
  };
  for (let i = 0; i < parts.length; i += 2) {
    let word = parts[i] ?? "";
    if (word === "") continue;
    const gap = fresh ? "" : (parts[i - 1] ?? " ");
    if (!fresh && line.length + gap.length + word.length > width) newLine();
    else line += gap;
    // A word longer than a line (an id, a path) is cut at the line's end and carried on.
    while (
      line.length + word.length > width &&
      width - line.length > 0 &&
      word.length > width - hang.length
    ) {
      const room = width - line.length;
      line += word.slice(0, room);
      word = word.slice(room);
      newLine();
    }
    line += word;
    fresh = false;
  }
  lines.push(line.trimEnd());
  return lines;
}

const CHANGE_MARK: Record<FieldChange["kind"], string> = { added: "+", removed: "-", changed: "~" };
const RANK = (severity: Severity) => SEVERITIES.indexOf(severity);

/** `nsg-web (Microsoft.Network/networkSecurityGroups, resource group rg-network)`. */
function resourceHeading(resource: ResourceDrift): string {
  const name = resource.name ?? resource.id.slice(resource.id.lastIndexOf("/") + 1);
  const group = /\/resourceGroups\/([^/]+)/i.exec(resource.id)?.[1];
  return `${name} (${resource.type}${group ? `, resource group ${group}` : ""})`;
}

/**
 * The report for a terminal, read like `terraform plan`: a summary, then one block per drifted
 * resource, most severe first. A block is a heading (severity, status, name, type, resource group)
 * and one entry per change, `path: before → after` with values summarized (an added NSG rule by
 * its access, direction, ports and source, not its JSON), then the rule's sentence and what to do
 * about it. Every line is wrapped to `width` with a hanging indent: nothing is cut. Then what could
 * not be compared and the notices. With `color`, severities are colored with plain ANSI escapes.
 */
export function renderTable(report: DriftReport, options: TableOptions = {}): string {
  const width = Math.max(40, options.width ?? 120);
  const paint = (style: keyof typeof ANSI, text: string) =>
    options.color ? `${ANSI[style]}${text}${RESET}` : text;
  const wrap = (text: string, indent: string) => wrapText(printable(text), width, indent);
  const lines: string[] = [];
  lines.push(...wrap(`azure-drift: ${headline(report)}`, "  ").map((line) => paint("bold", line)));
  lines.push(...wrap(statusCounts(report), "  "));
  lines.push(...wrap(`base: ${sideText(report.base)}`, "  "));
  lines.push(...wrap(`current: ${sideText(report.current)}`, "  "));

  // Array.prototype.sort is stable, so the report's order survives within a severity.
  const resources = [...report.resources].sort((a, b) => RANK(a.severity) - RANK(b.severity));
  for (const resource of resources) {
    const severity = resource.severity.toUpperCase();
    const [first = "", ...rest] = wrap(
      `${severity.padEnd(8)}  ${resource.status.padEnd(8)}  ${resourceHeading(resource)}`,
      " ".repeat(20),
    );
    lines.push(
      "",
      options.color
        ? `${paint(resource.severity, severity)}${paint("bold", first.slice(severity.length))}`
        : first,
      ...rest.map((line) => paint("bold", line)),
    );
    const who = attributionText(resource);
    if (who) lines.push(...wrap(`  changed by ${who}`, "    ").map((line) => paint("dim", line)));
    const changes = [...resource.changes].sort((a, b) => RANK(a.severity) - RANK(b.severity));
    if (changes.length === 0) {
      lines.push(
        ...wrap(
          `  ${CHANGE_MARK[resource.status === "modified" ? "changed" : resource.status]} resource ${resource.status}`,
          "    ",
        ),
      );
      if (resource.message)
        lines.push(...wrap(`    ${resource.message}`, "    ").map((line) => paint("dim", line)));
    }
    for (const change of changes) {
      const what =
        change.path === ""
          ? `resource ${change.kind}`
          : `${change.path}: ${
              change.kind === "changed"
                ? changeText(change)
                : summarizeValue(change.kind === "added" ? change.after : change.before)
            }`;
      lines.push(...wrap(`  ${CHANGE_MARK[change.kind]} ${what}`, "      "));
      // A change's own severity is shown when it differs from the resource's; no message means no rule matched.
      const about =
        change.severity === resource.severity
          ? change.message
          : `${change.severity}: ${change.message ?? "no rule matched"}`;
      if (about) lines.push(...wrap(`    ${about}`, "    ").map((line) => paint("dim", line)));
      if (change.remediation) lines.push(...wrap(`    what to do: ${change.remediation}`, "      "));
    }
  }

  if (report.unknown.length > 0) {
    lines.push("", paint("bold", `not compared (${report.unknown.length}):`));
    for (const entry of report.unknown) {
      const what = [entry.scope || "(tenant)", entry.type, entry.collector, entry.id]
        .filter(Boolean)
        .join(" ");
      lines.push(...wrap(`  ${what}: ${entry.reason}`, "    "));
    }
  }
  if (report.suppressed.length > 0) {
    lines.push(
      "",
      `suppressed: ${report.suppressed.length} finding${report.suppressed.length === 1 ? "" : "s"} (see the JSON report)`,
    );
  }
  if (report.notices.length > 0) {
    lines.push("", paint("bold", "notices:"));
    for (const notice of report.notices) lines.push(...wrap(`  - ${notice}`, "    "));
  }
  return `${lines.join("\n")}\n`;
}
