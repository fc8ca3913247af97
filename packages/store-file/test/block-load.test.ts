import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { BlockReader, type PackIndex, PackWriter, parseDocument, readPackIndex } from "../src/pack.js";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

/** A real pack of `count` documents of about 1 KB each (gzip: chained blocks of about 8 KB). */
async function writePack(count: number): Promise<{ pack: PackIndex; documents: object[] }> {
  const folder = temporaryFolder();
  await mkdir(folder, { recursive: true });
  const file = join(folder, "test.pack");
  const writer = await PackWriter.create(file, "gzip");
  const documents = Array.from({ length: count }, (_, index) => ({
    id: `/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n${index}`,
    rules: Array.from({ length: 8 }, (_, rule) => ({ name: `rule-${index}-${rule}`, priority: 100 + rule })),
  }));
  for (const [index, document] of documents.entries()) writer.add(`hash-${index}`, JSON.stringify(document));
  await writer.finish();
  return { pack: await readPackIndex(file, "test.pack"), documents };
}

// A load hands a document out once `ready` covers it. A block the reader already holds (a cache
// hit) that comes up while a piece of chained blocks is being gathered is delivered on its own:
// the documents of the blocks gathered before it must still wait for their piece.
test.each([
  { urgent: false, what: "a load made ahead (pieces of up to 4 MB, all in the pool)" },
  { urgent: true, what: "an urgent load (its first piece decompressed at once)" },
])(
  "$what: every document is ready when `ready` says so, a cached block amid a piece included",
  async ({ urgent }) => {
    const { pack, documents } = await writePack(400);
    expect(pack.blocks.length).toBeGreaterThan(10);
    const reader = new BlockReader(64);
    await reader.block(pack, 5);
    const load = await reader.blocksInOrder(
      { packs: documents.map(() => pack), blocks: Int32Array.from(pack.block) },
      urgent,
    );
    for (let position = 0; position < documents.length; position++) {
      await load.ready(position + 1);
      expect(parseDocument(pack, load.block(position)!, position)).toStrictEqual(documents[position]);
    }
    await reader.close();
  },
);

test("documents no pack holds need no block, and a load in another order hands out the same documents", async () => {
  const { pack, documents } = await writePack(120);
  const reader = new BlockReader(8);
  const positions = [...documents.keys()].reverse();
  const load = await reader.blocksInOrder(
    {
      packs: positions.map((index) => (index % 10 === 3 ? undefined : pack)),
      blocks: Int32Array.from(positions, (index) => pack.block[index]!),
    },
    false,
  );
  await load.ready(positions.length);
  expect(
    positions.map((index, at) => (load.block(at) ? parseDocument(pack, load.block(at)!, index) : undefined)),
  ).toStrictEqual(positions.map((index) => (index % 10 === 3 ? undefined : documents[index])));
  await reader.close();
});
