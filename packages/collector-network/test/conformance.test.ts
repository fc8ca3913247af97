import { collectorConformanceSuite, generateTenant } from "@azure-drift/testing";
import { test } from "vitest";
import { networkCollector } from "../src/index.js";
import { addRuleCollectionGroups } from "./tenant.js";

// The generator's firewall policies refer to rule collection groups without generating them; the
// tenant gets them, so every listing the collector makes has real ARM payloads behind it.
collectorConformanceSuite(test, () => networkCollector(), {
  tenant: () => {
    const tenant = generateTenant({
      seed: 20240601,
      resources: 240,
      mix: {
        networkSecurityGroup: 4,
        virtualNetwork: 3,
        routeTable: 3,
        publicIpAddress: 3,
        firewallPolicy: 1,
        azureFirewall: 1,
        applicationGateway: 1,
        privateEndpoint: 2,
      },
    });
    addRuleCollectionGroups(tenant);
    return tenant;
  },
});
