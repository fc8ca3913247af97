import { collectorConformanceSuite } from "@azure-drift/testing";
import { test } from "vitest";
import { governanceCollector } from "../src/index.js";

collectorConformanceSuite(test, () => governanceCollector(), {
  // Diagnostic settings hang off key vaults, NSGs and storage accounts: the tenant holds some.
  mix: {
    keyVault: 2,
    networkSecurityGroup: 2,
    storageAccount: 2,
    policyDefinition: 1,
    policySetDefinition: 1,
    policyAssignment: 3,
    policyExemption: 1,
    managementLock: 2,
    diagnosticSetting: 3,
    activityLogAlert: 1,
  },
});
