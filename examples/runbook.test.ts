import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoDrift, demoTenant, startArmReplayServer } from "@azure-drift/testing";
import { expect, test } from "vitest";

// examples/runbook.sh end to end, against the replay server serving the demo tenant: it runs the
// CLI (from source, through tsx) and acts on its exit code.
const root = join(import.meta.dirname, "..");

function runbook(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(root, "examples", "runbook.sh")], {
      cwd: env.WORKDIR,
      env: {
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
        TSX_TSCONFIG_PATH: join(root, "packages", "cli", "test", "tsconfig.spawn.json"),
        // The job runs in its own directory: give tsx by absolute URL.
        AZURE_DRIFT_BIN: `${process.execPath} --import ${import.meta.resolve("tsx")} ${join(root, "packages", "cli", "src", "bin.ts")}`,
        ...env,
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

test("runbook.sh: no drift, then drift with a Markdown report, then an error", {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "azd-runbook-"));
  const server = await startArmReplayServer({ tenant: demoTenant() });
  try {
    await writeFile(join(dir, "ca.pem"), server.ca);
    const env = {
      WORKDIR: dir,
      AZURE_DRIFT_ACCESS_TOKEN: "runbook-token",
      AZURE_DRIFT_STORE: join(dir, "store"),
      AZURE_DRIFT_OUT: join(dir, "drift"),
      AZURE_DRIFT_CHECK_ARGS: `--arm-endpoint ${server.url} --ca-cert ${join(dir, "ca.pem")}`,
    };

    const first = await runbook(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("no drift\n");

    demoDrift(server.tenant);
    const second = await runbook(env);
    expect(second.code, second.stderr).toBe(2);
    // The demo's story: network and identity, plus a policy assignment set to DoNotEnforce and a lock removed (governance).
    expect(second.stdout).toMatch(/^drift found: \{"added":3,"removed":2,"modified":4,"unknown":0,/);
    const report = JSON.parse(await readFile(join(dir, "drift.json"), "utf8"));
    expect(report.summary).toMatchObject({ added: 3, removed: 2, modified: 4, unknown: 0 });
    const markdown = await readFile(join(dir, "drift.md"), "utf8");
    expect(markdown).toContain("properties.securityRules[name=Allow-SSH-Internet]");

    const broken = await runbook({ ...env, AZURE_DRIFT_CHECK_ARGS: "--subscription not-a-guid" });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toBe(
      'azure-drift: E_INPUT: Invalid subscription id "not-a-guid": a subscription id is a GUID like 00000000-0000-0000-0000-000000000000 (see az account list).\ndrift check failed (exit 1)\n',
    );
  } finally {
    await server.close();
  }
});
