import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport } from "@azure-drift/core";
import { type ArmReplayServer, demoTenant, startArmReplayServer } from "@azure-drift/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { logLines, replayCheckArgs, runCli } from "./helpers.js";

// A check never hangs: a list whose server never answers and a nextLink that loops each make their
// slice `unknown` with a notice, and the check ends (exit 2). The real CLI and collectors over HTTPS.

const TOKEN = "hang-token";
const SUB = "1c6f0e57-0000-4000-8000-000000000001";
const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";

describe("no hang", { timeout: 30_000 }, () => {
  let server: ArmReplayServer;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-hang-"));
    server = await startArmReplayServer({ tenant: demoTenant(), token: TOKEN, pageSize: 1 });
    await writeFile(join(dir, "ca.pem"), server.ca);
  });
  afterEach(async () => {
    await server.close();
  });

  const check = (...extra: string[]) =>
    runCli([...replayCheckArgs(server.url, dir, join(dir, "store"), SUB), ...extra], {
      env: { AZURE_DRIFT_ACCESS_TOKEN: TOKEN },
      cwd: dir,
    });

  test("a list that never answers: abandoned after --request-timeout, its slice unknown with a notice", async () => {
    server.setFaults({ hang: [{ type: NSG_TYPE }] });
    // Only the network collector, and a timeout a loaded CI machine's ordinary answers stay under.
    const result = await check("--request-timeout", "5", "--collector", "network");
    expect(result.code, result.stderr).toBe(2);
    expect(server.stats.hung).toBe(1);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.unknown).toEqual([
      {
        scope: SUB,
        type: NSG_TYPE,
        collector: "network",
        reason: `the current snapshot's enumeration was incomplete: ARM did not answer GET /subscriptions/${SUB}/providers/Microsoft.Network/networkSecurityGroups within 5 s; the request was abandoned (raise the timeout with --request-timeout, or ArmConnection.requestTimeoutMs).`,
      },
    ]);
    expect(report.notices).toContainEqual(
      expect.stringMatching(
        /^Collector network could not enumerate everything in subscription .*did not answer/,
      ),
    );
    expect(logLines(result.stderr)).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "Listing incomplete", resourceType: NSG_TYPE }),
    );
  });

  test("a nextLink that points to itself: the listing stops, its slice unknown with a notice", async () => {
    server.setFaults({ nextLinkLoop: [{ type: NSG_TYPE }] });
    const result = await check();
    expect(result.code, result.stderr).toBe(2);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.unknown).toEqual([
      {
        scope: SUB,
        type: NSG_TYPE,
        collector: "network",
        reason: `the current snapshot's enumeration was incomplete: ARM sent a nextLink to a page already read (a paging loop) listing ${NSG_TYPE}; the listing was stopped after 1 page.`,
      },
    ]);
  });

  test("--request-timeout is checked before any Azure call", async () => {
    const result = await check("--request-timeout", "0");
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'azure-drift: E_INPUT: --request-timeout must be a number of seconds from 1 to 3600: got "0".\n',
    });
  });
});
