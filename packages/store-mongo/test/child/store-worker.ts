// One process of the multi-process test: writes a snapshot, or prunes, against the given database,
// and prints one JSON line with what it did.
import { createMongoStore } from "@azure-drift/store-mongo";
import { changeStoreRecords, generateStoreRecords } from "@azure-drift/testing";

const [uri, database, tenantId, job, seed] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const store = await createMongoStore({ uri, database });
try {
  if (job === "write") {
    const base = generateStoreRecords({ seed: 42, count: 1500, subscriptions: ["sub-1"] });
    const records = changeStoreRecords(base, 0.1, Number(seed));
    const startedAt = new Date(Date.UTC(2024, 2, 1, 0, Number(seed))).toISOString();
    const writer = await store.beginSnapshot({ tenantId, scopes: ["sub-1"], startedAt });
    for (let index = 0; index < records.length; index += 250)
      await writer.write(records.slice(index, index + 250));
    const meta = await writer.commit({ finishedAt: startedAt, collectors: [], coverage: [] });
    console.log(JSON.stringify({ id: meta.id, seed: Number(seed) }));
  } else {
    const results = [];
    for (let round = 0; round < 3; round++) {
      results.push(await store.prune(tenantId, { keepLast: 2 }));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    console.log(JSON.stringify({ pruned: results }));
  }
} finally {
  await store.close();
}
