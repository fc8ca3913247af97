import { COLLECTIONS, createMongoStore, INDEXES } from "@azure-drift/store-mongo";
import { changeStoreRecords, generateStoreRecords } from "@azure-drift/testing";
import type { Document } from "mongodb";
import { type CommandStartedEvent, MongoClient } from "mongodb";
import { afterAll, expect, test } from "vitest";
import { dropTestDatabases, testDatabaseName, testMongoUri } from "./server.js";

afterAll(dropTestDatabases);

const TENANT = "11111111-aaaa-4aaa-8aaa-111111111111";
const SUB_1 = "00000000-0000-0000-0000-000000000001";
const SUB_2 = "00000000-0000-0000-0000-000000000002";
const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 0, minute)).toISOString();

interface Query {
  collection: string;
  command: string;
  filter: Document;
  sort?: Document;
}

/** The filters (and sorts) of a command the store sent, one per statement. */
function queriesOf(event: CommandStartedEvent): Query[] {
  const { command, commandName } = event;
  const collection = command[commandName] as string;
  const one = (filter: Document | undefined, sort?: Document): Query => ({
    collection,
    command: commandName,
    filter: filter ?? {},
    ...(sort ? { sort } : {}),
  });
  switch (commandName) {
    case "find":
      return [one(command.filter, command.sort)];
    case "findAndModify":
      return [one(command.query, command.sort)];
    case "distinct":
    case "count":
      return [one(command.query)];
    case "update":
      return (command.updates as Document[]).map((statement) => one(statement.q));
    case "delete":
      return (command.deletes as Document[]).map((statement) => one(statement.q));
    default:
      return [];
  }
}

/** The declared index that serves a query: its leading key is in the filter and it has every sort key. */
function servingIndex(query: Query): string | undefined {
  const fields = Object.keys(query.filter);
  if (fields.includes("_id")) return "_id_";
  const role = (Object.keys(COLLECTIONS) as (keyof typeof COLLECTIONS)[]).find(
    (key) => COLLECTIONS[key] === query.collection,
  )!;
  let best: { name: string; prefix: number } | undefined;
  for (const index of INDEXES[role]) {
    const keys = Object.keys(index.key as Document);
    let prefix = 0;
    while (prefix < keys.length && fields.includes(keys[prefix]!)) prefix++;
    const sorted = Object.keys(query.sort ?? {}).every((key) => keys.includes(key));
    if (prefix > 0 && sorted && (!best || prefix > best.prefix)) best = { name: index.name!, prefix };
  }
  return best?.name;
}

test("every query the store makes is served by a declared index (on MongoDB, its plan uses it: IXSCAN, no COLLSCAN)", async () => {
  const client = new MongoClient(testMongoUri(), { monitorCommands: true });
  const database = testDatabaseName();
  const queries: Query[] = [];
  client.on("commandStarted", (event) => {
    if (event.databaseName === database) queries.push(...queriesOf(event));
  });
  try {
    const store = await createMongoStore({ client, database });
    // A workload that makes every kind of query the store has.
    const first = generateStoreRecords({ seed: 1, count: 60, subscriptions: [SUB_1, SUB_2] });
    const metas = [];
    for (const [index, records] of [
      first,
      changeStoreRecords(first, 0.2, 2),
      changeStoreRecords(first, 0.2, 3),
    ].entries()) {
      const writer = await store.beginSnapshot({
        tenantId: TENANT,
        scopes: index === 1 ? [SUB_2] : [SUB_1],
        startedAt: at(index * 10),
      });
      await writer.write(records);
      metas.push(await writer.commit({ finishedAt: at(index * 10 + 5), collectors: [], coverage: [] }));
    }
    const aborted = await store.beginSnapshot({ tenantId: TENANT, scopes: [SUB_1], startedAt: at(40) });
    await aborted.write(first.slice(0, 3));
    await aborted.abort();
    await store.listSnapshots(TENANT, { scope: SUB_1, since: at(0), until: at(30), limit: 5 });
    await store.latestSnapshot(TENANT);
    await store.getSnapshot(TENANT, metas[0]!.id);
    for await (const _ of store.readRecords(TENANT, metas[0]!.id, { keys: [first[3]!.key] }));
    for await (const _ of store.readIndex(TENANT, metas[1]!.id));
    for await (const _ of store.readConfigs!(TENANT, [first[0]!.hash]));
    const report = {
      formatVersion: 1,
      id: "r1",
      tenantId: TENANT,
      createdAt: at(50),
      base: { snapshotId: metas[0]!.id },
      current: { snapshotId: metas[1]!.id },
      summary: {
        added: 0,
        removed: 0,
        modified: 0,
        unknown: 0,
        bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      },
      resources: [],
      unknown: [],
      suppressed: [],
      notices: [],
    };
    await store.putReport(report as never);
    await store.putReport(report as never);
    await store.getReport(TENANT, "r1");
    await store.listReports(TENANT, { since: at(0), limit: 3 });
    await store.putBaseline({ tenantId: TENANT, name: "prod", snapshotId: metas[2]!.id, createdAt: at(60) });
    await store.getBaseline(TENANT, "prod");
    await store.listBaselines(TENANT);
    await store.prune(TENANT, { keepLast: 1 });
    await store.deleteBaseline(TENANT, "prod");
    await store.close();

    const storeQueries = queries.filter((query) => query.collection.startsWith("drift_"));
    const kinds = new Set(storeQueries.map((query) => `${query.collection} ${query.command}`));
    expect(kinds.size).toBeGreaterThanOrEqual(15);
    const unserved = storeQueries.filter((query) => servingIndex(query) === undefined);
    expect(unserved, "queries no declared index serves").toEqual([]);

    const db = client.db(database);
    for (const [role, indexes] of Object.entries(INDEXES)) {
      const names = (await db.collection(COLLECTIONS[role as keyof typeof COLLECTIONS]).indexes()).map(
        (i) => i.name,
      );
      for (const index of indexes)
        expect(names, `${COLLECTIONS[role as keyof typeof COLLECTIONS]} has ${index.name}`).toContain(
          index.name,
        );
    }

    // FerretDB 1.24's SQLite backend plans every query as a scan of the collection (its explain says
    // filterPushdown: false), so there the index shapes above are what can be checked; MongoDB's
    // planner is asked for each query's winning plan.
    const ferretdb = (await client.db("admin").command({ buildInfo: 1 })).ferretdbVersion !== undefined;
    if (!ferretdb) {
      for (const query of storeQueries.filter(
        (q) => q.command === "find" || q.command === "update" || q.command === "delete",
      )) {
        const explained =
          query.command === "find"
            ? { find: query.collection, filter: query.filter, ...(query.sort ? { sort: query.sort } : {}) }
            : query.command === "update"
              ? { update: query.collection, updates: [{ q: query.filter, u: { $set: { probe: 1 } } }] }
              : { delete: query.collection, deletes: [{ q: query.filter, limit: 0 }] };
        const plan = JSON.stringify(
          (await db.command({ explain: explained, verbosity: "queryPlanner" })).queryPlanner.winningPlan,
        );
        expect(plan, `${JSON.stringify(query)} is planned without a collection scan`).not.toContain(
          "COLLSCAN",
        );
        expect(plan, `${JSON.stringify(query)} uses an index`).toMatch(/IXSCAN|IDHACK|EXPRESS/);
      }
    }
  } finally {
    await client.close();
  }
}, 120_000);
