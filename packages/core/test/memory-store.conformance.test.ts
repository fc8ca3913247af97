import { createMemoryStore, type Store } from "@azure-drift/core";
import { storeConformanceSuite } from "@azure-drift/testing";
import { test } from "vitest";

// The inspector reads the memory store's own maps, so the suite can prove what prune really removed.
type Internals = { tenants: Map<string, { documents: Map<string, unknown> }> };
const documentHashes = async (store: Store, tenantId: string) => [
  ...((store as unknown as Internals).tenants.get(tenantId)?.documents.keys() ?? []),
];

storeConformanceSuite(test, () => createMemoryStore(), { name: "memory store", inspect: { documentHashes } });
