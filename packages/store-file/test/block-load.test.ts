import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, expect, test } from "vitest";
import { BlockLoad, type BlockSource } from "../src/block-load.js";
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

// A later piece can fail while an earlier unit is still on its way: the failure reaches the reader
// through `ready`, and is never an unhandled rejection meanwhile (vitest fails the run on one).
test("a piece that fails before an earlier unit delivers: `ready` rejects naming the block, nothing unhandled", async () => {
  const { pack: written } = await writePack(400);
  const reader = new BlockReader(8);
  const blockZero = await reader.block(written, 0);
  // Block 3 becomes 0xff bytes (a reserved DEFLATE block type), its CRC-32 made to match.
  const damaged = Buffer.alloc(written.blocks[3]!.length, 0xff);
  const pack: PackIndex = {
    ...written,
    hashes: written.hashes,
    blocks: written.blocks.map((block, number) => (number === 3 ? { ...block, crc: crc32(damaged) } : block)),
  };
  const source: BlockSource = {
    cached: (_pack, number) =>
      number === 0 ? new Promise((resolve) => setTimeout(() => resolve(blockZero), 50)) : undefined,
    decompressed() {},
    read: async (from, numbers) =>
      (await reader.read(written, numbers)).map((block) => ({
        ...block,
        pack: from,
        stored: block.number === 3 ? damaged : block.stored,
      })),
  };
  const numbers = [0, 1, 2, 3, 4, 5, 6];
  const load = await BlockLoad.load(
    { packs: numbers.map(() => pack), blocks: Int32Array.from(numbers) },
    source,
    false,
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  await expect(load.ready(numbers.length)).rejects.toMatchObject({
    code: "E_STORE_CORRUPT",
    message: expect.stringContaining("block 3 cannot be decompressed"),
  });
  await reader.close();
});
