import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

const fixtures = join(import.meta.dirname, "fixtures");
const before = join(fixtures, "before.json");
const after = join(fixtures, "after.json");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "azure-drift-outputs-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("--output FILE (repeatable), --format sarif|junit", () => {
  test("one diff feeds every format at once, each file named by its extension, stdout unchanged", async () => {
    const outputs = ["report.json", "report.sarif", "report.xml", "report.html", "report.md", "report.txt"];
    const result = await runCli(
      ["diff", before, after, "--format", "json", ...outputs.flatMap((name) => ["--output", name])],
      { cwd: dir },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    expect((await readdir(dir)).sort()).toEqual([...outputs].sort());
    const json = await readFile(join(dir, "report.json"), "utf8");
    expect(json).toBe(result.stdout);
    const report = JSON.parse(json);
    const changes = report.resources.reduce(
      (sum: number, resource: { changes: unknown[] }) => sum + Math.max(1, resource.changes.length),
      0,
    );

    const sarif = JSON.parse(await readFile(join(dir, "report.sarif"), "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results).toHaveLength(changes + report.suppressed.length);

    const xml = await readFile(join(dir, "report.xml"), "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(xml);
    expect(Number(junit.testsuites["@_tests"])).toBe(report.resources.length + report.unknown.length);

    expect(await readFile(join(dir, "report.html"), "utf8")).toMatch(/^<!doctype html>/i);
    expect(await readFile(join(dir, "report.md"), "utf8")).toMatch(/^### azure-drift: /);
    const table = await readFile(join(dir, "report.txt"), "utf8");
    expect(table).not.toMatch(new RegExp(String.fromCharCode(27))); // no colour codes in a file
  });

  test("--format sarif and --format junit print those formats", async () => {
    const sarif = await runCli(["diff", before, after, "--format", "sarif"], { cwd: dir });
    expect(sarif.code).toBe(2);
    expect(JSON.parse(sarif.stdout).runs[0].tool.driver.name).toBe("azure-drift");
    const junit = await runCli(["diff", before, after, "--format", "junit", "--min-severity", "high"], {
      cwd: dir,
    });
    expect(junit.code).toBe(2);
    expect(XMLValidator.validate(junit.stdout)).toBe(true);
  });

  test("an extension that names no format is refused before any work, and nothing is written", async () => {
    const result = await runCli(["diff", before, after, "--output", "good.json", "--output", "report.pdf"], {
      cwd: dir,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/Cannot tell the format of --output report\.pdf from its extension/);
    expect(await readdir(dir)).toEqual([]);
  });

  test("a file that cannot be written is a clear error and leaves no temporary file", async () => {
    const result = await runCli(["diff", before, after, "--output", "missing/report.json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Cannot write --output missing\/report\.json: its directory does not exist/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  test("an existing file is replaced whole", async () => {
    const first = await runCli(["diff", before, after, "--output", "r.json"], { cwd: dir });
    expect(first.code).toBe(2);
    const second = await runCli(["diff", before, before, "--output", "r.json"], { cwd: dir });
    expect(second.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, "r.json"), "utf8")).resources).toEqual([]);
    expect(await readdir(dir)).toEqual(["r.json"]);
  });
});
