import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileStore } from "@azure-drift/store-file";
import { afterEach, expect, test } from "vitest";

let directory = "";
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

// Regression: the clean-up of abandoned temporaries on open once treated the store's own
// `tenants/` folder and marker file as leftovers as soon as they were older than a writer's heartbeat.
test("reopening a store whose folders are old keeps every snapshot", async () => {
  directory = await mkdtemp(join(tmpdir(), "azd-old-store-"));
  const store = await createFileStore({ directory });
  const writer = await store.beginSnapshot({
    tenantId: "t1",
    scopes: ["s1"],
    startedAt: "2026-01-01T00:00:00.000Z",
  });
  const meta = await writer.commit({ finishedAt: "2026-01-01T00:01:00.000Z", collectors: [], coverage: [] });
  await store.close();
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (const name of ["tenants", "azure-drift-store.json"])
    await utimes(join(directory, name), anHourAgo, anHourAgo);

  const reopened = await createFileStore({ directory });
  expect((await reopened.listSnapshots("t1")).map((snapshot) => snapshot.id)).toEqual([meta.id]);
  await reopened.close();
});
