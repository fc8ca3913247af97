import type { ResourceRecord } from "@azure-drift/core";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { RecordIndexWriter, readRecordChunks } from "../src/record-index.js";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

const text = fc.string({ unit: "binary", maxLength: 30 });
const id = fc.oneof(
  fc
    .tuple(fc.constantFrom("/subscriptions/s1/resourceGroups/", "/subscriptions/S2/", "/providers/x/"), text)
    .map(([prefix, rest]) => prefix + rest),
  text,
);
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
      hash: fc.string({ minLength: 1, maxLength: 70 }),
      otherKey: fc.option(text, { nil: undefined }),
      otherName: fc.option(text, { nil: undefined }),
      extra: fc.option(fc.jsonValue(), { nil: undefined }),
    },
    { requiredKeys: ["id", "type", "subscriptionId", "domain", "collector", "hash"] },
  )
  .map(({ otherKey, otherName, extra, ...fields }) => {
    const record = {
      ...fields,
      key: otherKey ?? fields.id.toLowerCase(),
      name: otherName ?? fields.id.slice(fields.id.lastIndexOf("/") + 1),
      config: { a: 1 },
    } as ResourceRecord & Record<string, unknown>;
    if (extra !== undefined) record.extra = extra;
    return record;
  });

test("the column record index gives back every record without its config, whatever its fields", async () => {
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
