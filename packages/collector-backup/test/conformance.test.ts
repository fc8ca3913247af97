import { collectorConformanceSuite } from "@azure-drift/testing";
import { test } from "vitest";
import { backupCollector } from "../src/index.js";

// Vaults come with all their backup children and storage accounts with their blob and file services:
// asking the generator for the parents gives every declared type. The 403 test forbids the first
// declared type, the vaults, so each child type of the vaults must go incomplete too.
collectorConformanceSuite(test, () => backupCollector(), {
  mix: { recoveryServicesVault: 1, storageAccount: 1 },
  resources: 40,
});
