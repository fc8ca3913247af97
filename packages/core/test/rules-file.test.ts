import { createRuleEngine, isDriftError, parseRuleFile } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { change, drift } from "./rules-helpers.js";

const valid = {
  rules: [
    {
      id: "acme/tls",
      type: "Microsoft.Storage/*",
      path: "properties.minimumTlsVersion",
      when: { kind: "changed", lowered: ["TLS1_0", "TLS1_1", "TLS1_2"] },
      severity: "critical",
      message: "TLS lowered on {name}",
      remediation: "Raise it again: az storage account update --min-tls-version TLS1_2",
    },
  ],
  overrides: { "core/storage-shared-key-on": "off", "core/lock-removed": "high" },
  suppressions: [
    {
      id: "s1",
      match: { type: "Microsoft.Network/*", path: "tags.**" },
      reason: "tags are not ours",
      expires: "2027-01-01",
    },
  ],
  defaultSeverity: "info",
};

describe("parseRuleFile", () => {
  test("parses a valid file into RuleOptions that the engine accepts", () => {
    const options = parseRuleFile(JSON.stringify(valid), "rules.json");
    expect(options).toEqual(valid);
    const result = createRuleEngine(options).assess(
      drift("Microsoft.Storage/storageAccounts", "sa1", "modified", [
        change("properties.minimumTlsVersion", "changed", "TLS1_2", "TLS1_1"),
      ]),
    );
    expect(result.drift?.changes[0]).toMatchObject({
      severity: "critical",
      ruleId: "acme/tls",
      message: "TLS lowered on sa1",
      // The finding carries the rule's remediation, so every report format can say what to do.
      remediation: "Raise it again: az storage account update --min-tls-version TLS1_2",
    });
  });

  test("an empty object is a valid file", () => {
    expect(parseRuleFile("{}")).toEqual({});
  });

  const errorOf = (text: string) => {
    try {
      parseRuleFile(text, "rules.json");
    } catch (error) {
      expect(isDriftError(error, "E_INPUT")).toBe(true);
      return (error as Error).message;
    }
    throw new Error("expected parseRuleFile to throw");
  };
  const withRule = (patch: Record<string, unknown>) =>
    JSON.stringify({ rules: [{ id: "a", type: "*", severity: "high", message: "m", ...patch }] });

  test.each([
    ["{ rules: [] }", /^rules\.json: invalid JSON \(.+\)\. Fix the file and try again\.$/],
    ["[]", 'rules.json: expected a JSON object such as { "rules": [], "suppressions": [] }.'],
    [
      '{"rule": []}',
      "rules.json: rule: unknown field; expected one of $schema, rules, overrides, suppressions, defaultSeverity.",
    ],
    ['{"rules": {}}', "rules.json: rules: expected an array of rules."],
    [
      withRule({ severity: "hgh" }),
      'rules.json: rules[0].severity: expected one of critical, high, medium, low, info, got "hgh".',
    ],
    [withRule({ id: "" }), "rules.json: rules[0].id: expected a non-empty string."],
    [
      withRule({ sevrity: "high" }),
      "rules.json: rules[0].sevrity: unknown field; expected one of id, type, path, when, severity, message, remediation.",
    ],
    [
      withRule({ path: "a[name=x" }),
      'rules.json: rules[0].path: unbalanced brackets in path glob "a[name=x".',
    ],
    [
      withRule({ when: { kind: "modified" } }),
      'rules.json: rules[0].when.kind: expected added, removed or changed, got "modified".',
    ],
    [
      withRule({ when: { after: "Enabled" } }),
      "rules.json: rules[0].when.after: expected a matcher with some of equals, notEquals, in, notIn, exists, some, matches.",
    ],
    [withRule({ when: { after: { in: "x" } } }), "rules.json: rules[0].when.after.in: expected an array."],
    [
      withRule({ when: { lowered: ["TLS1_2"] } }),
      'rules.json: rules[0].when.lowered: expected a list of at least two strings, weakest first (e.g. ["TLS1_0", "TLS1_1", "TLS1_2"]).',
    ],
    [
      JSON.stringify({
        rules: [
          { id: "a", type: "*", severity: "high", message: "m" },
          { id: "a", type: "*", severity: "low", message: "m" },
        ],
      }),
      'rules.json: rules[1].id: "a" is used by an earlier rule; ids must be unique.',
    ],
    [
      '{"overrides": {"core/x": "severe"}}',
      'rules.json: overrides["core/x"]: expected one of critical, high, medium, low, info or "off", got "severe".',
    ],
    [
      '{"suppressions": [{"id": "s", "match": {"type": "*"}}]}',
      "rules.json: suppressions[0].reason: expected a non-empty string.",
    ],
    [
      '{"suppressions": [{"id": "s", "match": {}, "reason": "r"}]}',
      "rules.json: suppressions[0].match: give at least one of type, resourceId, path, ruleId.",
    ],
    [
      '{"suppressions": [{"id": "s", "match": {"resource": "x"}, "reason": "r"}]}',
      "rules.json: suppressions[0].match.resource: unknown field; expected one of type, resourceId, path, ruleId.",
    ],
    [
      '{"suppressions": [{"id": "s", "match": {"type": "*"}, "reason": "r", "expires": "next week"}]}',
      'rules.json: suppressions[0].expires: "next week" is not a date; use an ISO date (2026-03-31) or date-time.',
    ],
    [
      '{"defaultSeverity": "none"}',
      'rules.json: defaultSeverity: expected one of critical, high, medium, low, info, got "none".',
    ],
  ])("%s", (text, expected) => {
    const message = errorOf(text);
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});
