import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriftReport, JsonObject } from "@azure-drift/core";
import {
  type ArmReplayServer,
  filterTruth,
  generateTenant,
  mutateTenant,
  startArmReplayServer,
  type TruthChange,
} from "@azure-drift/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { secretShapes } from "../../core/test/support/secret-shapes.js";
import { BUILT_IN_COLLECTOR_NAMES } from "../src/built-in-names.js";
import { defaultCollectors } from "../src/collectors.js";
import {
  type CliResult,
  type Finding,
  reportFindings as findings,
  runCli,
  truthFindings,
} from "./helpers.js";
import { needleOf, storedText } from "./stored-bytes.js";

// All six built-in collectors at once, end to end through the CLI with no --collector: a generated
// tenant of every domain, noise that is not drift, a mutation with known ground truth, a 403 on one
// type, and secrets planted in one resource of each domain.

const TOKEN = "all-domains-token";
const FORBIDDEN_TYPE = "Microsoft.Compute/disks";
const COLLECTORS = defaultCollectors();
const COLLECTED_TYPES = COLLECTORS.flatMap((collector) => collector.types.map((type) => type.type));
const FORMATS = ["json", "markdown", "html", "table", "sarif", "junit"] as const;

/** The collector (by name) that reads an ARM type. */
function collectorOf(type: string): string | undefined {
  const lower = type.toLowerCase();
  return COLLECTORS.find((collector) => collector.types.some((entry) => entry.type.toLowerCase() === lower))
    ?.name;
}

/** Whether an ARM id ends in its own type's segment (`…/pricings/VirtualMachines` for `…/pricings`). */
function isNamedByItsType(id: string, type: string): boolean {
  const segments = id.toLowerCase().split("/");
  return segments[segments.length - 2] === type.toLowerCase().split("/").pop();
}

