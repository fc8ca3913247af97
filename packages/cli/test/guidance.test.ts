import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildProgram } from "../src/program.js";
import { closestName } from "../src/suggest.js";
import { runCli } from "./helpers.js";

// Small signposts for a newcomer: an error says which --help to read, a typo in a collector's name
// gets the right name, check --help says how to sign in, and the architecture diagram lists every command.
describe("errors point to the help of their command", () => {
  test.each([
    [["baseline", "accept"], "missing required argument 'name'; see azure-drift baseline accept --help"],
    [["check", "--bogus"], "unknown option '--bogus'; see azure-drift check --help"],
    [["diff"], "missing required argument 'before'; see azure-drift diff --help"],
    [["report", "--store"], "option '--store <dir|uri>' argument missing; see azure-drift report --help"],
    [["nope"], "unknown command 'nope'; see azure-drift --help"],
  ])("azure-drift %j", async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`azure-drift: E_INPUT: ${message}\n`);
  });
});

describe("a misspelt built-in collector gets the right name", () => {
  test.each([
    ["netwrok", "network"],
    ["Identiy", "identity"],
  ])("--collector %s → did you mean %s?", async (typed, meant) => {
    const result = await runCli(["collect", "--collector", typed, "--arm-endpoint", "https://127.0.0.1:9"], {
      env: { AZURE_DRIFT_ACCESS_TOKEN: "t" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Unknown collector "${typed}": did you mean ${meant}? The built-in collectors are `,
    );
  });

  test("a name close to none is looked up as a package, as before", async () => {
    const result = await runCli(
      ["collect", "--collector", "acme-storage", "--arm-endpoint", "https://127.0.0.1:9"],
      {
        env: { AZURE_DRIFT_ACCESS_TOKEN: "t" },
      },
    );
    expect(result.stderr).toContain('Cannot find the collector package "acme-storage"');
  });

  test("suggestions come from the list given, so new collectors are suggested too", () => {
    const names = ["network", "identity", "encryption", "backup", "security", "governance"];
    expect(closestName("bakup", names)).toBe("backup");
    expect(closestName("encyption", names)).toBe("encryption");
    expect(closestName("governace", names)).toBe("governance");
    expect(closestName("storage", names)).toBeUndefined();
  });
});

test("check --help says how the CLI signs in to Azure", async () => {
  const result = await runCli(["check", "--help"]);
  expect(result.code).toBe(0);
  for (const words of [
    "DefaultAzureCredential",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "az login",
    "AZURE_DRIFT_ACCESS_TOKEN",
    "managed identity",
    "Reader",
  ])
    expect(result.stdout).toContain(words);
});

test("docs/architecture.md's diagram names every command of the CLI", () => {
  const architecture = readFileSync(
    join(import.meta.dirname, "..", "..", "..", "docs", "architecture.md"),
    "utf8",
  );
  const diagram = /```\n([\s\S]*?)```/.exec(architecture)?.[1] ?? "";
  const commands = buildProgram({
    io: { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: "." },
    setExitCode: () => {},
  }).commands.map((command) => command.name());
  expect(commands).toContain("prune");
  expect(commands.filter((name) => !new RegExp(`\\b${name}\\b`).test(diagram))).toEqual([]);
});
