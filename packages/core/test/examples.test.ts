import { fileURLToPath } from "node:url";
import { diffSnapshots, readSnapshotFile } from "@azure-drift/core";
import { expect, test } from "vitest";

const example = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));

test("the README's example files show the meaningful drift and none of the noise", async () => {
  const report = diffSnapshots(
    await readSnapshotFile(example("before.json")),
    await readSnapshotFile(example("after.json")),
  );
  expect(report.summary).toEqual({
    added: 0,
    removed: 1,
    modified: 2,
    unknown: 0,
    bySeverity: { critical: 1, high: 1, medium: 0, low: 1, info: 0 },
  });
  expect(
    report.resources.map((drift) => [
      drift.status,
      drift.severity,
      drift.name,
      drift.changes.map((change) => [change.path, change.kind, change.ruleId]),
    ]),
  ).toEqual([
    [
      "modified",
      "critical",
      "nsg-web",
      [["properties.securityRules[name=AllowSSH]", "added", "core/nsg-open-management-port"]],
    ],
    [
      "modified",
      "high",
      "stprodlogs",
      [["properties.minimumTlsVersion", "changed", "core/storage-min-tls-lowered"]],
    ],
    ["removed", "low", "pip-legacy-ftp", []],
  ]);
  expect(report.unknown).toEqual([]);
});
