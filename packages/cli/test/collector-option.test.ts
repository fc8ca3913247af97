import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DriftReport, JsonObject } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  resourcesOf,
  startArmReplayServer,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

// `--collector`: the example storage collector (real @azure/arm-storage client) run by the CLI next
// to a built-in one, against the replay server, with its own rules in the report.

const TOKEN = "cli-collector-token";
const STORAGE = "Microsoft.Storage/storageAccounts";
const example = fileURLToPath(new URL("../../../examples/custom-collector/src/index.ts", import.meta.url));

describe("check --collector with a custom collector module", { timeout: 60_000 }, () => {
  let server: ArmReplayServer;
  let dir: string;
  const env = { AZURE_DRIFT_ACCESS_TOKEN: TOKEN };
  const run = (command: string, ...extra: string[]) =>
    runCli(
      [
        command,
        "--arm-endpoint",
        server.url,
        "--ca-cert",
        join(dir, "ca.pem"),
        "--store",
        join(dir, "store"),
        "--collector",
        "identity",
        "--collector",
        `${example}#storageSecurityCollector`,
        ...extra,
      ],
      { env, cwd: dir },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-cli-collector-"));
    const tenant = generateTenant({
      seed: "cli-collector",
      resources: 120,
      subscriptions: 1,
      mix: { storageAccount: 4, networkSecurityGroup: 4, roleAssignment: 4 },
    });
    server = await startArmReplayServer({ tenant, pageSize: 50, token: TOKEN });
    await writeFile(join(dir, "ca.pem"), server.ca);
  });
  afterAll(async () => {
    await server?.close();
  });

  test("collect runs exactly the collectors named; check reports the custom collector's findings with its rules", async () => {
    const collected = await run("collect");
    expect(collected.code, collected.stderr).toBe(0);
    const summary = JSON.parse(collected.stdout) as {
      collectors: { name: string; outcome: string }[];
      resourceCount: number;
    };
    expect(summary.collectors.map(({ name, outcome }) => [name, outcome])).toEqual([
      ["identity", "succeeded"],
      ["example-storage", "succeeded"],
    ]);
    const accounts = resourcesOf(server.tenant, { types: [STORAGE] });
    expect(accounts.length).toBeGreaterThan(0);

    // An account opened to anonymous access from every network: the example's critical rule.
    const account = accounts[0] as JsonObject;
    const properties = account.properties as JsonObject;
    properties.allowBlobPublicAccess = true;
    properties.publicNetworkAccess = "Enabled";
    properties.networkAcls = { ...(properties.networkAcls as JsonObject), defaultAction: "Allow" };
    const checked = await run("check", "--format", "json");
    expect(checked.code, checked.stderr).toBe(2);
    const report = JSON.parse(checked.stdout) as DriftReport;
    expect(
      report.resources.map((drift) => [
        drift.key,
        drift.changes.map((change) => [change.path, change.ruleId, change.severity]),
      ]),
    ).toEqual([
      [
        String(account.id).toLowerCase(),
        expect.arrayContaining([
          [
            "properties.allowBlobPublicAccess",
            "example-storage/anonymous-blob-access-open-network",
            "critical",
          ],
        ]),
      ],
    ]);
    expect(report.unknown).toEqual([]);
  });
});
