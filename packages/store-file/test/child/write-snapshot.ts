// A child process for the crash and concurrency tests: writes one snapshot whose records are a
// pure function of the seed (recorded in `source`), so the parent can check what it reads back.
// Prints "ready" once the store is open and "committed <id>" when done.
import { createFileStore } from "@azure-drift/store-file";
import { snapshotRecords } from "./fixture.js";

const [directory, tenantId, seedText, countText, batchText] = process.argv.slice(2);
const seed = Number(seedText);
const records = snapshotRecords(seed, Number(countText));
const batch = Number(batchText ?? 50);
const store = await createFileStore({ directory: directory ?? "", staleLockMs: 2000 });
process.stdout.write("ready\n");
const writer = await store.beginSnapshot({
  tenantId: tenantId ?? "",
  scopes: ["00000000-0000-0000-0000-000000000001"],
  startedAt: new Date().toISOString(),
  source: `seed:${seed}`,
});
for (let index = 0; index < records.length; index += batch)
  await writer.write(records.slice(index, index + batch));
const meta = await writer.commit({ finishedAt: new Date().toISOString(), collectors: [], coverage: [] });
process.stdout.write(`committed ${meta.id}\n`);
await store.close();
