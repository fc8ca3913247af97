import { setTimeout as sleep } from "node:timers/promises";
import { createFileStore } from "@azure-drift/store-file";
import { generateStoreRecords } from "@azure-drift/testing";
import { afterAll, expect, test } from "vitest";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

// Regression: a write waiting for the index stream to drain never settled when the writer was
// aborted meanwhile (destroying a stream emits no "drain"), so a cancelled check could hang.
test("a write in flight settles when the writer is aborted", async () => {
  const store = await createFileStore({ directory: temporaryFolder() });
  const writer = await store.beginSnapshot({
    tenantId: "t1",
    scopes: ["s1"],
    startedAt: "2026-01-01T00:00:00.000Z",
  });
  // Enough index lines to overflow the compressor's buffer, so the write has to wait for "drain".
  const pending = writer.write(generateStoreRecords({ seed: 3, count: 2_000 }));
  // Handled before the abort: the write may reject while abort() is still cleaning up.
  const settled = pending.then(
    () => "settled",
    () => "settled",
  );
  await writer.abort();
  const outcome = await Promise.race([settled, sleep(10_000).then(() => "still pending after 10 s")]);
  expect(outcome).toBe("settled");
  expect(await store.listSnapshots("t1")).toEqual([]);
  await store.close();
});
