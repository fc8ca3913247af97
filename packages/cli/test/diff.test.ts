import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

const fixtures = join(import.meta.dirname, "fixtures");
const NSG =
  "/subscriptions/6d3b1c2a-8f4e-4a7b-9c1d-2e5f6a7b8c9d/resourcegroups/rg-web/providers/microsoft.network/networksecuritygroups/web-nsg";
const STORAGE =
  "/subscriptions/6d3b1c2a-8f4e-4a7b-9c1d-2e5f6a7b8c9d/resourcegroups/rg-web/providers/microsoft.storage/storageaccounts/stweb01";
const ROUTES =
  "/subscriptions/6d3b1c2a-8f4e-4a7b-9c1d-2e5f6a7b8c9d/resourcegroups/rg-web/providers/microsoft.network/routetables/rt-app";
const PIP =
  "/subscriptions/6d3b1c2a-8f4e-4a7b-9c1d-2e5f6a7b8c9d/resourcegroups/rg-web/providers/microsoft.network/publicipaddresses/pip-jump";

const diff = (...args: string[]) => runCli(["diff", ...args], { cwd: fixtures });

/** (key, status, [path, kind, severity]) of every finding: what the assertions compare. */
function summarize(report: DriftReport) {
  return report.resources.map((resource) => ({
    key: resource.key,
    status: resource.status,
    severity: resource.severity,
    changes: resource.changes.map((change) => [change.path, change.kind, change.severity]),
  }));
}

