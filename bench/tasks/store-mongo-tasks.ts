// Tasks of bench/store-mongo.ts: the same workload on the MongoDB store and on the file store, in
// one process each (measureInChild), so their rates come from the same run on the same machine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffStoredSnapshots, type ResourceRecord, type Store } from "@azure-drift/core";
import { BSON, type CommandStartedEvent, MongoClient } from "mongodb";
import { createFileStore } from "../../packages/store-file/src/index.js";
import { COLLECTIONS, createMongoStore } from "../../packages/store-mongo/src/index.js";
import { changeStoreRecords } from "../../packages/testing/src/store-conformance/records.js";
import { tenantRecords } from "./store-file-tasks.js";

const TENANT = "bench-tenant";
const SUBSCRIPTION = "00000000-0000-0000-0000-00000000be0c";

/** What one store did with the workload. */
export interface WorkloadResult {
  records: number;
  churnSnapshots: number;
  firstWriteMs: number;
  churnWriteMs: number[];
  readMs: number;
  diffMs: number;
  diffChanges: number;
  /** MongoDB only: commands sent while writing the first snapshot and each churn snapshot. */
  firstRoundTrips?: number;
  churnRoundTrips?: number[];
  /** MongoDB only: BSON bytes stored after the first snapshot and after all of them. */
  bytesAfterFirst?: number;
  bytesAfterAll?: number;
  /** MongoDB only: BSON bytes of one document per resource for one snapshot. */
  naiveBytesPerSnapshot?: number;
}

async function writeSnapshot(store: Store, records: readonly ResourceRecord[], minute: number) {
  const startedAt = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  const writer = await store.beginSnapshot({ tenantId: TENANT, scopes: [SUBSCRIPTION], startedAt });
  for (let index = 0; index < records.length; index += 500)
    await writer.write(records.slice(index, index + 500));
  return writer.commit({ finishedAt: startedAt, collectors: [], coverage: [] });
}

/** Writes the first snapshot and the churn snapshots, reads the last back, diffs the last two. */
async function workload(
  store: Store,
  args: { records: number; churnSnapshots: number },
  roundTrips: () => number = () => 0,
  afterFirst: () => Promise<void> = async () => {},
): Promise<WorkloadResult> {
  let current = [...tenantRecords(args.records)];
  let started = performance.now();
  let trips = roundTrips();
  const ids = [(await writeSnapshot(store, current, 0)).id];
  const firstWriteMs = performance.now() - started;
  const firstRoundTrips = roundTrips() - trips;
  await afterFirst();
  const churnWriteMs: number[] = [];
  const churnRoundTrips: number[] = [];
  for (let index = 1; index <= args.churnSnapshots; index++) {
    current = changeStoreRecords(current, 0.01, 1000 + index);
    started = performance.now();
    trips = roundTrips();
    ids.push((await writeSnapshot(store, current, index)).id);
    churnWriteMs.push(performance.now() - started);
    churnRoundTrips.push(roundTrips() - trips);
  }
  started = performance.now();
  let read = 0;
  for await (const _ of store.readRecords(TENANT, ids.at(-1)!)) read++;
  const readMs = performance.now() - started;
  if (read !== args.records) throw new Error(`read ${read} records of ${args.records}`);
  started = performance.now();
  const report = await diffStoredSnapshots(store, TENANT, ids.at(-2)!, ids.at(-1)!);
  const diffMs = performance.now() - started;
  return {
    records: args.records,
    churnSnapshots: args.churnSnapshots,
    firstWriteMs,
    churnWriteMs,
    readMs,
    diffMs,
    diffChanges: report.resources.length,
    firstRoundTrips,
    churnRoundTrips,
  };
}

/** BSON bytes of every document the store keeps in `database`. */
async function storedBytes(client: MongoClient, database: string): Promise<number> {
  let bytes = 0;
  for (const name of Object.values(COLLECTIONS)) {
    for await (const document of client.db(database).collection(name).find({}))
      bytes += BSON.calculateObjectSize(document);
  }
  return bytes;
}

export async function mongoWorkload(args: { uri: string; records: number; churnSnapshots: number }) {
  const database = `azd_bench_${process.pid}`;
  let commands = 0;
  const client = new MongoClient(args.uri, { monitorCommands: true });
  client.on("commandStarted", (event: CommandStartedEvent) => {
    if (event.databaseName === database) commands++;
  });
  await client.connect();
  try {
    const store = await createMongoStore({ client, database });
    let firstOnly = 0;
    const result = await workload(
      store,
      args,
      () => commands,
      async () => {
        firstOnly = await storedBytes(client, database);
      },
    );
    await store.close();
    const naive = [...tenantRecords(args.records)].reduce(
      (sum, record) =>
        sum +
        BSON.calculateObjectSize({ tenantId: TENANT, snapshotId: "20260101t000000000z-00000000", ...record }),
      0,
    );
    return {
      ...result,
      bytesAfterFirst: firstOnly,
      bytesAfterAll: await storedBytes(client, database),
      naiveBytesPerSnapshot: naive,
    };
  } finally {
    await client
      .db(database)
      .dropDatabase()
      .catch(() => {});
    await client.close();
  }
}

export async function fileWorkload(args: { records: number; churnSnapshots: number }) {
  const directory = mkdtempSync(join(tmpdir(), "azd-bench-mongo-vs-file-"));
  try {
    const store = await createFileStore({ directory });
    const result = await workload(store, args);
    await store.close();
    return { ...result, firstRoundTrips: undefined, churnRoundTrips: undefined };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
