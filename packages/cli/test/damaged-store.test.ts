import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport } from "@azure-drift/core";
import { type ArmReplayServer, demoTenant, startArmReplayServer } from "@azure-drift/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type CliResult, logLines, replayCheckArgs, runCli } from "./helpers.js";

// A check whose base is damaged saves nothing, so the drift it could not report is reported by the
// first check after the base is repaired or set aside; a damaged newer snapshot is never skipped in
// silence. The real CLI, collectors over HTTPS against the replay server, the file store on disk.

const TOKEN = "damaged-store-token";
const SUB = "1c6f0e57-0000-4000-8000-000000000001";
const NSG_KEY = `/subscriptions/${SUB}/resourcegroups/rg-network/providers/microsoft.network/networksecuritygroups/nsg-app-backend`;
const RULE = "Allow-App-e78318";

describe("a damaged store never hides drift", { timeout: 60_000 }, () => {
  let server: ArmReplayServer;
  let dir: string;
  let store: string;
  let tenantId: string;
  const env = { AZURE_DRIFT_ACCESS_TOKEN: TOKEN };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-damaged-"));
    store = join(dir, "store");
    server = await startArmReplayServer({ tenant: demoTenant(), token: TOKEN });
    tenantId = server.tenant.tenantId;
    await writeFile(join(dir, "ca.pem"), server.ca);
  });
  afterEach(async () => {
    await server.close();
  });

  const check = (...extra: string[]) =>
    runCli([...replayCheckArgs(server.url, dir, store, SUB), ...extra], { env, cwd: dir });
  const cli = (...argv: string[]) => runCli(argv, { env, cwd: dir });
  const reportOf = (result: CliResult) => JSON.parse(result.stdout) as DriftReport;
  const lastLine = (result: CliResult) => result.stderr.trimEnd().split("\n").at(-1);
  const tenantFolder = () => join(store, "tenants", tenantId);
  const snapshotFolder = (id: string) => join(tenantFolder(), "snapshots", id);
  const listed = async () =>
    (
      JSON.parse((await cli("snapshots", "--store", store, "--tenant", tenantId)).stdout) as { id: string }[]
    ).map((row) => row.id);

  /** The NSG rule opened to the internet: the one change every check below must report. */
  function openRuleToInternet(): void {
    const nsg = server.tenant.resources.get(NSG_KEY) as {
      properties: { securityRules: { name: string; properties: Record<string, unknown> }[] };
    };
    const rule = nsg.properties.securityRules.find((candidate) => candidate.name === RULE)!;
    rule.properties.sourceAddressPrefix = "Internet";
  }

  function expectRuleChange(report: DriftReport, baseId: string): void {
    expect(report.base.snapshotId).toBe(baseId);
    expect(report.resources.map(({ key, status }) => ({ key, status }))).toEqual([
      { key: NSG_KEY, status: "modified" },
    ]);
    expect(
      report.resources[0]!.changes.map(({ path, kind, before, after, severity }) => ({
        path,
        kind,
        before,
        after,
        severity,
      })),
    ).toEqual([
      {
        path: `properties.securityRules[name=${RULE}].properties.sourceAddressPrefix`,
        kind: "changed",
        before: "AzureMonitor",
        after: "Internet",
        severity: "high",
      },
    ]);
  }

  async function filesUnder(folder: string): Promise<string[]> {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  }

  const damages: [string, (snapshotId: string) => Promise<string[]>][] = [
    ["its resource documents truncated", async () => filesUnder(join(tenantFolder(), "packs"))],
    ["its record index truncated", async (id) => [join(snapshotFolder(id), "records.idx")]],
  ];

  test.each(damages)(
    "changed, base with %s → exit 1, nothing saved → repaired → the change is reported",
    async (_, damaged) => {
      const first = await check();
      expect(first.code, first.stderr).toBe(0);
      const baseId = reportOf(first).current.snapshotId!;
      openRuleToInternet();

      const files = await damaged(baseId);
      const backup = new Map(
        await Promise.all(files.map(async (file) => [file, await readFile(file)] as const)),
      );
      for (const [file, bytes] of backup) await truncate(file, Math.floor(bytes.length / 2));

      const failed = await check();
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe("");
      expect(lastLine(failed)).toMatch(
        new RegExp(
          `^azure-drift: E_STORE_CORRUPT: Snapshot ${baseId}, the base of this check, cannot be read: .* Nothing of this check was saved`,
        ),
      );
      expect(logLines(failed.stderr)).toContainEqual(
        expect.objectContaining({ level: "error", msg: "command failed", code: "E_STORE_CORRUPT" }),
      );
      // Nothing committed: the damaged snapshot is still the only one, and still the base.
      expect(await listed()).toEqual([baseId]);

      for (const [file, bytes] of backup) await writeFile(file, bytes);
      const repaired = await check();
      expect(repaired.code, repaired.stderr).toBe(2);
      expectRuleChange(reportOf(repaired), baseId);
    },
  );

  test("a damaged base set aside with store quarantine: verify finds it, the next check compares with the one before", async () => {
    const first = await check();
    expect(first.code, first.stderr).toBe(0);
    const goodId = reportOf(first).current.snapshotId!;
    const second = await check();
    expect(second.code, second.stderr).toBe(0);
    const damagedId = reportOf(second).current.snapshotId!;
    openRuleToInternet();
    const index = join(snapshotFolder(damagedId), "records.idx");
    await truncate(index, Math.floor((await stat(index)).size / 2));

    expect((await check()).code).toBe(1);

    // verify: read-only (not one byte or time changes), exit 1, the findings name the snapshot.
    const before = await fingerprint(store);
    const found = await cli("store", "verify", "--store", store, "--format", "json");
    expect(await fingerprint(store)).toEqual(before);
    expect(found.code).toBe(1);
    expect(lastLine(found)).toMatch(/^azure-drift: E_STORE_CORRUPT: store verify found 1 problem in /);
    const findings = JSON.parse(found.stdout) as { ok: boolean; problems: Record<string, unknown>[] };
    expect(findings.ok).toBe(false);
    expect(findings.problems).toEqual([
      expect.objectContaining({ code: "E_STORE_CORRUPT", file: index, tenantId, snapshotId: damagedId }),
    ]);
    const text = await cli("store", "verify", "--store", store, "--format", "text");
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^E_STORE_CORRUPT tenant=${tenantId} snapshot=${damagedId} `));
    expect(text.stdout).toMatch(/\n1 problem\(s\): checked 1 tenant\(s\), 2 snapshot\(s\), /);

    const aside = await cli("store", "quarantine", damagedId, "--store", store, "--tenant", tenantId);
    expect(aside.code, aside.stderr).toBe(0);
    expect(JSON.parse(aside.stdout)).toEqual({
      snapshotId: damagedId,
      movedTo: expect.stringContaining(join(tenantFolder(), "quarantine", `${damagedId}--`)),
      baselines: [],
    });
    expect(await listed()).toEqual([goodId]);
    const clean = await cli("store", "verify", "--store", store);
    expect(clean.code, clean.stdout).toBe(0);

    const after = await check();
    expect(after.code, after.stderr).toBe(2);
    expectRuleChange(reportOf(after), goodId);
  });

  if (process.platform !== "linux")
    console.warn("skipped 'check --store /proc/x': /proc exists on Linux only");
  test.runIf(process.platform === "linux")(
    "check --store /proc/x (Linux): a clear E_STORE error at once, never a hang",
    async () => {
      const result = await runCli(
        [
          "check",
          "--arm-endpoint",
          server.url,
          "--ca-cert",
          join(dir, "ca.pem"),
          "--store",
          "/proc/azure-drift-x",
        ],
        { env, cwd: dir },
      );
      expect(result.code).toBe(1);
      expect(lastLine(result)).toBe(
        "azure-drift: E_STORE: Cannot create the store folder /proc/azure-drift-x: /proc does not accept new folders (ENOENT; a virtual file system such as /proc or /sys?). Choose another directory (--store DIR).",
      );
    },
    10_000,
  );

  test("store quarantine of a snapshot that does not exist: E_NOT_FOUND", async () => {
    expect((await check()).code).toBe(0);
    const result = await cli(
      "store",
      "quarantine",
      "no-such-snapshot",
      "--store",
      store,
      "--tenant",
      tenantId,
    );
    expect(result.code).toBe(1);
    expect(lastLine(result)).toMatch(
      /^azure-drift: E_NOT_FOUND: Tenant .* has no snapshot "no-such-snapshot" to set aside/,
    );
  });

  test.each(["json", "text"])(
    "a damaged latest snapshot is not skipped in silence (--log-format %s): a warning, and the report names its base and the unreadable one",
    async (logFormat) => {
      const first = await check();
      const goodId = reportOf(first).current.snapshotId!;
      const second = await check();
      const damagedId = reportOf(second).current.snapshotId!;
      openRuleToInternet();
      const manifest = join(snapshotFolder(damagedId), "manifest.json");
      await truncate(manifest, Math.floor((await stat(manifest)).size / 2));

      const result = await check(
        "--log-format",
        logFormat,
        "--format",
        logFormat === "json" ? "json" : "markdown",
      );
      expect(result.code, result.stderr).toBe(2);
      if (logFormat === "json") {
        expect(logLines(result.stderr)).toContainEqual(
          expect.objectContaining({
            level: "warn",
            msg: "a newer snapshot is unreadable; comparing with the newest readable one",
            unreadableSnapshotId: damagedId,
            baseSnapshotId: goodId,
          }),
        );
        const report = reportOf(result);
        expectRuleChange(report, goodId);
        expect(report.unreadableSnapshots).toEqual([
          { snapshotId: damagedId, reason: expect.stringContaining(`${manifest} is damaged`) },
        ]);
        expect(report.notices).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^Snapshot ${damagedId} is unreadable \\(.*\\); this report compares with ${goodId}, the newest readable snapshot`,
            ),
          ),
        );
      } else {
        expect(result.stderr).toMatch(
          new RegExp(
            `WARN a newer snapshot is unreadable; comparing with the newest readable one .*unreadableSnapshotId=${damagedId} baseSnapshotId=${goodId}`,
          ),
        );
        expect(result.stdout).toContain(`Snapshot ${damagedId} is unreadable (`);
        expect(result.stdout).toContain(`this report compares with ${goodId}`);
      }
      // `snapshots` warns too, instead of dropping it without a word.
      const listing = await cli("snapshots", "--store", store, "--tenant", tenantId);
      expect(logLines(listing.stderr)).toContainEqual(
        expect.objectContaining({
          level: "warn",
          msg: "skipping a damaged snapshot; run `azure-drift store verify`",
        }),
      );
    },
  );
});

/** Every file's path, size and modification time under `folder`. */
async function fingerprint(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path);
      return `${path} ${info.size} ${info.mtimeMs}`;
    }),
  ).then((rows) => rows.sort());
}
