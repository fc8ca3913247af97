import { createRequire } from "node:module";
import {
  type DriftReport,
  defaultRules,
  renderReport,
  renderSarif,
  SARIF_FINGERPRINT,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { sampleReport } from "./render-fixture.js";

// The OASIS SARIF 2.1.0 schema (2.1.0-rtm.5, JSON Schema draft-04) as Microsoft's SARIF SDK for
// JavaScript publishes it, checked by Ajv: a real validator against the official schema.
const require = createRequire(import.meta.url);
const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object;
// Both are CommonJS modules whose export is the function itself.
const Ajv = require("ajv-draft-04") as typeof import("ajv-draft-04").default;
const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;
// unicodeRegExp off: the published schema's language-tag pattern is not valid with the `u` flag.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

// biome-ignore lint/suspicious/noExplicitAny: parts of a parsed SARIF log, which the schema test checks.
type Loose = Record<string, any>;
type Sarif = {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Loose[] } };
    results: Loose[];
    invocations: Array<{ toolExecutionNotifications?: Array<{ message: { text: string } }> }>;
  }>;
};

function render(report: DriftReport = sampleReport()): Sarif {
  return JSON.parse(renderSarif(report, { rules: defaultRules, toolVersion: "0.1.0" })) as Sarif;
}

function schemaErrors(log: unknown): string[] {
  return validate(log)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

describe("SARIF 2.1.0", () => {
  test("the report validates against the official SARIF 2.1.0 JSON schema", () => {
    expect(schemaErrors(render())).toEqual([]);
    // The validator is not a rubber stamp: a level SARIF does not have is refused.
    const broken = render();
    (broken.runs[0]?.results[0] as Record<string, unknown>).level = "critical";
    expect(schemaErrors(broken).length).toBeGreaterThan(0);
  });

  test("an empty report and a report of only unknown slices validate too", () => {
    const empty = { ...sampleReport(), resources: [], unknown: [], suppressed: [], notices: [] };
    expect(schemaErrors(render(empty))).toEqual([]);
    const blind = { ...sampleReport(), resources: [], suppressed: [] };
    expect(schemaErrors(render(blind))).toEqual([]);
  });

  test("one result per change, with its rule, level, message and the ARM id as location", () => {
    const run = render().runs[0];
    const results = run?.results.filter((result) => !result.suppressions) ?? [];
    expect(
      results.map((result) => [
        result.ruleId,
        result.level,
        result.properties.severity,
        result.properties.path,
      ]),
    ).toEqual([
      ["core/nsg-open-management-port", "error", "critical", "properties.securityRules[name=AllowSSH]"],
      ["azure-drift/unrated-change", "note", "low", "tags.owner"],
      ["core/storage-min-tls-lowered", "error", "high", "properties.minimumTlsVersion"],
      ["core/lock-removed", "warning", "medium", ""],
    ]);
    const first = results[0];
    expect(first?.message.text).toBe(
      "NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port.",
    );
    expect(first?.locations[0].physicalLocation.artifactLocation.uri).toBe(
      "subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/web",
    );
    expect(first?.locations[0].logicalLocations[0].fullyQualifiedName).toBe(
      "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/web",
    );
    // An unrated change reads as the change itself.
    expect(results[1]?.message.text).toBe("tags.owner: a|b → c");
  });

  test("one SARIF rule per rule id the report cites, with description, remediation and security severity", () => {
    const rules = render().runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((rule) => rule.id)).toEqual([
      "core/nsg-open-management-port",
      "azure-drift/unrated-change",
      "core/storage-min-tls-lowered",
      "core/lock-removed",
      "azure-drift/suppressed",
    ]);
    const nsg = rules[0];
    expect(nsg?.defaultConfiguration.level).toBe("error");
    expect(nsg?.properties["security-severity"]).toBe("9.5");
    expect(nsg?.shortDescription.text.length).toBeGreaterThan(10);
    expect(nsg?.help.text.length).toBeGreaterThan(10);
    // Each result points at its rule by index too.
    const run = render().runs[0];
    for (const result of run?.results ?? []) {
      if (result.ruleIndex !== undefined) expect(rules[result.ruleIndex]?.id).toBe(result.ruleId);
    }
  });

  test("a finding's remediation becomes its rule's help", () => {
    const report = sampleReport();
    const change = report.resources[1]?.changes[0];
    if (change) change.remediation = "az storage account update --min-tls-version TLS1_2";
    const rules = (JSON.parse(renderSarif(report)) as Sarif).runs[0]?.tool.driver.rules ?? [];
    expect(rules.find((rule) => rule.id === "core/storage-min-tls-lowered")?.help.text).toBe(
      "az storage account update --min-tls-version TLS1_2",
    );
  });

  test("fingerprints are stable per (resource, path, rule) across runs and distinct between findings", () => {
    const first = render();
    const later = sampleReport();
    later.id = "r2";
    later.createdAt = "2026-03-05T10:00:00.000Z";
    later.current = { snapshotId: "s9", takenAt: "2026-03-05T10:00:00.000Z" };
    // The same drift seen on another resource id spelling is the same alert (ids compare case-insensitively).
    const resource = later.resources[0];
    if (resource) resource.id = resource.id.toUpperCase();
    const prints = (log: Sarif) =>
      log.runs[0]?.results.map((result) => result.partialFingerprints[SARIF_FINGERPRINT]);
    expect(prints(render(later))).toEqual(prints(first));
    const all = prints(first) ?? [];
    expect(new Set(all).size).toBe(all.length);
    for (const print of all) expect(print).toMatch(/^[0-9a-f]{64}$/);
  });

  test("suppressed findings are suppressed results; unknown slices and notices are tool notifications", () => {
    const run = render().runs[0];
    const suppressed = run?.results.filter((result) => result.suppressions) ?? [];
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]?.suppressions[0]).toEqual({
      kind: "external",
      justification: "old app (suppression legacy, until 2026-06-30)",
    });
    const notes = run?.invocations[0]?.toolExecutionNotifications?.map((note) => note.message.text);
    expect(notes).toEqual([
      "Not compared: Microsoft.Network/networkSecurityGroups in aaaaaaaa-0000-0000-0000-000000000002 (collector network): the current snapshot's enumeration was incomplete: 403 Forbidden",
      'Suppression "old" expired on 2026-02-01 and no longer applies.',
    ]);
  });

  test("renderReport writes SARIF for format sarif", () => {
    const log = JSON.parse(renderReport(sampleReport(), "sarif", { toolVersion: "9.9.9" }));
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].tool.driver.semanticVersion).toBe("9.9.9");
  });
});
