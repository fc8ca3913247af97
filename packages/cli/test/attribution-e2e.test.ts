import type { DriftReport } from "@azure-drift/core";
import { demoDrift, demoTenant } from "@azure-drift/testing";
import { describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

describe("attribution through the CLI (the demo's Activity Log, real @azure/arm-monitor)", {
  timeout: 90_000,
}, () => {
  test("every drifted subscription resource names who changed it; --no-attribution leaves it out", async () => {
    const result = await runCli(["demo", "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DriftReport;
    const truth = new Map(demoDrift(demoTenant()).map((change) => [change.key, change]));
    expect(report.resources.length).toBeGreaterThan(0);
    for (const resource of report.resources) {
      const change = truth.get(resource.key);
      const attribution = resource.attribution;
      if (resource.type.toLowerCase().endsWith("/roledefinitions")) {
        // A built-in role only referenced by a new assignment: nobody wrote it, and the report says so.
        expect(attribution?.status).toBe("unknown");
        continue;
      }
      expect(attribution?.status, resource.id).toBe("found");
      const operation = attribution?.operations[0];
      const verb = change?.status === "removed" ? "delete" : "write";
      expect(operation?.operationName.toLowerCase()).toBe(`${resource.type}/${verb}`.toLowerCase());
      expect(operation?.status).toBe("Succeeded");
      expect(operation?.caller).toBe(
        resource.type.toLowerCase().startsWith("microsoft.network/")
          ? "dana.ops@contoso.example"
          : "5f2c1a9e-0000-4000-8000-00000000c1c1",
      );
      expect(Date.parse(operation?.timestamp ?? "")).toBeLessThanOrEqual(
        Date.parse(report.current.takenAt ?? ""),
      );
    }

    const off = await runCli(["demo", "--format", "json", "--no-attribution"]);
    expect(off.code, off.stderr).toBe(0);
    const plain = JSON.parse(off.stdout) as DriftReport;
    expect(plain.resources.map((resource) => resource.attribution)).toEqual(
      plain.resources.map(() => undefined),
    );
  });
});
