import type { ResourceRecord } from "@azure-drift/core";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { compareRowIndexes } from "../src/index-compare.js";
import { RecordIndexWriter, readRecordChunks, readRowIndex } from "../src/record-index.js";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

const text = fc.string({ unit: "binary", maxLength: 30 });
const id = fc.oneof(
  fc
    .tuple(fc.constantFrom("/subscriptions/s1/resourceGroups/", "/subscriptions/S2/", "/providers/x/"), text)
    .map(([prefix, rest]) => prefix + rest),
  text,
);
const hexHash = fc.stringMatching(/^[0-9a-f]{64}$/);
const record = fc
  .record(
    {
      id,
      type: fc.constantFrom("Microsoft.Network/networkSecurityGroups", "microsoft.web/sites", "x"),
      subscriptionId: fc.constantFrom("s1", "", "s2"),
      resourceGroup: fc.option(text, { nil: undefined }),
      location: fc.option(fc.constantFrom("westeurope", "eastus"), { nil: undefined }),
      tags: fc.option(fc.dictionary(text, text, { maxKeys: 3 }), { nil: undefined }),
      domain: fc.constantFrom("network", "identity"),
      collector: fc.constantFrom("network", "custom"),
      // Mostly what createRecord gives (64 lower-case hex digits, kept in the slot), else any string (kept in the row).
      hash: fc.oneof(
        { weight: 4, arbitrary: hexHash },
        { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 70 }) },
      ),
      otherKey: fc.option(text, { nil: undefined }),
      otherName: fc.option(text, { nil: undefined }),
      extra: fc.option(fc.jsonValue(), { nil: undefined }),
      // Most ARM ids are /subscriptions/<subscription>/resourceGroups/<group>/providers/<type>/<name>.
      armShaped: fc.boolean(),
    },
    { requiredKeys: ["id", "type", "subscriptionId", "domain", "collector", "hash"] },
  )
  .map(({ otherKey, otherName, extra, armShaped, ...fields }) => {
    if (armShaped && fields.resourceGroup !== undefined)
      fields.id = `/subscriptions/${fields.subscriptionId}/resourceGroups/${fields.resourceGroup}/providers/${fields.type}/${fields.id.replaceAll("/", "")}`;
    const record = {
      ...fields,
      key: otherKey ?? fields.id.toLowerCase(),
      name: otherName ?? fields.id.slice(fields.id.lastIndexOf("/") + 1),
      config: { a: 1 },
    } as ResourceRecord & Record<string, unknown>;
    if (extra !== undefined) record.extra = extra;
    return record;
  });

test("the record index gives back every record without its config, whatever its fields", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(record, { maxLength: 40 }),
      fc.integer({ min: 1, max: 5000 }),
      async (records, copies) => {
        const folder = temporaryFolder();
        const writer = await RecordIndexWriter.create(folder, "gzip");
        // Enough records now and then to span several chunks.
        const all =
          copies > 4900
            ? Array.from({ length: 9000 }, (_, index) => records[index % records.length]!).filter(Boolean)
            : records;
        for (const item of all) writer.add(item);
        const info = await writer.finish();
        const read = [];
        for await (const chunk of readRecordChunks(folder, {
          file: "records.idx",
          compression: "gzip",
          ...info,
        }))
          read.push(...chunk);
        // Stored as JSON: undefined members vanish, as they do in any store.
        expect(read).toEqual(JSON.parse(JSON.stringify(all.map(({ config: _config, ...entry }) => entry))));
        expect(info.count).toBe(all.length);
      },
    ),
    { numRuns: 60 },
  );
});

async function writeIndex(records: ResourceRecord[]) {
  const folder = temporaryFolder();
  const writer = await RecordIndexWriter.create(folder, "gzip");
  for (const item of records) writer.add(item);
  const info = await writer.finish();
  const index = await readRowIndex(folder, { file: "records.idx", compression: "gzip", ...info });
  if (!index) throw new Error("not a slot-and-row index");
  return index;
}

const entryOf = ({ config: _config, ...entry }: ResourceRecord) => JSON.parse(JSON.stringify(entry));

/** What a diff finds by reading both indexes whole and matching them by key. */
function compareByKey(base: ResourceRecord[], current: ResourceRecord[]) {
  const before = new Map(base.map((record) => [record.key, record]));
  const after = new Set(current.map((record) => record.key));
  return {
    modified: current
      .filter((record) => before.has(record.key) && before.get(record.key)!.hash !== record.hash)
      .map((record) => ({ base: entryOf(before.get(record.key)!), current: entryOf(record) })),
    added: current.filter((record) => !before.has(record.key)).map(entryOf),
    removed: base.filter((record) => !after.has(record.key)).map(entryOf),
  };
}

const uniqueKeys = (records: ResourceRecord[]) =>
  records.filter((record, index) => records.findIndex((other) => other.key === record.key) === index);

test("comparing two indexes by their slots finds exactly what matching them by key finds", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(record, { maxLength: 60 }).map(uniqueKeys),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom("keep", "drop", "rehash", "same-hash-string")), {
        maxLength: 60,
      }),
      fc.array(record, { maxLength: 10 }),
      async (base, edits, extra) => {
        const current = base.flatMap((item, index) => {
          const edit = edits[index]?.[1] ?? "keep";
          if (edit === "drop") return [];
          if (edit === "rehash") return [{ ...item, hash: `${item.hash.slice(1)}0` }];
          // A new object with the same fields: unchanged, whatever the hash looks like.
          if (edit === "same-hash-string") return [{ ...item, tags: item.tags }];
          return [item];
        });
        const keys = new Set(current.map((item) => item.key));
        const next = uniqueKeys([...current, ...extra.filter((item) => !keys.has(item.key))]);
        const found = compareRowIndexes(await writeIndex(base), await writeIndex(next));
        expect(found).toEqual(compareByKey(base, next));
      },
    ),
    { numRuns: 80 },
  );
});

test("comparing by slots spans frames, and declines when a key repeats inside an index", async () => {
  const many = Array.from({ length: 9000 }, (_, index) => ({
    id: `/subscriptions/s1/resourceGroups/rg/providers/x/y/r${index}`,
    key: `/subscriptions/s1/resourcegroups/rg/providers/x/y/r${index}`,
    type: "x/y",
    name: `r${index}`,
    subscriptionId: "s1",
    domain: "d",
    collector: "c",
    hash: index.toString(16).padStart(64, "0"),
    config: {},
  })) as ResourceRecord[];
  const changed = many.map((item, index) =>
    index % 1000 === 7 ? { ...item, hash: (index + 1).toString(16).padStart(64, "a") } : item,
  );
  const found = compareRowIndexes(await writeIndex(many), await writeIndex(changed.slice(0, 8500)));
  expect(found?.modified.map((pair) => pair.current.name)).toEqual([
    "r7",
    "r1007",
    "r2007",
    "r3007",
    "r4007",
    "r5007",
    "r6007",
    "r7007",
    "r8007",
  ]);
  expect(found?.removed).toHaveLength(500);
  expect(found?.removed[0]).toEqual(entryOf(many[8500]!));
  expect(found?.added).toEqual([]);
  const twice = [...many.slice(0, 3), many[1]!];
  expect(compareRowIndexes(await writeIndex(twice), await writeIndex(many.slice(0, 3)))).toBeUndefined();
  expect(compareRowIndexes(await writeIndex(many.slice(0, 3)), await writeIndex(twice))).toBeUndefined();
});
