import { defineCollector } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { defaultCollectors } from "../src/collectors.js";
import { describeDomains, describeServed } from "../src/demo-counts.js";

describe("describeDomains (the demo's first line)", () => {
  test("names each collector's domain once, in the order they run, and a new collector's too", () => {
    const builtIn = defaultCollectors();
    expect(describeDomains([...builtIn, { domain: "dns" }, { domain: "network" }])).toBe(
      `${builtIn.length + 1} domains: ${builtIn.map((collector) => collector.domain).join(", ")} and dns`,
    );
    expect(describeDomains([{ domain: "network" }, { domain: "network" }])).toBe("1 domain: network");
    expect(describeDomains([{ domain: "network" }, { domain: "identity" }])).toBe(
      "2 domains: network and identity",
    );
  });
});

describe("describeServed (what the demo tenant serves against what its collectors read)", () => {
  const network = [
    defineCollector({
      name: "network",
      version: "1",
      domain: "network",
      types: [{ type: "Microsoft.Network/networkSecurityGroups" }],
      collect: async function* () {},
    }),
  ];
  const nsg = { type: "microsoft.network/networkSecurityGroups" };
  const database = { type: "Microsoft.Sql/servers/databases" };

  test("every resource read", () => {
    expect(describeServed([nsg, nsg], network)).toBe(
      "2 ARM resources; its collectors (network) read 2 of them.",
    );
  });

  test("one resource unread is one, several are counted by type", () => {
    expect(describeServed([nsg, database], network)).toBe(
      "2 ARM resources; its collectors (network) read 1 of them; the other one is of a type none of them reads (1 Microsoft.Sql/servers/databases)",
    );
    expect(describeServed([nsg, database, database], network)).toBe(
      "3 ARM resources; its collectors (network) read 1 of them; the other 2 are of types none of them reads (2 Microsoft.Sql/servers/databases)",
    );
  });
});
