import { setTimeout as sleep } from "node:timers/promises";
import { createFileStore } from "@azure-drift/store-file";
import { afterAll, beforeAll, expect, test } from "vitest";
import { seededRandom } from "../../testing/src/store-conformance/records.js";
import { snapshotRecords } from "./child/fixture.js";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.js";
import { bundleChildren, startChild } from "./processes.js";

// Real crashes: a child process writing a snapshot is SIGKILLed at a random moment, then the parent
// opens the store and checks it. More trials: AZD_CRASH_TRIALS=200 (the benchmark runs more too).
const TRIALS = Number(process.env.AZD_CRASH_TRIALS ?? 30);
const RECORDS = 400;
const TENANT = "crash-tenant";

afterAll(removeTemporaryFolders);
beforeAll(() => bundleChildren(["write-snapshot.ts", "hold-lock.ts"]));

async function writeWholeSnapshot(directory: string, seed: number): Promise<{ id: string; writeMs: number }> {
  const child = startChild("write-snapshot.ts", [directory, TENANT, String(seed), String(RECORDS)]);
  await child.waitFor("ready");
  const started = performance.now();
  const line = await child.waitFor("committed", 60_000);
  const writeMs = performance.now() - started;
  await child.exited;
  return { id: line.split(" ")[1] ?? "", writeMs };
}

test(`SIGKILL at ${TRIALS} random moments of a snapshot write never leaves a partial or damaged snapshot`, async () => {
  const directory = temporaryFolder("azd-crash-");
  await writeWholeSnapshot(directory, 1);
  // The second write finds most documents present, as every later trial does: its time calibrates the kills.
  const { writeMs } = await writeWholeSnapshot(directory, 2);
  const random = seededRandom(Number(process.env.AZD_CRASH_SEED ?? 7));
  const checked = new Set<string>();
  let killedMidWrite = 0;
  let committedBeforeKill = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 100 + trial;
    const child = startChild("write-snapshot.ts", [directory, TENANT, String(seed), String(RECORDS), "25"]);
    await child.waitFor("ready");
    // Half the kills spread over the whole write, half around its end where the commit happens.
    const delay = random() < 0.5 ? random() * writeMs : writeMs * (0.7 + random() * 0.5);
    await sleep(delay);
    child.process.kill("SIGKILL");
    await child.exited;
    const committed = /committed (\S+)/.exec(child.output())?.[1];
    if (committed) committedBeforeKill++;
    else killedMidWrite++;

    // A child killed while holding the tenant lock leaves it behind: take it over after 2 s, not 10.
    const store = await createFileStore({ directory, staleLockMs: 2000 });
    try {
      const report = await store.verify();
      expect(report.problems, `trial ${trial}: verify() after the kill`).toEqual([]);
      expect(report.leftovers, `trial ${trial}: open removed the dead writer's temporaries`).toEqual([]);
      const listed = await store.listSnapshots(TENANT);
      if (committed) expect(listed.map((meta) => meta.id)).toContain(committed);
      const latest = listed[0]!;
      for (const meta of listed) {
        if (checked.has(meta.id) && meta !== latest) continue;
        const seedOfSnapshot = Number(meta.source?.replace("seed:", ""));
        const expected = snapshotRecords(seedOfSnapshot, RECORDS);
        expect(meta.resourceCount, `trial ${trial}: ${meta.id} is complete`).toBe(RECORDS);
        const read = [];
        for await (const record of store.readRecords(TENANT, meta.id)) read.push(record);
        expect(read, `trial ${trial}: ${meta.id} reads back exactly`).toStrictEqual(expected);
        checked.add(meta.id);
      }
      // Keep the store small so verify() stays fast; pruning after crashes is part of the test.
      if (trial % 10 === 9) await store.prune(TENANT, { keepLast: 3 });
    } finally {
      await store.close();
    }
  }
  // Both sides of the commit point were hit, or the test did not test much.
  expect(killedMidWrite).toBeGreaterThan(0);
  expect(committedBeforeKill + killedMidWrite).toBe(TRIALS);
}, 240_000);

test("two processes writing one new store at once both commit intact snapshots", async () => {
  const directory = `${temporaryFolder("azd-concurrent-")}/store`;
  const writers = [201, 202, 203].map((seed) =>
    startChild("write-snapshot.ts", [directory, TENANT, String(seed), String(RECORDS), "10"]),
  );
  const lines = await Promise.all(writers.map((child) => child.waitFor("committed", 60_000)));
  await Promise.all(writers.map((child) => child.exited));
  const store = await createFileStore({ directory });
  try {
    const listed = await store.listSnapshots(TENANT);
    expect(listed.map((meta) => meta.id).sort()).toEqual(lines.map((line) => line.split(" ")[1]).sort());
    for (const meta of listed) {
      const read = [];
      for await (const record of store.readRecords(TENANT, meta.id)) read.push(record);
      expect(read).toStrictEqual(snapshotRecords(Number(meta.source?.replace("seed:", "")), RECORDS));
    }
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
}, 120_000);

test("a held tenant lock gives E_STORE_LOCKED naming the lock; a crashed holder's lock is taken over once stale", async () => {
  const directory = temporaryFolder("azd-lock-");
  const setup = await createFileStore({ directory });
  await setup.close();
  const holder = startChild("hold-lock.ts", [directory, TENANT]);
  await holder.waitFor("locked");
  const impatient = await createFileStore({ directory, lockTimeoutMs: 300, staleLockMs: 2000 });
  await expect(impatient.prune(TENANT, { keepLast: 1 })).rejects.toMatchObject({
    code: "E_STORE_LOCKED",
    message: expect.stringContaining("tenant.lock"),
  });
  await expect(
    impatient.beginSnapshot({ tenantId: TENANT, scopes: [], startedAt: new Date().toISOString() }),
  ).rejects.toMatchObject({ code: "E_STORE_LOCKED" });
  // Another tenant is not blocked: locks are per tenant.
  await expect(impatient.prune("other-tenant", { keepLast: 1 })).resolves.toEqual({
    snapshotsRemoved: [],
    documentsRemoved: 0,
  });
  await impatient.close();
  holder.process.kill("SIGKILL");
  await holder.exited;
  const patient = await createFileStore({ directory, lockTimeoutMs: 15_000, staleLockMs: 2000 });
  const started = Date.now();
  await expect(patient.prune(TENANT, { keepLast: 1 })).resolves.toEqual({
    snapshotsRemoved: [],
    documentsRemoved: 0,
  });
  expect(Date.now() - started).toBeLessThan(15_000);
  await patient.close();
}, 60_000);
