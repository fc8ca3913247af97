import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createFileStore, type FileStore } from "@azure-drift/store-file";
import { storeConformanceSuite } from "@azure-drift/testing";
import { afterAll, test } from "vitest";
import { readPackIndex } from "../src/pack.js";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

// Reads the documents straight from the folder (the index at the end of each pack file), so content
// addressing and pruning are proven on disk.
const documentHashes = async (store: unknown, tenantId: string) => {
  const packs = join((store as FileStore).directory, "tenants", tenantId, "packs");
  let names: string[] = [];
  try {
    names = readdirSync(packs);
  } catch {
    return [];
  }
  const indexes = await Promise.all(names.map((name) => readPackIndex(join(packs, name), name)));
  return indexes.flatMap((index) => index.hashes);
};

storeConformanceSuite(test, () => createFileStore({ directory: temporaryFolder() }), {
  name: "file store (gzip)",
  inspect: { documentHashes },
});

storeConformanceSuite(test, () => createFileStore({ directory: temporaryFolder(), compression: "none" }), {
  name: "file store (uncompressed)",
  inspect: { documentHashes },
});
