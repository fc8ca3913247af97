import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { VERSION } from "../src/version.js";

// The real executable in a child process: exit codes, stdout/stderr separation, no stack traces.
// It runs the TypeScript bin through tsx (the packages' sources), so it needs no build.
const root = join(import.meta.dirname, "..", "..", "..");
const bin = join(root, "packages", "cli", "src", "bin.ts");
const fixtures = join(import.meta.dirname, "fixtures");

function spawnCli(
  args: string[],
  cwd = fixtures,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", bin, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
        TSX_TSCONFIG_PATH: join(import.meta.dirname, "tsconfig.spawn.json"),
        NODE_PATH: join(root, "node_modules"),
      },
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

describe("the azure-drift executable", () => {
  test("diff with drift exits 2 with the JSON report on stdout and nothing on stderr", async () => {
    const result = await spawnCli(["diff", "before.json", "after.json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).summary).toMatchObject({
      added: 1,
      removed: 1,
      modified: 2,
      unknown: 0,
    });
  });

  test("diff without drift exits 0", async () => {
    const result = await spawnCli(["diff", "before.json", "before-noise.json", "--format", "json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).resources).toEqual([]);
  });

  test("bad input exits 1 with one line on stderr and no stack trace", async () => {
    const result = await spawnCli(["diff", "before.json", "missing.json"]);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `azure-drift: E_INPUT: Snapshot file ${join(fixtures, "missing.json")} does not exist; check the path.\n`,
    });
  });

  test("--version prints the package's version", async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, "..", "package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
    const result = await spawnCli(["--version"]);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });
});
