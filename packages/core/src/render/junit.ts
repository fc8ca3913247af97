import type { DriftReport, ResourceDrift, Severity } from "../model.js";
import { SEVERITIES } from "../model.js";
import { changeText, pathText, resourceLabel, shortType, sideText } from "./format.js";

/** Options of {@link renderJunit}. */
export interface JunitOptions {
  /** Drift at or above this severity is a failure; below it the test case passes. Default `info` (any drift fails). */
  minSeverity?: Severity;
}

/**
 * Text safe in XML 1.0 content and attribute values: the five markup characters escaped, and the
 * characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF)
 * replaced by U+FFFD, so a value written into Azure can never make the file unparseable.
 */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlText(String(value))}"`)
    .join("");
}

function findingLines(resource: ResourceDrift): string[] {
  return [...changeLines(resource), ...attributionLines(resource)];
}

function attributionLines(resource: ResourceDrift): string[] {
  const attribution = resource.attribution;
  if (!attribution) return [];
  if (attribution.status === "unknown") return [`changed by: unknown (${attribution.reason ?? "no record"})`];
  return attribution.operations.map(
    (operation) =>
      `changed by ${operation.caller ?? "an unnamed caller"}: ${operation.operationName} ${operation.status} at ${operation.timestamp}${
        operation.correlationId ? ` (correlation ${operation.correlationId})` : ""
      }`,
  );
}

function changeLines(resource: ResourceDrift): string[] {
  if (resource.changes.length === 0) {
    return [
      `[${resource.severity}] resource ${resource.status}${resource.message ? `: ${resource.message}` : ""}`,
    ];
  }
  return resource.changes.map((change) => {
    const what =
      change.path === "" ? `resource ${change.kind}` : `${pathText(change)}: ${changeText(change)}`;
    const why = change.message ? ` — ${change.message}` : "";
    const fix = change.remediation ? ` Fix: ${change.remediation}` : "";
    return `[${change.severity}] ${what}${why}${fix}`;
  });
}

interface Suite {
  name: string;
  cases: string[];
  failures: number;
  errors: number;
}

/**
 * The report as JUnit XML, which CI systems (Azure DevOps, GitLab, Jenkins) show as test results:
 * one test suite per resource type with one test case per drifted resource, failing when its
 * drift reaches `minSeverity`; one `coverage` suite with an erroring test case per slice that
 * could not be compared (a blind spot is not a pass); a passing `azure-drift` case when nothing
 * drifted, so an all-clear run still shows up.
 */
export function renderJunit(report: DriftReport, options: JunitOptions = {}): string {
  const threshold = SEVERITIES.indexOf(options.minSeverity ?? "info");
  const suites = new Map<string, Suite>();
  const suite = (name: string): Suite => {
    let found = suites.get(name);
    if (!found) {
      found = { name, cases: [], failures: 0, errors: 0 };
      suites.set(name, found);
    }
    return found;
  };
  for (const resource of report.resources) {
    const target = suite(resource.type);
    const lines = findingLines(resource);
    const name = `${resourceLabel(resource)} (${resource.status})`;
    const open = `    <testcase${attributes({ classname: resource.type, name, file: resource.id })}>`;
    if (SEVERITIES.indexOf(resource.severity) <= threshold) {
      target.failures++;
      const message = `${resource.severity}: ${shortType(resource.type)} ${resourceLabel(resource)} ${resource.status}`;
      target.cases.push(
        open,
        `      <failure${attributes({ message, type: resource.severity })}>${xmlText(lines.join("\n"))}</failure>`,
        "    </testcase>",
      );
    } else {
      target.cases.push(
        open,
        `      <system-out>${xmlText(lines.join("\n"))}</system-out>`,
        "    </testcase>",
      );
    }
  }
  for (const entry of report.unknown) {
    const target = suite("coverage");
    target.errors++;
    const what = entry.id ?? `${entry.collector ?? "collector"} ${entry.type ?? "every type"}`;
    target.cases.push(
      `    <testcase${attributes({ classname: `coverage.${entry.collector ?? "unknown"}`, name: `${what} in ${entry.scope || "tenant"}` })}>`,
      `      <error${attributes({ message: entry.reason, type: "unknown" })}>${xmlText(
        "Not compared: this slice could not be enumerated completely, so its drift is unknown.",
      )}</error>`,
      "    </testcase>",
    );
  }
  if (report.resources.length === 0 && report.unknown.length === 0) {
    suite("azure-drift").cases.push(
      `    <testcase${attributes({ classname: "azure-drift", name: "no drift" })}/>`,
    );
  }
  const all = [...suites.values()];
  const count = (pick: (each: Suite) => number) => all.reduce((sum, each) => sum + pick(each), 0);
  const tests = count((each) => each.cases.filter((line) => line.startsWith("    <testcase")).length);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({
      name: `azure-drift ${sideText(report.base)} → ${sideText(report.current)}`,
      tests,
      failures: count((each) => each.failures),
      errors: count((each) => each.errors),
      timestamp: report.createdAt,
    })}>`,
  ];
  for (const each of all) {
    const cases = each.cases.filter((line) => line.startsWith("    <testcase")).length;
    lines.push(
      `  <testsuite${attributes({ name: each.name, tests: cases, failures: each.failures, errors: each.errors, skipped: 0 })}>`,
      ...each.cases,
      "  </testsuite>",
    );
  }
  lines.push("</testsuites>", "");
  return lines.join("\n");
}
