import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "@azure-drift/core";
import { type ArmReplayServer, demoTenant, startArmReplayServer } from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ordinaryValues, secretShapes } from "../../core/test/support/secret-shapes.js";
import { type CliResult, runCli } from "./helpers.js";
import { needleOf, storedText } from "./stored-bytes.js";

// Secrets planted under neutral property names (`bootstrap`, `note`, …) never reach an output of
// check, report or diff in any format, a log line, or a byte of the store; ordinary Azure values
// planted the same way stay visible.

const TOKEN = "secrets-by-value-token";
const SUB = "1c6f0e57-0000-4000-8000-000000000001";
const NSG_KEY = `/subscriptions/${SUB}/resourcegroups/rg-network/providers/microsoft.network/networksecuritygroups/nsg-app-backend`;
const FORMATS = ["json", "markdown", "html", "table", "sarif", "junit"] as const;

describe("secrets under neutral names never reach an output or the store", { timeout: 90_000 }, () => {
  const secrets = secretShapes();
  const ordinary = ordinaryValues();
  const needles = Object.entries(secrets).map(([shape, value]) => [shape, needleOf(value)] as const);
  let server: ArmReplayServer;
  let dir: string;
  const outputs: [string, CliResult][] = [];
  const env = { AZURE_DRIFT_ACCESS_TOKEN: TOKEN };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-secrets-"));
    server = await startArmReplayServer({ tenant: demoTenant(), token: TOKEN });
    await writeFile(join(dir, "ca.pem"), server.ca);
    const tenantId = server.tenant.tenantId;
    const store = join(dir, "store");
    const cli = (label: string, argv: string[], tty = false) =>
      runCli(argv, { env, cwd: dir, tty }).then((result) => {
        outputs.push([label, result]);
        return result;
      });
    const check = (format: string) =>
      cli(
        `check --format ${format}`,
        [
          "check",
          ...["--arm-endpoint", server.url, "--ca-cert", join(dir, "ca.pem"), "--store", store],
          ...["--subscription", SUB, "--format", format, "--log-level", "debug"],
        ],
        format === "table",
      );

    const nsg = server.tenant.resources.get(NSG_KEY) as { properties: JsonObject };
    nsg.properties.ordinary = ordinary;
    const before = structuredClone(nsg);
    const plant = () => {
      nsg.properties.bootstrap = secrets.pemCertificateWithKey!;
      nsg.properties.note = secrets.bearer!;
      nsg.properties.planted = secrets;
    };
    for (const format of FORMATS) {
      // A check without the secrets, then one with them: each format shows them as new values.
      nsg.properties = structuredClone(before.properties);
      expect((await check("json")).code).toBeLessThan(3);
      plant();
      const result = await check(format);
      expect(result.code, result.stderr).toBe(2);
    }
    for (const format of FORMATS) {
      await cli(
        `report --format ${format}`,
        ["report", "--store", store, "--tenant", tenantId, "--format", format],
        format === "table",
      );
    }
    const beforeFile = join(dir, "before.json");
    const afterFile = join(dir, "after.json");
    await writeFile(beforeFile, JSON.stringify([before]));
    await writeFile(
      afterFile,
      JSON.stringify([
        {
          ...before,
          properties: {
            ...before.properties,
            bootstrap: secrets.pemCertificateWithKey,
            note: secrets.bearer,
            planted: secrets,
          },
        },
      ]),
    );
    for (const format of FORMATS) {
      const result = await cli(
        `diff --format ${format}`,
        ["diff", beforeFile, afterFile, "--format", format],
        format === "table",
      );
      expect(result.code, result.stderr).toBe(2);
    }
    await cli("store verify", ["store", "verify", "--store", store]);
  });
  afterAll(async () => {
    await server.close();
  });

  test("no output of check, report or diff (json, markdown, html, table, sarif, junit), nor any log line, shows a secret", () => {
    expect(outputs.length).toBeGreaterThan(3 * FORMATS.length);
    const leaks = outputs.flatMap(([label, { stdout, stderr }]) =>
      needles
        .filter(([, needle]) => stdout.includes(needle) || stderr.includes(needle))
        .map(([shape]) => `${shape} in ${label}`),
    );
    expect(leaks).toEqual([]);
    // The planted fields are in the reports, redacted: the check really saw them.
    const json = outputs.find(([label]) => label === "diff --format json")![1].stdout;
    expect(json).toContain('"path": "properties.bootstrap"');
    expect(json).toContain('"after": "[REDACTED]"');
  });

  test("no byte of the store, gunzipped or not, holds a secret; ordinary values are stored as they are", async () => {
    const files = (await readdir(join(dir, "store"), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    const texts: string[] = [];
    for (const file of files) {
      texts.push(storedText(await readFile(file)));
    }
    const stored = texts.join("\n");
    expect(needles.filter(([, needle]) => stored.includes(needle)).map(([shape]) => shape)).toEqual([]);
    // The decompression reached the documents: the ordinary values planted next to the secrets are there.
    for (const [name, value] of Object.entries(ordinary)) {
      if (name === "armId") continue; // stored lower-cased, as every ARM id
      expect(stored, name).toContain(JSON.stringify(value).slice(1, -1));
    }
  });
});
