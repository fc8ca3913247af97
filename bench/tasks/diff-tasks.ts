// The measured tasks of bench/diff.ts. Each runs in a fresh process (see lib/child.ts), times its
// own work, and then scores its findings against the generator's ground truth (scoring is not timed).
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { backupCollector } from "@azure-drift/collector-backup";
import { encryptionCollector } from "@azure-drift/collector-encryption";
import { governanceCollector } from "@azure-drift/collector-governance";
import { identityCollector } from "@azure-drift/collector-identity";
import { networkCollector } from "@azure-drift/collector-network";
import { securityCollector } from "@azure-drift/collector-security";
import {
  type CoverageEntry,
  createRecord,
  createTypeRegistry,
  type DriftReport,
  diffSnapshots,
  diffStoredSnapshots,
  type JsonObject,
  normalizeResource,
  type ResourceRecord,
  readSnapshotFile,
} from "@azure-drift/core";
import { createFileStore } from "@azure-drift/store-file";
import { generateTenant, mutateTenant, type TruthChange } from "@azure-drift/testing";
import diff from "microdiff";
import { stopwatch } from "../lib/stopwatch.js";

export interface Args {
  dir: string;
  resources: number;
  seed: number;
}

export interface Scored {
  ms: number;
  /** CPU time of the process over the same span (user + system, every thread). */
  cpuMs: number;
  falsePositives: number;
  falseNegatives: number;
}

const TENANT = "bench-tenant";

// Every built-in collector's types: the generator's noise (volatile fields of storage accounts, key
// vaults, …) is declared by the collector of its domain, as it is in a real check.
const registry = createTypeRegistry(
  [
    networkCollector(),
    identityCollector(),
    securityCollector(),
    encryptionCollector(),
    backupCollector(),
    governanceCollector(),
  ].flatMap((collector) => collector.types),
);
const files = (dir: string) => ({
  before: join(dir, "before.ndjson"),
  after: join(dir, "after.ndjson"),
  truth: join(dir, "truth.json"),
  store: join(dir, "store"),
  ids: join(dir, "snapshots.json"),
});

/** Writes the two ARM JSON files, the truth, and the same two states as stored snapshots. */
export async function setup({ dir, resources, seed }: Args): Promise<{ bytes: number; truth: number }> {
  await mkdir(dir, { recursive: true });
  const paths = files(dir);
  const tenant = generateTenant({
    seed,
    resources,
    subscriptions: 4,
    mix: {
      networkSecurityGroup: 30,
      virtualNetwork: 15,
      storageAccount: 20,
      keyVault: 10,
      roleAssignment: 25,
    },
  });
  const beforeResources = [...tenant.resources.values()];
  const beforeBytes = await writeNdjson(paths.before, beforeResources);
  const store = await createFileStore({ directory: paths.store });
  const baseId = await storeSnapshot(store, beforeResources, "2026-01-01T00:00:00.000Z");
  const { changes } = mutateTenant(tenant, {
    churn: { modify: 0.01, add: 0.002, remove: 0.002 },
    noise: 0.05,
    seed: seed + 1,
  });
  const afterResources = [...tenant.resources.values()];
  const afterBytes = await writeNdjson(paths.after, afterResources);
  const currentId = await storeSnapshot(store, afterResources, "2026-01-02T00:00:00.000Z");
  await store.close();
  // The mutator's truth is as the collectors see it (built-in role definitions come and go with the
  // assignments that reference them); these files hold the tenant's own resources only.
  const inFiles = new Set(
    [...beforeResources, ...afterResources].map((resource) => String(resource.id).toLowerCase()),
  );
  await writeFile(paths.truth, JSON.stringify(changes.filter((change) => inFiles.has(change.key))));
  await writeFile(paths.ids, JSON.stringify({ baseId, currentId }));
  return { bytes: beforeBytes + afterBytes, truth: changes.length };
}

/**
 * Writes ARM resources as NDJSON, one resource per line (what `az graph query` exports page by page):
 * at 100k resources a single JSON array is longer than the longest string V8 can hold.
 */
async function writeNdjson(path: string, items: JsonObject[]): Promise<number> {
  const file = await open(path, "w");
  let bytes = 0;
  let chunk = "";
  for (let index = 0; index < items.length; index++) {
    chunk += `${JSON.stringify(items[index])}\n`;
    if (chunk.length > 1 << 24 || index === items.length - 1) {
      bytes += Buffer.byteLength(chunk);
      await file.write(chunk);
      chunk = "";
    }
  }
  await file.close();
  return bytes;
}

/** Reads an NDJSON file and parses each line: the floor every reader of these files pays. */
async function readNdjson(path: string): Promise<JsonObject[]> {
  const bytes = await readFile(path);
  const items: JsonObject[] = [];
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(10, start);
    const end = newline === -1 ? bytes.length : newline;
    if (end > start) items.push(JSON.parse(bytes.toString("utf8", start, end)));
    start = end + 1;
  }
  return items;
}

async function storeSnapshot(
  store: Awaited<ReturnType<typeof createFileStore>>,
  resources: JsonObject[],
  at: string,
): Promise<string> {
  const writer = await store.beginSnapshot({ tenantId: TENANT, scopes: [], startedAt: at, source: "bench" });
  const slices = new Map<string, CoverageEntry>();
  const scopes = new Set<string>();
  let batch: ResourceRecord[] = [];
  for (const resource of resources) {
    const record = createRecord(resource, { collector: "bench", domain: "bench" }, registry);
    slices.set(`${record.subscriptionId}|${record.type.toLowerCase()}`, {
      scope: record.subscriptionId,
      collector: "bench",
      type: record.type,
      complete: true,
    });
    scopes.add(record.subscriptionId);
    batch.push(record);
    if (batch.length === 500) {
      await writer.write(batch);
      batch = [];
    }
  }
  await writer.write(batch);
  const meta = await writer.commit({ finishedAt: at, collectors: [], coverage: [...slices.values()] });
  return meta.id;
}

