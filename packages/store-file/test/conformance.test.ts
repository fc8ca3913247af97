import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createFileStore, type FileStore } from "@azure-drift/store-file";
import { storeConformanceSuite } from "@azure-drift/testing";
import { afterAll, test } from "vitest";
import { hashOfDocument, removeTemporaryFolders, temporaryFolder } from "./helpers.js";

afterAll(removeTemporaryFolders);

// Reads the documents straight from the folder, so content addressing and pruning are proven on disk.
const documentHashes = async (store: unknown, tenantId: string) => {
  const docs = join((store as FileStore).directory, "tenants", tenantId, "docs");
  let shards: string[] = [];
  try {
    shards = readdirSync(docs);
  } catch {
    return [];
  }
  return shards.flatMap((shard) => readdirSync(join(docs, shard)).map(hashOfDocument));
};

storeConformanceSuite(test, () => createFileStore({ directory: temporaryFolder() }), {
  name: "file store (gzip)",
  inspect: { documentHashes },
});

storeConformanceSuite(test, () => createFileStore({ directory: temporaryFolder(), compression: "none" }), {
  name: "file store (uncompressed)",
  inspect: { documentHashes },
});
