import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { logLines, runCli } from "./helpers.js";

// Bad input that is caught before any network call: exit 1, one line on stderr, nothing written.
describe("check: bad input rejected before any Azure call", () => {
  const SUB = "11111111-2222-3333-4444-555555555555";

  async function expectRejected(argv: string[], line: string, cwd?: string) {
    const dir = cwd ?? (await mkdtemp(join(tmpdir(), "azd-cli-")));
    const result = await runCli(argv, { cwd: dir, env: { AZURE_DRIFT_ACCESS_TOKEN: "t" } });
    expect(result).toEqual({ code: 1, stdout: "", stderr: `${line}\n` });
    expect(await readdir(dir)).toEqual(expect.not.arrayContaining([".azure-drift"]));
  }

  test("a subscription id that is not a GUID", async () => {
    await expectRejected(
      ["check", "--subscription", "prod-subscription"],
      'azure-drift: E_INPUT: Invalid subscription id "prod-subscription": a subscription id is a GUID like 00000000-0000-0000-0000-000000000000 (see az account list).',
    );
  });

  test("an unknown cloud", async () => {
    await expectRejected(
      ["check", "--subscription", SUB, "--cloud", "AzureGermanCloud"],
      'azure-drift: E_INPUT: Unknown cloud "AzureGermanCloud": use --cloud AzureCloud, AzureChinaCloud, AzureUSGovernment, or --arm-endpoint URL for another endpoint.',
    );
  });

  test("a CA file that cannot be read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "azd-cli-"));
    await expectRejected(
      ["check", "--subscription", SUB, "--arm-endpoint", "https://127.0.0.1:9", "--ca-cert", "missing.pem"],
      `azure-drift: E_INPUT: Cannot read the CA certificate file ${join(dir, "missing.pem")} (ENOENT): give a readable PEM file to --ca-cert.`,
      dir,
    );
  });

  test("a CA file that holds no certificate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "azd-cli-"));
    await writeFile(join(dir, "ca.pem"), "not a certificate\n");
    await expectRejected(
      ["check", "--subscription", SUB, "--arm-endpoint", "https://127.0.0.1:9", "--ca-cert", "ca.pem"],
      `azure-drift: E_INPUT: The CA certificate file ${join(dir, "ca.pem")} holds no PEM certificate: give --ca-cert a file with "-----BEGIN CERTIFICATE-----" blocks.`,
      dir,
    );
  });

  test("an ARM endpoint over plain http", async () => {
    await expectRejected(
      ["check", "--subscription", SUB, "--arm-endpoint", "http://127.0.0.1:9"],
      "azure-drift: E_INPUT: --arm-endpoint must use https (the Azure SDK never sends a token over plain http): got http://127.0.0.1:9.",
    );
  });

  test("a MongoDB store", async () => {
    await expectRejected(
      ["check", "--subscription", SUB, "--store", "mongodb://localhost:27017/drift"],
      "azure-drift: E_INPUT: MongoDB stores are not yet supported by this release: use --store DIR (a directory for the file store).",
    );
  });

  test("a tenant id that is not a GUID", async () => {
    await expectRejected(
      ["collect", "--subscription", SUB, "--tenant", "contoso.onmicrosoft.com"],
      'azure-drift: E_INPUT: Invalid tenant id "contoso.onmicrosoft.com": a tenant id is a GUID (see az account show).',
    );
  });

  test("a concurrency that is not a positive number", async () => {
    await expectRejected(
      ["check", "--subscription", SUB, "--concurrency", "0"],
      'azure-drift: E_INPUT: --concurrency must be a whole number from 1 to 1000: got "0".',
    );
  });

  test("--collector: a module that cannot be loaded, a package not installed, an export that is not a collector, one name twice", async () => {
    const dir = await mkdtemp(join(tmpdir(), "azd-cli-"));
    await writeFile(join(dir, "named.mjs"), "export const storage = () => ({ name: 'storage' });\n");
    await writeFile(join(dir, "syntax.mjs"), "export default }\n");
    await writeFile(join(dir, "broken.mjs"), "export default () => { throw new Error('no client id'); };\n");
    const check = (...collectors: string[]) => [
      "check",
      "--subscription",
      SUB,
      ...collectors.flatMap((collector) => ["--collector", collector]),
    ];
    await expectRejected(
      check("./missing.mjs"),
      `azure-drift: E_INPUT: The collector module ${join(dir, "missing.mjs")} does not exist: check the path given to --collector (relative paths start from the current directory).`,
      dir,
    );
    await expectRejected(
      check("azure-drift-collector-nowhere"),
      `azure-drift: E_INPUT: Cannot find the collector package "azure-drift-collector-nowhere" from ${dir}: install it there, or pass a path to the module.`,
      dir,
    );
    // The reason is the JavaScript engine's own words (they differ between loaders).
    const syntax = await runCli(check("./syntax.mjs"), { cwd: dir, env: { AZURE_DRIFT_ACCESS_TOKEN: "t" } });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(
      /^azure-drift: E_INPUT: Cannot load the collector module "\.\/syntax\.mjs": [^\n]*[^.]\. Pass --collector network, identity, governance, a JavaScript file or an installed package\.\n$/,
    );
    await expectRejected(
      check("./named.mjs"),
      'azure-drift: E_INPUT: The collector module "./named.mjs" has no default export: name the export, e.g. --collector ./named.mjs#myCollector.',
      dir,
    );
    await expectRejected(
      check("./named.mjs#storage"),
      'azure-drift: E_INPUT: "./named.mjs#storage" is not a collector: export a Collector (defineCollector from @azure-drift/core) or a function that returns one.',
      dir,
    );
    await expectRejected(
      check("./broken.mjs"),
      'azure-drift: E_INPUT: The collector factory "./broken.mjs" threw: no client id',
      dir,
    );
    await expectRejected(
      check("network", "identity", "NETWORK"),
      'azure-drift: E_INPUT: Two collectors are named "network": pass each --collector once (snapshots tell collectors apart by name).',
      dir,
    );
  });

  // DefaultAzureCredential reads the process's environment: only meaningful where no Azure identity is set up.
  const azureIdentityConfigured = [
    "AZURE_CLIENT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
  ].some((name) => process.env[name]);
  if (azureIdentityConfigured) {
    console.warn("skipped 'no credential at all': this environment has an Azure identity configured");
  }
  test.skipIf(azureIdentityConfigured)(
    "no credential at all (no token, no az login, no managed identity)",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "azd-cli-"));
      const result = await runCli(["check", "--subscription", SUB], { cwd: dir, env: {} });
      const message =
        "No Azure credential is available: sign in with `az login`, set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET (or a managed identity), or set AZURE_DRIFT_ACCESS_TOKEN.";
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      // The JSON log line (stderr is not a terminal) carries the code; the last line is the one-line error.
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines.at(-1)).toBe(`azure-drift: E_AUTH: ${message}`);
      expect(logLines(result.stderr)).toEqual([
        expect.objectContaining({ level: "error", msg: "command failed", code: "E_AUTH", error: message }),
      ]);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  test("an unknown option", async () => {
    await expectRejected(
      ["check", "--subscriptions", SUB],
      "azure-drift: E_INPUT: unknown option '--subscriptions' (Did you mean --subscription?); see azure-drift check --help",
    );
  });
});
