import { join } from "node:path";
import { type DriftError, isDriftError, throwIfAborted } from "@azure-drift/core";
import { listNames } from "./io.js";
import type { TenantLayout } from "./layout.js";
import { BlockReader, type PackIndex, parseDocument, readPackIndex } from "./pack.js";
import { PACK_EXTENSION } from "./pack-set.js";

/** What checking a tenant's packs found. */
export interface PackCheck {
  /** Each hash the readable packs hold: `true` when a copy reads back, else the damaged pack's file. */
  documents: Map<string, true | string>;
  /** Every document entry of every readable pack, for counting the unreferenced ones. */
  entries: string[];
  /** Files of packs whose index cannot be read (their documents are unknown). */
  unreadable: string[];
  /** The damage found, one entry per damaged pack. */
  damage: { file: string; error: DriftError }[];
}

/** Reads every block of every pack of a tenant and parses every document in it. Changes nothing. */
export async function checkPacks(layout: TenantLayout, signal?: AbortSignal): Promise<PackCheck> {
  const check: PackCheck = { documents: new Map(), entries: [], unreadable: [], damage: [] };
  const names = (await listNames(layout.packs)).filter((name) => name.endsWith(PACK_EXTENSION)).sort();
  for (const name of names) {
    throwIfAborted(signal);
    const file = join(layout.packs, name);
    let pack: PackIndex;
    try {
      pack = await readPackIndex(file, name);
    } catch (error) {
      if (!isDriftError(error)) throw error;
      check.unreadable.push(file);
      check.damage.push({ file, error });
      continue;
    }
    const reader = new BlockReader(2);
    const damagedBlocks = new Set<number>();
    try {
      for (let block = 0; block < pack.blocks.length; block++) {
        throwIfAborted(signal);
        try {
          const raw = await reader.block(pack, block);
          for (let index = 0; index < pack.hashes.length; index++) {
            if (pack.block[index] === block) parseDocument(pack, raw, index);
          }
        } catch (error) {
          if (!isDriftError(error, "E_STORE_CORRUPT")) throw error;
          if (damagedBlocks.size === 0) check.damage.push({ file, error });
          damagedBlocks.add(block);
        }
      }
    } finally {
      await reader.close();
    }
    for (const [index, hash] of pack.hashes.entries()) {
      check.entries.push(hash);
      if (!damagedBlocks.has(pack.block[index]!)) check.documents.set(hash, true);
      else if (!check.documents.has(hash)) check.documents.set(hash, file);
    }
  }
  return check;
}