describe("every built-in collector by default, against one mutated tenant", { timeout: 240_000 }, () => {
  let server: ArmReplayServer;
  let dir: string;
  let store: string;
  const env = { AZURE_DRIFT_ACCESS_TOKEN: TOKEN };
  const outputs: [string, CliResult][] = [];
  const secrets = secretShapes();
  const needles = Object.entries(secrets).map(([shape, value]) => [shape, needleOf(value)] as const);
  let first: CliResult;
  let noiseOnly: CliResult;
  let drifted: CliResult;
  let truth: TruthChange[];
  const planted: Finding[] = [];
  let disksInBase: string[];

  const cli = async (label: string, argv: string[]) => {
    const result = await runCli(argv, { env, cwd: dir });
    outputs.push([label, result]);
    return result;
  };
  const check = (label: string, ...extra: string[]) =>
    cli(label, [
      "check",
      ...["--arm-endpoint", server.url, "--ca-cert", join(dir, "ca.pem"), "--store", store],
      ...["--format", "json", "--log-level", "debug", "--no-attribution", ...extra],
    ]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "azd-all-domains-"));
    store = join(dir, "store");
    server = await startArmReplayServer({
      tenant: generateTenant({ seed: 2026, resources: 1500, subscriptions: 2 }),
      pageSize: 100,
      token: TOKEN,
    });
    await writeFile(join(dir, "ca.pem"), server.ca);
    first = await check("first check");

    // Only what Azure changes by itself: etags, provisioning states, volatile fields of every domain.
    mutateTenant(server.tenant, { churn: 0, seed: 5, noise: 0.5 });
    noiseOnly = await check("noise-only check");

    disksInBase = [...server.tenant.resources.values()]
      .filter((resource) => String(resource.type).toLowerCase() === FORBIDDEN_TYPE.toLowerCase())
      .map((resource) => String(resource.id).toLowerCase())
      .sort();
    const mutation = mutateTenant(server.tenant, { churn: 0.04, seed: 9, noise: 0.1 });
    truth = filterTruth(mutation.changes, COLLECTED_TYPES).filter(
      (change) => change.type.toLowerCase() !== FORBIDDEN_TYPE.toLowerCase(),
    );
    // One resource of each domain, untouched by the mutation, gets two secrets under neutral names.
    const touched = new Set(mutation.changes.map((change) => change.key));
    const shapes = Object.values(secrets);
    for (const collector of COLLECTORS) {
      const types = new Set(collector.types.map((entry) => entry.type.toLowerCase()));
      const resource = [...server.tenant.resources.values()].find(
        (candidate) =>
          types.has(String(candidate.type).toLowerCase()) &&
          String(candidate.id).startsWith("/subscriptions/") &&
          String(candidate.type).toLowerCase() !== FORBIDDEN_TYPE.toLowerCase() &&
          !touched.has(String(candidate.id).toLowerCase()) &&
          // A resource whose record key is its id (not one served under its parent's id, as TDE is).
          isNamedByItsType(String(candidate.id), String(candidate.type)) &&
          typeof candidate.properties === "object",
      );
      if (!resource)
        throw new Error(`the generated tenant has no resource for the ${collector.name} collector`);
      const properties = resource.properties as JsonObject;
      properties.note = shapes[(planted.length * 2) % shapes.length]!;
      properties.bootstrap = shapes[(planted.length * 2 + 1) % shapes.length]!;
      planted.push({
        key: String(resource.id).toLowerCase(),
        status: "modified",
        paths: ["properties.bootstrap", "properties.note"],
      });
    }
    server.setFaults({ forbidden: [{ type: FORBIDDEN_TYPE }] });
    drifted = await check("drift check");
    server.setFaults({});
    for (const format of FORMATS) {
      await cli(`report --format ${format}`, [
        "report",
        ...["--store", store, "--tenant", server.tenant.tenantId, "--format", format],
      ]);
    }
  }, 240_000);

  afterAll(async () => {
    await server?.close();
  });

  test("with no --collector, check runs all six built-in collectors: one per domain", () => {
    expect(first.code, first.stderr).toBe(0);
    expect(COLLECTORS.map((collector) => collector.name)).toEqual([...BUILT_IN_COLLECTOR_NAMES]);
    expect(new Set(COLLECTORS.map((collector) => collector.domain)).size).toBe(6);
    const report = JSON.parse(first.stdout) as DriftReport;
    expect(report.resources).toEqual([]);
    expect(report.unknown).toEqual([]);
    // The generated tenant has resources of every domain, and the mutation changed each of them.
    const domainsChanged = new Set(truth.map((change) => collectorOf(change.type)));
    expect([...domainsChanged].sort()).toEqual([...BUILT_IN_COLLECTOR_NAMES].sort());
  });

  test("noise alone (etags, provisioning states, volatile fields of every domain) is no drift", () => {
    expect(noiseOnly.code, noiseOnly.stderr).toBe(0);
    const report = JSON.parse(noiseOnly.stdout) as DriftReport;
    expect(findings(report)).toEqual([]);
    expect(report.unknown).toEqual([]);
  });

  test("the report equals the ground truth of all six domains, the planted secrets as changes", () => {
    expect(drifted.code, drifted.stderr).toBe(2);
    const report = JSON.parse(drifted.stdout) as DriftReport;
    const expected = truthFindings(truth, planted);
    expect(findings(report)).toEqual(expected);
    // The planted values were seen, redacted.
    const notes = report.resources
      .filter((resource) => planted.some((entry) => entry.key === resource.key))
      .flatMap((resource) => resource.changes.filter((change) => change.path === "properties.note"));
    expect(notes.map((change) => change.after)).toEqual(planted.map(() => "[REDACTED]"));
  });

  test("a 403 on one type: that type, and only it, is unknown in each subscription, never removed", () => {
    const report = JSON.parse(drifted.stdout) as DriftReport;
    expect(
      report.unknown.every((entry) => entry.type === FORBIDDEN_TYPE && entry.collector === "encryption"),
    ).toBe(true);
    // One entry per subscription for the slice…
    expect(
      report.unknown
        .filter((entry) => entry.id === undefined)
        .map((entry) => entry.scope)
        .sort(),
    ).toEqual(server.tenant.subscriptions.map((sub) => sub.subscriptionId).sort());
    // …and one per disk of the base, which cannot be said removed.
    expect(disksInBase.length).toBeGreaterThan(0);
    expect(
      report.unknown
        .filter((entry) => entry.id !== undefined)
        .map((entry) => String(entry.id).toLowerCase())
        .sort(),
    ).toEqual(disksInBase);
    expect(report.resources.filter((resource) => resource.type === FORBIDDEN_TYPE)).toEqual([]);
  });

  test("no output, no log line and no byte of the store holds a planted secret", async () => {
    expect(outputs.length).toBe(3 + FORMATS.length);
    const leaks = outputs.flatMap(([label, { stdout, stderr }]) =>
      needles
        .filter(([, needle]) => stdout.includes(needle) || stderr.includes(needle))
        .map(([shape]) => `${shape} in ${label}`),
    );
    expect(leaks).toEqual([]);
    const files = (await readdir(store, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    const stored = (await Promise.all(files.map(async (file) => storedText(await readFile(file))))).join(
      "\n",
    );
    expect(needles.filter(([, needle]) => stored.includes(needle)).map(([shape]) => shape)).toEqual([]);
    // The decompression reached the documents: the planted resources' keys are in the store.
    for (const entry of planted) expect(stored).toContain(entry.key);
  });
});
