import { putResource, resourcesOf, type Tenant } from "@azure-drift/testing";
import { NETWORK_TYPES } from "../src/index.js";

/** Rule collection groups for every group a generated firewall policy refers to (the generator leaves them out). */
export function addRuleCollectionGroups(target: Tenant): number {
  let added = 0;
  for (const policy of resourcesOf(target, { types: [NETWORK_TYPES.firewallPolicy] })) {
    const refs =
      (policy.properties as { ruleCollectionGroups?: { id: string }[] } | undefined)?.ruleCollectionGroups ??
      [];
    for (const [i, ref] of refs.entries()) {
      putResource(target, {
        id: ref.id,
        name: ref.id.slice(ref.id.lastIndexOf("/") + 1),
        type: "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
        etag: 'W/"00000000-0000-0000-0000-000000000001"',
        properties: {
          provisioningState: "Succeeded",
          priority: 200 + i * 100,
          ruleCollections: [
            {
              name: "allow-web",
              ruleCollectionType: "FirewallPolicyFilterRuleCollection",
              priority: 1000,
              action: { type: "Allow" },
              rules: [
                {
                  name: "https-out",
                  ruleType: "NetworkRule",
                  ipProtocols: ["TCP"],
                  sourceAddresses: ["10.0.0.0/8"],
                  destinationAddresses: ["*"],
                  destinationPorts: ["443"],
                },
              ],
            },
          ],
        },
      });
      added++;
    }
  }
  return added;
}
