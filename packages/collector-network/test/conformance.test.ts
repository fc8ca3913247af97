import { collectorConformanceSuite } from "@azure-drift/testing";
import { test } from "vitest";
import { networkCollector } from "../src/index.js";

collectorConformanceSuite(test, () => networkCollector());
