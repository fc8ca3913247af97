import { hash } from "node:crypto";
import type { DriftReport, FieldChange, ResourceDrift, Severity } from "../model.js";
import type { SeverityRule } from "../rules/types.js";
import { changeText, pathText, resourceLabel, shortType } from "./format.js";

/** Options of {@link renderSarif}. */
export interface SarifOptions {
  /**
   * The rules the report was rated with (collectors' rules, the defaults, the user's), so each
   * SARIF rule carries its description and remediation. Rules the report never cites are left out.
   */
  rules?: readonly SeverityRule[];
  /** The version of the tool that made the report, e.g. the CLI's. */
  toolVersion?: string;
}

/** The `partialFingerprints` key of a result; bump its version if the fingerprint's inputs change. */
export const SARIF_FINGERPRINT = "azureDriftFinding/v1";

/** Rule ids for findings no severity rule matched. */
const UNRATED = {
  added: "azure-drift/resource-added",
  removed: "azure-drift/resource-removed",
  modified: "azure-drift/unrated-change",
} as const;

const UNRATED_TEXT: Record<string, string> = {
  [UNRATED.added]: "A resource was added and no severity rule rates it.",
  [UNRATED.removed]: "A resource was removed and no severity rule rates it.",
  [UNRATED.modified]: "A configuration value changed and no severity rule rates it.",
};

/** SARIF has three result levels; `security-severity` (0–10) keeps our five apart for GitHub. */
const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

type Json = Record<string, unknown>;

interface Finding {
  resource: ResourceDrift;
  change?: FieldChange;
  ruleId: string;
  severity: Severity;
  message: string;
}

function findings(report: DriftReport): Finding[] {
  const out: Finding[] = [];
  for (const resource of report.resources) {
    if (resource.changes.length === 0) {
      out.push({
        resource,
        ruleId: UNRATED[resource.status],
        severity: resource.severity,
        message:
          resource.message ??
          `${shortType(resource.type)} ${resourceLabel(resource)} was ${resource.status}.`,
      });
    }
    for (const change of resource.changes) {
      const unrated = change.path === "" ? UNRATED[resource.status] : UNRATED.modified;
      out.push({
        resource,
        change,
        ruleId: change.ruleId ?? unrated,
        severity: change.severity,
        message:
          change.message ??
          (change.path === ""
            ? `${shortType(resource.type)} ${resourceLabel(resource)} was ${resource.status}.`
            : `${pathText(change)}: ${changeText(change)}`),
      });
    }
  }
  return out;
}

/** The fingerprint of a finding: the same drift (resource, path, rule) is the same alert across runs. */
export function sarifFingerprint(resourceKey: string, path: string, ruleId: string): string {
  return hash("sha256", `${resourceKey}\n${path}\n${ruleId}`, "hex");
}

/**
 * An ARM id as a relative URI reference. Code scanning accepts only paths, not schemes, as a
 * result's location; the ARM id without its leading slash is a stable path for the resource.
 */
function artifactUri(id: string): string {
  return id
    .replace(/^\/+/, "")
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

function templateText(rule: SeverityRule | undefined, fallback: string): string {
  if (!rule) return fallback;
  if (typeof rule.message === "string") return rule.message.replace(/\{[a-z]+\}/g, "…");
  return fallback;
}

function ruleDescriptor(ruleId: string, first: Finding, rule: SeverityRule | undefined): Json {
  const description = UNRATED_TEXT[ruleId] ?? templateText(rule, first.message);
  const remediation = rule?.remediation ?? first.change?.remediation ?? first.resource.remediation;
  const help = remediation ?? "Review the change; accept it into the baseline if it was intended.";
  const severity = rule?.severity ?? first.severity;
  const descriptor: Json = {
    id: ruleId,
    name: ruleId.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? "").toUpperCase()),
    shortDescription: { text: description },
    fullDescription: {
      text: rule?.type
        ? `${description} (resource type ${rule.type}${rule.path ? `, path ${rule.path}` : ""})`
        : description,
    },
    help: { text: help },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: { "security-severity": SECURITY_SEVERITY[severity], tags: ["security", "azure", "drift"] },
  };
  return descriptor;
}