describe("azure-drift diff", () => {
  test("ARM JSON files with drift: exit 2 and the exact findings", async () => {
    const result = await diff("before.json", "after.json", "--format", "json");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.base.label).toBe("before.json");
    expect(report.current.label).toBe("after.json");
    expect(report.unknown).toEqual([]);
    // Most severe first; an added or removed resource carries its rule's finding at path "".
    expect(summarize(report)).toEqual([
      {
        key: NSG,
        status: "modified",
        severity: "critical",
        changes: [["properties.securityRules[name=AllowSsh]", "added", "critical"]],
      },
      {
        key: STORAGE,
        status: "modified",
        severity: "high",
        changes: [
          ["properties.minimumTlsVersion", "changed", "high"],
          ["tags.owner", "changed", "low"],
        ],
      },
      { key: PIP, status: "added", severity: "medium", changes: [["", "added", "medium"]] },
      { key: ROUTES, status: "removed", severity: "medium", changes: [["", "removed", "medium"]] },
    ]);
    expect(report.summary).toMatchObject({ added: 1, removed: 1, modified: 2, unknown: 0 });
  });

  test("--collector chooses whose hints and rules apply: without the network collector, its rules do not", async () => {
    const result = await diff("before.json", "after.json", "--format", "json", "--collector", "identity");
    expect(result.code, result.stderr).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(
      report.resources.map((resource) => [resource.key, resource.severity, resource.changes[0]?.ruleId]),
    ).toEqual([
      [NSG, "critical", "core/nsg-open-management-port"],
      [STORAGE, "high", "core/storage-min-tls-lowered"],
      [PIP, "medium", "core/public-ip-created"],
      // network/route-table-removed (medium) is the network collector's.
      [ROUTES, "low", undefined],
    ]);
  });

  test("only noise (etags, rule order, id case): exit 0, an empty report", async () => {
    const result = await diff("before.json", "before-noise.json", "--format", "json");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.resources).toEqual([]);
    expect(report.summary).toMatchObject({ added: 0, removed: 0, modified: 0, unknown: 0 });
  });

  test("--min-severity keeps the findings at or above it", async () => {
    const result = await diff("before.json", "after.json", "--format", "json", "--min-severity", "high");
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(summarize(report).map(({ key, changes }) => [key, changes])).toEqual([
      [NSG, [["properties.securityRules[name=AllowSsh]", "added", "critical"]]],
      [STORAGE, [["properties.minimumTlsVersion", "changed", "high"]]],
    ]);
  });

  test("--min-severity above everything found: exit 0", async () => {
    const before = join(fixtures, "before.json");
    const dir = await mkdtemp(join(tmpdir(), "azd-diff-"));
    const after = join(dir, "after.json");
    const resources = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(before, "utf8")));
    resources[1].tags.owner = "carol";
    await writeFile(after, JSON.stringify(resources));
    const low = await diff(before, after, "--format", "json");
    expect(low.code).toBe(2);
    const filtered = await diff(before, after, "--format", "json", "--min-severity", "medium");
    expect(filtered.code).toBe(0);
    expect(JSON.parse(filtered.stdout).resources).toEqual([]);
  });

  test("--ignore (repeatable) leaves out changes at matching paths", async () => {
    const result = await diff(
      "before.json",
      "after.json",
      "--format",
      "json",
      "--ignore",
      "tags.*",
      "--ignore",
      "properties.securityRules[*]",
    );
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(summarize(report).map(({ key, status, changes }) => [key, status, changes])).toEqual([
      [STORAGE, "modified", [["properties.minimumTlsVersion", "changed", "high"]]],
      [PIP, "added", [["", "added", "medium"]]],
      [ROUTES, "removed", [["", "removed", "medium"]]],
    ]);
  });

  test("--rules adds a rule that raises a change's severity", async () => {
    const result = await diff("before.json", "after.json", "--format", "json", "--rules", "rules.json");
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    const storage = report.resources.find((resource) => resource.key === STORAGE);
    expect(
      storage?.changes.map((change) => [change.path, change.severity, change.ruleId, change.message]),
    ).toEqual([
      ["properties.minimumTlsVersion", "high", expect.any(String), expect.any(String)],
      ["tags.owner", "medium", "custom/tags-owner", "The owner tag of stweb01 changed."],
    ]);
  });

  test("html: one self-contained page, exit code as for the others", async () => {
    const result = await diff("before.json", "after.json", "--format", "html");
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout.startsWith("<!doctype html>")).toBe(true);
    expect(result.stdout.match(/<h2[^>]*>[^<]*<\/h2>/g)).toEqual([
      '<h2 class="critical">Critical (1)</h2>',
      '<h2 class="high">High (1)</h2>',
      '<h2 class="medium">Medium (2)</h2>',
      '<h2 class="low">Low (1)</h2>',
    ]);
  });

  test("markdown and table formats", async () => {
    const markdown = await diff("before.json", "after.json", "--format", "markdown");
    expect(markdown.code).toBe(2);
    expect(markdown.stdout).toContain("properties.securityRules[name=AllowSsh]");
    expect(markdown.stdout).toContain("stweb01");
    const table = await diff("before.json", "after.json", "--format", "table");
    expect(table.code).toBe(2);
    expect(table.stdout).toContain("properties.minimumTlsVersion");
    expect(table.stdout).not.toContain("\u001b["); // NO_COLOR: no escape codes
  });

  test("the format defaults to json off a terminal and table on one", async () => {
    const piped = await runCli(["diff", "before.json", "after.json"], { cwd: fixtures });
    expect(() => JSON.parse(piped.stdout)).not.toThrow();
    const tty = await runCli(["diff", "before.json", "after.json"], { cwd: fixtures, tty: true });
    expect(() => JSON.parse(tty.stdout)).toThrow();
    expect(tty.stdout).toContain("web-nsg");
  });

  describe("bad input: exit 1 and exactly one line on stderr", () => {
    async function expectError(args: string[], line: string) {
      const result = await diff(...args);
      expect(result).toEqual({ code: 1, stdout: "", stderr: `${line}\n` });
    }

    test("a missing file", async () => {
      await expectError(
        ["before.json", "nope.json"],
        `azure-drift: E_INPUT: Snapshot file ${join(fixtures, "nope.json")} does not exist; check the path.`,
      );
    });

    test("invalid JSON, with its position", async () => {
      const dir = await mkdtemp(join(tmpdir(), "azd-diff-"));
      const file = join(dir, "invalid.json");
      await writeFile(
        file,
        '[\n  {"id": "/subscriptions/x", "type": "Microsoft.Network/routeTables",\n  "name": "rt" "location": "westeurope"}\n]\n',
      );
      await expectError(
        ["before.json", file],
        `azure-drift: E_SNAPSHOT_FORMAT: ${file}:3:16: invalid JSON (expected ',' or '}' in an object, found "\\""); fix the file or export it again.`,
      );
    });

    test("JSON nested 200,000 levels deep: E_INPUT with the depth limit, not a stack overflow", async () => {
      const dir = await mkdtemp(join(tmpdir(), "azd-diff-"));
      const file = join(dir, "deep.json");
      const levels = 200_000;
      await writeFile(
        file,
        `[{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt","type":"Microsoft.Network/routeTables","properties":{"x":${"[".repeat(levels)}1${"]".repeat(levels)}}}]`,
      );
      await expectError(
        [file, "after.json"],
        `azure-drift: E_INPUT: ${file} nests objects or arrays more than 128 levels deep, the limit for JSON input (no ARM document, snapshot or rules file comes near it): fix the file or export it again.`,
      );
    });

    test("an unknown snapshot format version", async () => {
      const dir = await mkdtemp(join(tmpdir(), "azd-diff-"));
      const file = join(dir, "future.ndjson");
      await writeFile(
        file,
        `${JSON.stringify({ kind: "azure-drift-snapshot", formatVersion: 99, meta: {} })}\n`,
      );
      await expectError(
        ["before.json", file],
        `azure-drift: E_SNAPSHOT_VERSION: ${file} has snapshot formatVersion 99, but this release of azure-drift reads formatVersion 1; upgrade azure-drift to read it.`,
      );
    });

    test("an unknown format", async () => {
      await expectError(
        ["before.json", "after.json", "--format", "pdf"],
        'azure-drift: E_INPUT: Unknown format "pdf": use --format table, json, markdown, html, sarif, junit.',
      );
    });

    test("an unknown severity", async () => {
      await expectError(
        ["before.json", "after.json", "--min-severity", "urgent"],
        'azure-drift: E_INPUT: Unknown severity "urgent": use --min-severity critical, high, medium, low, info.',
      );
    });

    test("a missing rules file", async () => {
      await expectError(
        ["before.json", "after.json", "--rules", "missing-rules.json"],
        "azure-drift: E_INPUT: Cannot read --rules file missing-rules.json: no such file. Check the path.",
      );
    });

    test("a missing argument", async () => {
      await expectError(
        ["before.json"],
        "azure-drift: E_INPUT: missing required argument 'after'; see azure-drift diff --help",
      );
    });
  });
});
