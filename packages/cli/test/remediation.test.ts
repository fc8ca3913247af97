import { defaultRules, type SeverityRule } from "@azure-drift/core";
import { expect, test } from "vitest";
import { defaultCollectors } from "../src/collectors.js";

// Every rule azure-drift ships says what to do about its finding. The CLI's built-in collectors are
// read from the CLI itself, so a collector registered later is covered without touching this test.
test("every shipped severity rule (core's defaults and each built-in collector's) has a one-line remediation", () => {
  const shipped: [string, SeverityRule[]][] = [
    ["core", defaultRules],
    ...defaultCollectors().map((collector): [string, SeverityRule[]] => [
      collector.name,
      collector.rules ?? [],
    ]),
  ];
  expect(shipped.length).toBeGreaterThanOrEqual(3);
  const lacking = shipped.flatMap(([owner, rules]) =>
    rules
      .filter(
        (rule) =>
          typeof rule.remediation !== "string" ||
          rule.remediation.trim() === "" ||
          /\n/.test(rule.remediation),
      )
      .map((rule) => `${owner}: ${rule.id}`),
  );
  expect(lacking).toEqual([]);
  expect(shipped.reduce((sum, [, rules]) => sum + rules.length, 0)).toBeGreaterThan(60);
});