function location(resource: ResourceDrift): Json {
  return {
    physicalLocation: { artifactLocation: { uri: artifactUri(resource.id), uriBaseId: "AZURE" } },
    logicalLocations: [
      {
        name: resource.name ?? resourceLabel(resource),
        fullyQualifiedName: resource.id,
        kind: "resource",
      },
    ],
  };
}

/**
 * The report as SARIF 2.1.0, for GitHub code scanning and Azure DevOps: one rule per severity rule
 * the report cites (with its description and remediation), one result per change (or per added or
 * removed resource without changes), the resource's ARM id as its location, a fingerprint per
 * (resource, path, rule) so the same drift is the same alert across runs, suppressed findings as
 * suppressed results, and slices that could not be compared as tool notifications.
 */
export function renderSarif(report: DriftReport, options: SarifOptions = {}): string {
  const byId = new Map((options.rules ?? []).map((rule) => [rule.id, rule]));
  const all = findings(report);
  const ruleIndex = new Map<string, number>();
  const rules: Json[] = [];
  for (const finding of all) {
    if (ruleIndex.has(finding.ruleId)) continue;
    ruleIndex.set(finding.ruleId, rules.length);
    rules.push(ruleDescriptor(finding.ruleId, finding, byId.get(finding.ruleId)));
  }
  const results: Json[] = all.map((finding) => {
    const path = finding.change?.path ?? "";
    const result: Json = {
      ruleId: finding.ruleId,
      ruleIndex: ruleIndex.get(finding.ruleId),
      level: LEVEL[finding.severity],
      message: { text: finding.message },
      locations: [location(finding.resource)],
      partialFingerprints: {
        [SARIF_FINGERPRINT]: sarifFingerprint(finding.resource.key, path, finding.ruleId),
      },
      properties: {
        severity: finding.severity,
        "security-severity": SECURITY_SEVERITY[finding.severity],
        status: finding.resource.status,
        resourceType: finding.resource.type,
        ...(finding.change ? { path, kind: finding.change.kind } : {}),
        ...(finding.resource.attribution ? { attribution: finding.resource.attribution } : {}),
      },
    };
    return result;
  });
  for (const suppressed of report.suppressed) {
    results.push({
      ruleId: "azure-drift/suppressed",
      level: "note",
      message: { text: `${suppressed.path ? `${suppressed.path} of ` : ""}${suppressed.id} (suppressed)` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: artifactUri(suppressed.id), uriBaseId: "AZURE" } },
          logicalLocations: [{ fullyQualifiedName: suppressed.id, kind: "resource" }],
        },
      ],
      partialFingerprints: {
        [SARIF_FINGERPRINT]: sarifFingerprint(
          suppressed.id.toLowerCase(),
          suppressed.path ?? "",
          "azure-drift/suppressed",
        ),
      },
      suppressions: [
        {
          kind: "external",
          justification: `${suppressed.reason} (suppression ${suppressed.suppressionId}${
            suppressed.expires ? `, until ${suppressed.expires}` : ""
          })`,
        },
      ],
    });
  }
  if (report.suppressed.length > 0) {
    rules.push({
      id: "azure-drift/suppressed",
      shortDescription: { text: "A finding hidden by a suppression, kept for audit." },
      help: { text: "Review the suppression's reason and expiry." },
      defaultConfiguration: { level: "note" },
    });
  }
  const notifications = [
    ...report.unknown.map((entry) => ({
      level: "warning",
      message: {
        text: `Not compared: ${entry.id ?? entry.type ?? "every type"} in ${entry.scope || "the tenant"}${
          entry.collector ? ` (collector ${entry.collector})` : ""
        }: ${entry.reason}`,
      },
    })),
    ...report.notices.map((notice) => ({ level: "note", message: { text: notice } })),
  ];
  const driver: Json = {
    name: "azure-drift",
    informationUri: "https://github.com/azure-drift/azure-drift",
    rules,
  };
  if (options.toolVersion) driver.semanticVersion = options.toolVersion;
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver },
        automationDetails: { id: `azure-drift/${report.tenantId}/` },
        originalUriBaseIds: { AZURE: { description: { text: "Azure Resource Manager resource ids" } } },
        invocations: [
          {
            executionSuccessful: true,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: {
          reportId: report.id,
          tenantId: report.tenantId,
          createdAt: report.createdAt,
          base: report.base,
          current: report.current,
          summary: report.summary,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
