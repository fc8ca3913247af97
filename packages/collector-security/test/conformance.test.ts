import { collectorConformanceSuite } from "@azure-drift/testing";
import { test } from "vitest";
import { SECURITY_TYPES, securityCollector } from "../src/index.js";

// The 403 test forbids SQL servers, so the children listed per server must go incomplete too.
collectorConformanceSuite(test, () => securityCollector(), { forbiddenType: SECURITY_TYPES.sqlServer });
