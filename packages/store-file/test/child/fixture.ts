import type { ResourceRecord } from "@azure-drift/core";
// Straight from source: the whole testing package (replay server, certificates) is slow to load.
import { changeStoreRecords, generateStoreRecords } from "../../../testing/src/store-conformance/records.js";

/** The records of the snapshot written with `seed`: one base tenant, 25 % of it changed per seed. */
export function snapshotRecords(seed: number, count: number): ResourceRecord[] {
  return changeStoreRecords(generateStoreRecords({ seed: 42, count }), 0.25, seed);
}
