import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "jsonc-parser";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CONFIG_TEMPLATE } from "../src/commands/init.js";
import { loadConfig } from "../src/config/load.js";
import { configJsonSchema } from "../src/config/schema.js";
import { runCli } from "./helpers.js";

const fixtures = join(import.meta.dirname, "fixtures");
const require = createRequire(import.meta.url);
const Ajv = require("ajv") as typeof import("ajv").default;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "azure-drift-config-"));
  await copyFile(join(fixtures, "before.json"), join(dir, "before.json"));
  await copyFile(join(fixtures, "after.json"), join(dir, "after.json"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (value: unknown, name = "azure-drift.config.json") =>
  writeFile(join(dir, name), typeof value === "string" ? value : JSON.stringify(value, null, 2));

describe("azure-drift.config.json", () => {
  test("init writes a commented starting file that loads as a valid configuration, and never overwrites without --force", async () => {
    const first = await runCli(["init"], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      "azure-drift: wrote azure-drift.config.json; edit it, then run azure-drift check.\n",
    );
    const text = await readFile(join(dir, "azure-drift.config.json"), "utf8");
    expect(text).toBe(CONFIG_TEMPLATE);
    expect(text).toMatch(/^\s*\/\/ /m);
    const loaded = await loadConfig(undefined, dir);
    expect(loaded?.config).toEqual({
      $schema: "./node_modules/@azure-drift/cli/azure-drift.config.schema.json",
      store: ".azure-drift",
      minSeverity: "low",
      ignore: ["tags.**"],
      suppressions: [],
      outputs: [],
    });

    const again = await runCli(["init"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      "azure-drift: E_INPUT: azure-drift.config.json exists already: edit it, or pass --force to replace it with the starting file.\n",
    );
    await writeFile(join(dir, "azure-drift.config.json"), "{}");
    expect((await runCli(["init", "--force"], { cwd: dir })).code).toBe(0);
    expect(await readFile(join(dir, "azure-drift.config.json"), "utf8")).toBe(CONFIG_TEMPLATE);
  });

  test("the file fills what the command line left unset: format, outputs, min severity, ignore, suppressions", async () => {
    await mkdir(join(dir, "out"));
    await config(`{
      // a comment, and a trailing comma below
      "format": "markdown",
      "outputs": ["out/drift.json"],
      "ignore": ["tags.**"],
      "suppressions": [{ "id": "known", "match": { "path": "properties.minimumTlsVersion" }, "reason": "ticket 42" }],
    }`);
    const result = await runCli(["diff", "before.json", "after.json"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^### azure-drift: /);
    const report = JSON.parse(await readFile(join(dir, "out", "drift.json"), "utf8"));
    const paths = report.resources.flatMap((resource: { changes: { path: string }[] }) =>
      resource.changes.map((change) => change.path),
    );
    expect(paths.some((path: string) => path.startsWith("tags"))).toBe(false);
    expect(report.suppressed.map((entry: { suppressionId: string }) => entry.suppressionId)).toContain(
      "known",
    );
  });

  test("a flag wins over the file", async () => {
    await config({ format: "markdown" });
    const result = await runCli(["diff", "before.json", "after.json", "--format", "json"], { cwd: dir });
    expect(JSON.parse(result.stdout).formatVersion).toBe(1);
  });

  test("--config names another file; its relative paths are relative to it", async () => {
    await mkdir(join(dir, "conf"));
    await config({ outputs: ["report.sarif"], format: "json" }, "conf/drift.json");
    const result = await runCli(["diff", "before.json", "after.json", "--config", "conf/drift.json"], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(await readdir(join(dir, "conf"))).toEqual(["drift.json", "report.sarif"]);
    const missing = await runCli(["diff", "before.json", "after.json", "--config", "nope.json"], {
      cwd: dir,
    });
    expect(missing.stderr).toBe(
      "azure-drift: E_INPUT: Cannot read the configuration file nope.json: no such file. Check --config.\n",
    );
  });

  test("an .mjs configuration exports the object or a function returning it", async () => {
    await config(
      'export default () => ({ format: "markdown", minSeverity: "critical" });\n',
      "azure-drift.config.mjs",
    );
    const result = await runCli(["diff", "before.json", "after.json"], { cwd: dir });
    expect(result.stdout).toMatch(/^### azure-drift: /);
  });

  test("every bad key is named by its path with what was expected", async () => {
    await config({
      subscriptions: ["not-a-guid"],
      minSeverty: "high",
      concurrency: 0,
      rules: { overrides: { "core/lock-removed": "severe" } },
    });
    const result = await runCli(["diff", "before.json", "after.json"], { cwd: dir });
    expect(result.code).toBe(1);
    const line = result.stderr;
    expect(line).toMatch(/^azure-drift: E_INPUT: azure-drift\.config\.json: /);
    expect(line).toContain(
      "subscriptions[0]: expected a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)",
    );
    expect(line).toContain("minSeverty: unknown key");
    expect(line).toMatch(/concurrency: Too small: expected number to be >=1/);
    expect(line).toMatch(/rules\.overrides\.core\/lock-removed: /);
    expect(line.split("\n")).toHaveLength(2);
  });

  test("a JSON syntax error names its line and column", async () => {
    await config('{\n  "format": "json"\n  "store": "x"\n}\n');
    const result = await runCli(["diff", "before.json", "after.json"], { cwd: dir });
    expect(result.stderr).toBe(
      "azure-drift: E_INPUT: azure-drift.config.json:3:3: CommaExpected. Fix the JSON (comments and trailing commas are allowed).\n",
    );
  });

  test("demo ignores the configuration (it must never write into the real store)", async () => {
    await config({ store: "mongodb://example.invalid/x" });
    const help = await runCli(["demo", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    const loaded = await loadConfig(undefined, dir);
    expect(loaded?.config.store).toBe("mongodb://example.invalid/x");
  });

  test("the published JSON Schema is the one the CLI checks with, and accepts the starting file", async () => {
    const published = JSON.parse(
      await readFile(join(import.meta.dirname, "..", "azure-drift.config.schema.json"), "utf8"),
    );
    expect(published).toEqual(configJsonSchema());
    const validate = new Ajv({ strict: false, allErrors: true }).compile(published);
    expect(validate(parse(CONFIG_TEMPLATE))).toBe(true);
    expect(validate({ minSeverity: "severe" })).toBe(false);
    expect(validate({ subscriptions: ["00000000-0000-0000-0000-00000000000A"] })).toBe(true);
    expect(validate({ managementGroup: "contoso-platform", requestTimeout: 30 })).toBe(true);
    expect(
      validate({ subscriptions: ["00000000-0000-0000-0000-00000000000A"], managementGroup: "platform" }),
    ).toBe(false);
    expect(validate({ managementGroup: "ends-with-a-period." })).toBe(false);
  });
});
