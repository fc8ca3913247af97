import { type DriftReport, SEVERITIES } from "@azure-drift/core";
import { demoDrift, demoTenant, filterTruth } from "@azure-drift/testing";
import { describe, expect, test } from "vitest";
import { defaultCollectors } from "../src/collectors.js";
import { runCli } from "./helpers.js";

const COLLECTED_TYPES = defaultCollectors().flatMap((collector) => collector.types.map((type) => type.type));

describe("azure-drift demo", { timeout: 90_000 }, () => {
  test("runs check twice on the demo tenant and reports exactly the demo's drift, exit 0", async () => {
    const result = await runCli(["demo", "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DriftReport;

    // The demo's story, computed independently from the same bundled tenant, as the collectors see it
    // (Owner's definition enters the production subscription with the new Owner assignment).
    const truth = filterTruth(demoDrift(demoTenant()), COLLECTED_TYPES);
    const found = report.resources
      .map((resource) => ({
        key: resource.key,
        status: resource.status,
        paths: resource.changes
          .map((change) => change.path)
          .filter((path) => path !== "")
          .sort(),
      }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(found).toEqual(
      truth
        .map(({ key, status, paths }) => ({ key, status, paths: [...paths].sort() }))
        .sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    expect(report.unknown).toEqual([]);

    // The SSH rule opened to the internet leads the report as critical.
    expect(report.resources[0]).toMatchObject({ status: "modified", severity: "critical" });
    expect(report.resources[0]?.changes[0]?.path).toBe("properties.securityRules[name=Allow-SSH-Internet]");
    const severities = report.resources.map((resource) => SEVERITIES.indexOf(resource.severity));
    expect(severities).toEqual([...severities].sort((a, b) => a - b));

    // What it did is said on stderr, not mixed into the report.
    expect(result.stderr).toContain("azure-drift demo: replay server on https://127.0.0.1:");
    expect(result.stderr).toContain("the report follows");
  });

  test("shows a table on a terminal", async () => {
    const result = await runCli(["demo"], { tty: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Allow-SSH-Internet");
    expect(() => JSON.parse(result.stdout)).toThrow();
  });
});
