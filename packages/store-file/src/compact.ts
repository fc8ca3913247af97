import { randomBytes } from "node:crypto";
import { mkdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isDriftError, type Logger, throwIfAborted } from "@azure-drift/core";
import { fsyncDirectory, isMissing } from "./io.js";
import type { TenantLayout } from "./layout.js";
import { ownedName, releaseName } from "./owner.js";
import { BlockReader, type DocumentEntry, type PackIndex, PackWriter } from "./pack.js";
import { PACK_EXTENSION, type PackSet } from "./pack-set.js";

/**
 * Compaction, the sweep of pack files: every pack holding a document that no snapshot references
 * (or a second copy of one, left by two writers racing or by a compaction cut short) is rewritten:
 * the documents that live on go into one new pack, which is fsynced and renamed into place before
 * the old packs are removed. A crash in between leaves copies, never a gap; the next prune removes
 * the copies. Blocks whose documents all live on are copied as they are, not recompressed.
 *
 * Runs under the tenant lock with no writer registered (see prune), so no writer relies on a
 * document it removes. A reader that looked a document up in a removed pack looks it up again.
 * Returns how many distinct unreferenced documents were removed.
 */
export async function compactPacks(
  layout: TenantLayout,
  packs: PackSet,
  referenced: ReadonlySet<string>,
  logger: Logger,
  signal?: AbortSignal,
): Promise<number> {
  const claimed = new Set<string>();
  const plans: { pack: PackIndex; live: number[] }[] = [];
  const unreferenced = new Set<string>();
  for (const pack of packs.packs) {
    const live: number[] = [];
    for (const [index, hash] of pack.hashes.entries()) {
      if (!referenced.has(hash)) unreferenced.add(hash);
      else if (!claimed.has(hash)) {
        claimed.add(hash);
        live.push(index);
      }
    }
    if (live.length < pack.hashes.length) plans.push({ pack, live });
  }
  if (plans.length === 0) return 0;
  if (packs.damaged.size > 0) {
    // A damaged pack's documents are unknown: another copy of one might be all that is left.
    logger.warn("a pack file is damaged; packs are not compacted until verify() is clean", {
      tenantId: layout.tenantId,
      damaged: [...packs.damaged.keys()],
    });
    return 0;
  }
  const keep = plans.filter(({ live }) => live.length > 0);
  let created: string | undefined;
  if (keep.length > 0) {
    const name = ownedName("k");
    const temporary = join(layout.tmp, `${name}${PACK_EXTENSION}`);
    await mkdir(layout.tmp, { recursive: true });
    const reader = new BlockReader(16);
    let writer: PackWriter | undefined;
    try {
      writer = await PackWriter.create(temporary, keep[0]!.pack.compression);
      for (const { pack, live } of keep) {
        throwIfAborted(signal);
        await copyLive(reader, writer, pack, live);
      }
      await writer.finish();
      writer = undefined;
      created = `${Date.now().toString(36).padStart(9, "0")}-${randomBytes(6).toString("hex")}${PACK_EXTENSION}`;
      await rename(temporary, join(layout.packs, created));
      await fsyncDirectory(layout.packs);
    } catch (error) {
      await writer?.abort().catch(() => {});
      await unlink(temporary).catch(() => {});
      if (!isDriftError(error, "E_STORE_CORRUPT")) throw error;
      logger.warn("a pack file is damaged; packs are not compacted until verify() is clean", {
        tenantId: layout.tenantId,
        error: String(error),
      });
      return 0;
    } finally {
      await reader.close();
      releaseName(name);
    }
  }
  for (const { pack } of plans) {
    await unlink(pack.file).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }
  await fsyncDirectory(layout.packs);
  await packs.refresh();
  logger.debug("packs compacted", {
    tenantId: layout.tenantId,
    rewritten: plans.length,
    created,
    documentsRemoved: unreferenced.size,
  });
  return unreferenced.size;
}

/** Copies the live documents of one pack into `writer`: whole blocks as stored, the rest one by one. */
async function copyLive(
  reader: BlockReader,
  writer: PackWriter,
  pack: PackIndex,
  live: number[],
): Promise<void> {
  const byBlock = new Map<number, number[]>();
  for (const index of live) {
    const block = pack.block[index]!;
    const list = byBlock.get(block) ?? [];
    if (list.length === 0) byBlock.set(block, list);
    list.push(index);
  }
  const perBlock = new Map<number, number>();
  for (const block of Array.from(pack.block)) perBlock.set(block, (perBlock.get(block) ?? 0) + 1);
  for (const [block, indexes] of [...byBlock.entries()].sort((a, b) => a[0] - b[0])) {
    if (
      indexes.length === perBlock.get(block) &&
      pack.compression === writer.compression &&
      pack.chained === writer.chained
    ) {
      const documents: DocumentEntry[] = indexes.map((index) => ({
        hash: pack.hashes[index]!,
        offset: pack.offset[index]!,
        length: pack.length[index]!,
      }));
      writer.addStoredBlock(await reader.storedBlock(pack, block), pack.blocks[block]!, documents);
    } else {
      const raw = await reader.block(pack, block);
      for (const index of indexes) {
        const offset = pack.offset[index]!;
        writer.add(pack.hashes[index]!, raw.toString("utf8", offset, offset + pack.length[index]!));
      }
    }
    await writer.waitForRoom();
  }
}
