import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport } from "@azure-drift/core";
import {
  type ArmReplayServer,
  generateTenant,
  resourcesOf,
  startArmReplayServer,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

// The example as a user ships it: built to JavaScript with its own `npm run build` (tsup), then
// loaded by the azure-drift executable through `--collector ./dist/index.js#…`, against the ARM
// replay server. The built CLI comes from the repository's `npm run build`, as in the README.
const here = import.meta.dirname;
const root = join(here, "..", "..");
const bin = join(root, "packages", "cli", "dist", "bin.js");
const TOKEN = "built-collector-token";

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: here,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the example collector, built, run by the azure-drift CLI", { timeout: 180_000 }, () => {
  let server: ArmReplayServer;
  let dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: the test edits ARM JSON like a user in the portal.
  let accounts: Record<string, any>[];

  beforeAll(async () => {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: run \`npm run build\` at the repository root first.`);
    const build = await run("npm", ["run", "build"]);
    expect(build.code, build.stderr).toBe(0);
    dir = await mkdtemp(join(tmpdir(), "azd-built-collector-"));
    const tenant = generateTenant({
      seed: "built-collector",
      resources: 6,
      subscriptions: 1,
      mix: { storageAccount: 1 },
    });
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    accounts = resourcesOf(tenant, { types: ["Microsoft.Storage/storageAccounts"] }) as Record<string, any>[];
    server = await startArmReplayServer({ tenant, token: TOKEN });
    await writeFile(join(dir, "ca.pem"), server.ca);
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const check = () =>
    run(
      process.execPath,
      [
        bin,
        "check",
        "--collector",
        "./dist/index.js#storageSecurityCollector",
        "--arm-endpoint",
        server.url,
        "--ca-cert",
        join(dir, "ca.pem"),
        "--store",
        join(dir, "store"),
        "--format",
        "json",
      ],
      { AZURE_DRIFT_ACCESS_TOKEN: TOKEN },
    );

  test("check --collector ./dist/index.js#storageSecurityCollector reports exactly the storage drift", async () => {
    expect(existsSync(join(here, "dist", "index.js"))).toBe(true);
    const [tls, open] = accounts;
    tls!.properties.minimumTlsVersion = "TLS1_2";
    open!.properties.allowBlobPublicAccess = false;
    open!.properties.publicNetworkAccess = "Enabled";
    open!.properties.networkAcls = { ...open!.properties.networkAcls, defaultAction: "Allow" };
    const first = await check();
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as DriftReport).resources).toEqual([]);

    tls!.properties.minimumTlsVersion = "TLS1_0";
    open!.properties.allowBlobPublicAccess = true;
    const second = await check();
    expect(second.code, second.stderr).toBe(2);
    const report = JSON.parse(second.stdout) as DriftReport;
    const found = report.resources
      .map((resource) => ({
        name: resource.name,
        changes: resource.changes.map(({ path, kind, before, after, severity, ruleId }) => ({
          path,
          kind,
          before,
          after,
          severity,
          ruleId,
        })),
      }))
      .sort((a, b) => (a.name! < b.name! ? -1 : 1));
    expect(found).toEqual(
      [
        {
          name: open!.name,
          changes: [
            {
              path: "properties.allowBlobPublicAccess",
              kind: "changed",
              before: false,
              after: true,
              severity: "critical",
              ruleId: "example-storage/anonymous-blob-access-open-network",
            },
          ],
        },
        {
          name: tls!.name,
          changes: [
            {
              path: "properties.minimumTlsVersion",
              kind: "changed",
              before: "TLS1_2",
              after: "TLS1_0",
              severity: "high",
              ruleId: "core/storage-min-tls-lowered",
            },
          ],
        },
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
    // The built collector's rules travel with it: its finding says what to do.
    expect(
      report.resources.flatMap((resource) => resource.changes).every((change) => change.remediation),
    ).toBe(true);
  });
});
