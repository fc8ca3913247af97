import { collectorConformanceSuite } from "@azure-drift/testing";
import { test } from "vitest";
import { encryptionCollector } from "../src/index.js";
import { ENCRYPTION_MIX } from "./tenant-mix.js";

// SQL servers, databases and storage accounts are not this collector's types: it reaches its SQL and
// scope records through them, so the tenant holds them too. The 403 test forbids key vaults, which
// takes their keys' listings along.
collectorConformanceSuite(test, () => encryptionCollector(), {
  mix: ENCRYPTION_MIX,
});
