import {
  type CheckResult,
  createDriftDetector,
  defineCollector,
  type JsonObject,
  type Store,
  staticTokenCredential,
  type TargetedCheckResult,
} from "@azure-drift/core";

export const TENANT = "11111111-1111-4111-8111-111111111111";
export const SUB_A = "aaaaaaaa-0000-4000-8000-000000000001";
export const SUB_B = "bbbbbbbb-0000-4000-8000-000000000002";
export const SUB_C = "cccccccc-0000-4000-8000-000000000003";
/** A tenant the tests never write to. */
export const OTHER_TENANT = "22222222-2222-4222-8222-222222222222";
export const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";

export const nsgId = (subscription: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/${name}`;

function inboundRule(name: string, port: string, source: string): JsonObject {
  return {
    name,
    properties: {
      access: "Allow",
      direction: "Inbound",
      priority: 100,
      protocol: "Tcp",
      sourceAddressPrefix: source,
      destinationPortRange: port,
    },
  };
}

function nsg(subscription: string, name: string): JsonObject {
  return {
    id: nsgId(subscription, name),
    name,
    type: NSG_TYPE,
    properties: { securityRules: [inboundRule("AllowHttps", "443", "10.0.0.0/8")] },
  };
}

/**
 * A tenant of one NSG per subscription, checked by the real check pipeline into the given store:
 * tests change the NSGs between checks to make drift.
 */
export function estate(store: Store) {
  const nsgs: Record<string, JsonObject> = {
    [SUB_A]: nsg(SUB_A, "web"),
    [SUB_B]: nsg(SUB_B, "db"),
  };
  let now = new Date("2026-12-01T00:00:00.000Z");
  const detector = createDriftDetector({
    collectors: [
      defineCollector({
        name: "test-network",
        version: "1.0.0",
        domain: "network",
        types: [{ type: NSG_TYPE, keyedArrays: { "properties.securityRules": ["name"] } }],
        async *collect(context) {
          const nsg = nsgs[context.subscriptionId];
          if (nsg) yield structuredClone(nsg);
        },
        async *readResources(context, resourceIds) {
          const nsg = nsgs[context.subscriptionId];
          const wanted = new Set(resourceIds.map((id) => id.toLowerCase()));
          if (nsg && wanted.has(String(nsg.id).toLowerCase())) yield structuredClone(nsg);
        },
      }),
    ],
    store,
    credential: staticTokenCredential("test-token"),
    clock: () => now,
  });
  return {
    /** Opens SSH to the Internet on the subscription's NSG (a critical change). */
    openSsh(subscription: string) {
      const properties = nsgs[subscription]!.properties as { securityRules: JsonObject[] };
      properties.securityRules.push(inboundRule("AllowSsh", "22", "Internet"));
    },
    /** Opens RDP to the Internet on the subscription's NSG. */
    openRdp(subscription: string) {
      const properties = nsgs[subscription]!.properties as { securityRules: JsonObject[] };
      properties.securityRules.push(inboundRule("AllowRdp", "3389", "Internet"));
    },
    /** A targeted check of the subscription's NSG (as an Event Grid event starts), a minute later. */
    async checkNsg(subscription: string): Promise<TargetedCheckResult> {
      now = new Date(now.getTime() + 60_000);
      return detector.checkResources({
        tenantId: TENANT,
        subscriptionId: subscription,
        resourceIds: [String(nsgs[subscription]!.id)],
      });
    },
    /** One check of one subscription, an hour after the previous one. */
    async check(subscription: string): Promise<CheckResult> {
      now = new Date(now.getTime() + 3_600_000);
      return detector.check({ tenantId: TENANT, subscriptions: [subscription] });
    },
  };
}