/** (a) The floor: read and JSON.parse both files. */
export async function floor({ dir }: Args): Promise<Scored> {
  const stop = stopwatch();
  const before = await readNdjson(files(dir).before);
  const after = await readNdjson(files(dir).after);
  const time = stop();
  if (before.length === 0 || after.length === 0) throw new Error("empty snapshot");
  return { ...time, falsePositives: Number.NaN, falseNegatives: Number.NaN };
}

/** (b) What a user would write: the floor, then microdiff on every pair matched by id. */
export async function naive({ dir }: Args): Promise<Scored> {
  const stop = stopwatch();
  const before = await readNdjson(files(dir).before);
  const after = await readNdjson(files(dir).after);
  const byId = new Map(before.map((resource) => [resource.id as string, resource]));
  const found = new Set<string>();
  for (const resource of after) {
    const id = resource.id as string;
    const previous = byId.get(id);
    if (!previous) found.add(`${id.toLowerCase()}|added`);
    else if (diff(previous, resource).length > 0) found.add(`${id.toLowerCase()}|modified`);
    byId.delete(id);
  }
  for (const id of byId.keys()) found.add(`${id.toLowerCase()}|removed`);
  const time = stop();
  const truth = await readTruth(dir);
  // Scored per resource: naive field paths are index-based and cannot be compared with ours.
  return { ...time, ...score(found, new Set(truth.map((change) => `${change.key}|${change.status}`))) };
}

/** (c) Our engine on two files: parse, normalize, diff. */
export async function engineFiles({ dir }: Args): Promise<Scored> {
  const stop = stopwatch();
  const base = await readSnapshotFile(files(dir).before, { registry, tenantId: TENANT });
  const current = await readSnapshotFile(files(dir).after, { registry, tenantId: TENANT });
  const report = diffSnapshots(base, current, { registry });
  const time = stop();
  return { ...time, ...scoreReport(report, await readTruth(dir)) };
}

/** (d) Our engine on two stored snapshots whose hashes were computed when they were written. */
export async function engineStored({ dir }: Args): Promise<Scored> {
  const { baseId, currentId } = JSON.parse(await readFile(files(dir).ids, "utf8"));
  const stop = stopwatch();
  const store = await createFileStore({ directory: files(dir).store });
  const report = await diffStoredSnapshots(store, TENANT, baseId, currentId, { registry });
  await store.close();
  const time = stop();
  return { ...time, ...scoreReport(report, await readTruth(dir)) };
}

async function readTruth(dir: string): Promise<TruthChange[]> {
  return JSON.parse(await readFile(files(dir).truth, "utf8"));
}

/** Scores a report per (resource, status, changed path): every change found and none extra. */
function scoreReport(report: DriftReport, truth: TruthChange[]) {
  const items = (key: string, status: string, paths: string[]) =>
    paths.length === 0 ? [`${key}|${status}`] : paths.map((path) => `${key}|${status}|${path}`);
  const found = new Set(
    report.resources.flatMap((resource) =>
      items(
        resource.key,
        resource.status,
        resource.status === "modified" ? resource.changes.map((c) => c.path) : [],
      ),
    ),
  );
  for (const entry of report.unknown) if (entry.id) found.add(`${entry.id.toLowerCase()}|unknown`);
  const expected = new Set(truth.flatMap((change) => items(change.key, change.status, change.paths)));
  return score(found, expected);
}

function score(found: Set<string>, expected: Set<string>) {
  let falsePositives = 0;
  let falseNegatives = 0;
  for (const item of found) if (!expected.has(item)) falsePositives++;
  for (const item of expected) if (!found.has(item)) falseNegatives++;
  return { falsePositives, falseNegatives };
}

/** What ingestion costs per resource: createRecord (normalize, redact, canonical JSON, SHA-256), and normalization alone. */
export interface Ingestion {
  resources: number;
  recordUs: number;
  normalizeUs: number;
  recordCpuUs: number;
  normalizeCpuUs: number;
}

/**
 * (e) Ingestion: `createRecord` on every resource of the "before" file (parsed beforehand, not
 * timed), then `normalizeResource` alone on the same resources, each timed over the whole file
 * after a warm-up on the first 1,000.
 */
export async function ingest({ dir }: Args): Promise<Ingestion> {
  const resources = await readNdjson(files(dir).before);
  const source = { collector: "bench", domain: "bench" };
  // Both timed loops start warm (the first 1,000 resources once, untimed), so neither pays the
  // other's JIT warm-up: at 100k resources that is what an ingestion costs per resource.
  for (const resource of resources.slice(0, 1000)) {
    createRecord(resource, source, registry);
    normalizeResource(resource, registry);
  }
  let stop = stopwatch();
  let hashed = 0;
  for (const resource of resources) if (createRecord(resource, source, registry).hash) hashed++;
  const record = stop();
  stop = stopwatch();
  let normalized = 0;
  for (const resource of resources) if (normalizeResource(resource, registry)) normalized++;
  const normalize = stop();
  if (hashed !== resources.length || normalized !== resources.length) throw new Error("lost resources");
  const perResource = (ms: number) => (ms * 1000) / resources.length;
  return {
    resources: resources.length,
    recordUs: perResource(record.ms),
    normalizeUs: perResource(normalize.ms),
    recordCpuUs: perResource(record.cpuMs),
    normalizeCpuUs: perResource(normalize.cpuMs),
  };
}
