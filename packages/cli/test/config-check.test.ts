import type { DriftReport } from "@azure-drift/core";
import { demoDrift, demoTenant } from "@azure-drift/testing";
import { describe, expect, test } from "vitest";
import { configOptionValues } from "../src/config/apply.js";
import type { DriftConfig } from "../src/config/schema.js";
import { buildProgram } from "../src/program.js";
import { replayWorkspace } from "./helpers.js";

// The configuration keys of `check` and `collect` against the replay server: the real CLI, the real
// SDK clients over HTTPS, a flag always winning over the file.

const TOKEN = "config-check-token";
const SUB = "1c6f0e57-0000-4000-8000-000000000001";
const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
const ACTIVITY_LOG_ROUTE = "list microsoft.insights/eventtypes/values";

/** A configuration that sets every key, so each option it can fill shows up. */
const EVERY_KEY: Required<Omit<DriftConfig, "$schema">> = {
  tenant: "00000000-0000-0000-0000-000000000001",
  subscriptions: [SUB],
  // Not valid together with subscriptions in a file; here each key only has to fill its option.
  managementGroup: "platform",
  collectors: ["network"],
  store: "store",
  cloud: "AzureCloud",
  armEndpoint: "https://127.0.0.1:1",
  caCert: "ca.pem",
  concurrency: 4,
  requestTimeout: 5,
  baseline: "approved",
  attribution: false,
  rules: "rules.json",
  suppressions: [],
  minSeverity: "low",
  ignore: ["tags.**"],
  format: "json",
  outputs: ["report.sarif"],
  logFormat: "json",
  logLevel: "info",
};

describe("every check and collect flag has a configuration key", () => {
  test.each(["check", "collect"])("%s", (name) => {
    const program = buildProgram({ io: { cwd: "/" } as never, setExitCode: () => {} });
    const command = program.commands.find((each) => each.name() === name);
    const options = [...new Set(command?.options.map((option) => option.attributeName()))].sort();
    expect(options.length).toBeGreaterThan(10);
    const filled = configOptionValues(EVERY_KEY, "/");
    const missing = options.filter((option) => filled[option] === undefined);
    expect(missing).toEqual([]);
  });
});

describe("configuration keys of check against the replay server", { timeout: 60_000 }, () => {
  const workspace = replayWorkspace({ tenant: demoTenant, token: TOKEN, pageSize: 50 });
  const { config } = workspace;
  const check = (...extra: string[]) => workspace.run("check", ...extra);

  const nsgTimeoutReason = (seconds: number) =>
    `the current snapshot's enumeration was incomplete: ARM did not answer GET /subscriptions/${SUB}/providers/Microsoft.Network/networkSecurityGroups within ${seconds} s; the request was abandoned (raise the timeout with --request-timeout, or ArmConnection.requestTimeoutMs).`;

  test("requestTimeout (seconds) abandons a list that never answers, as --request-timeout does", async () => {
    await config({ subscriptions: [SUB], collectors: ["network"], requestTimeout: 1 });
    workspace.server.setFaults({ hang: [{ type: NSG_TYPE }] });
    const result = await check();
    expect(result.code, result.stderr).toBe(2);
    expect(workspace.server.stats.hung).toBe(1);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.unknown).toEqual([
      { scope: SUB, type: NSG_TYPE, collector: "network", reason: nsgTimeoutReason(1) },
    ]);
  });

  test("--request-timeout wins over requestTimeout", async () => {
    await config({ subscriptions: [SUB], collectors: ["network"], requestTimeout: 3600 });
    workspace.server.setFaults({ hang: [{ type: NSG_TYPE }] });
    const result = await check("--request-timeout", "2");
    expect(result.code, result.stderr).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.unknown.map((entry) => entry.reason)).toEqual([nsgTimeoutReason(2)]);
  });

  test("a requestTimeout out of range names its key", async () => {
    await config({ requestTimeout: 0 });
    const result = await check();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^azure-drift: E_INPUT: azure-drift\.config\.json: requestTimeout: Too small: expected number to be >=1/,
    );
    expect(workspace.server.stats.requests).toBe(0);
  });

  test("attribution: false reads no Activity Log; --attribution turns it back on", async () => {
    await config({ subscriptions: [SUB], collectors: ["network"], attribution: false });
    expect((await check()).code).toBe(0);
    const accepted = await workspace.run("baseline", "accept", "start", "--store", "store");
    expect(accepted.code, accepted.stderr).toBe(0);
    demoDrift(workspace.server.tenant);
    const off = await check();
    expect(off.code, off.stderr).toBe(2);
    expect(workspace.server.stats.byRoute[ACTIVITY_LOG_ROUTE]).toBeUndefined();
    const offReport = JSON.parse(off.stdout) as DriftReport;
    expect(offReport.resources.length).toBeGreaterThan(0);
    expect(offReport.resources.filter((resource) => resource.attribution !== undefined)).toEqual([]);

    const on = await check("--baseline", "start", "--attribution");
    expect(on.code, on.stderr).toBe(2);
    expect(workspace.server.stats.byRoute[ACTIVITY_LOG_ROUTE]).toBe(1);
    const onReport = JSON.parse(on.stdout) as DriftReport;
    expect(onReport.resources.map((resource) => resource.key)).toEqual(
      offReport.resources.map((resource) => resource.key),
    );
    expect(onReport.resources.filter((resource) => resource.attribution === undefined)).toEqual([]);
  });
});
