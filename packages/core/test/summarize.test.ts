import { summarizeValue } from "@azure-drift/core";
import { describe, expect, test } from "vitest";

const sub = "/subscriptions/1c6f0e57-0000-4000-8000-000000000001";

describe("summarizeValue: any collector's values read as words, not JSON", () => {
  test("scalars as themselves, ids by their name, empty strings visible", () => {
    expect(summarizeValue("TLS1_2")).toBe("TLS1_2");
    expect(summarizeValue(443)).toBe("443");
    expect(summarizeValue(false)).toBe("false");
    expect(summarizeValue(null)).toBe("null");
    expect(summarizeValue(undefined)).toBe("(none)");
    expect(summarizeValue("")).toBe('""');
    expect(
      summarizeValue(`${sub}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-data`),
    ).toBe("nsg-data");
    expect(summarizeValue(`${sub}/providers/Microsoft.Authorization/roleDefinitions/8e3af657`)).toBe(
      "8e3af657",
    );
  });

  test("a reference ({ id }) is the name it points at", () => {
    expect(
      summarizeValue({ id: `${sub}/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt-egress` }),
    ).toBe("rt-egress");
  });

  test("an object is its name and its meaningful scalar fields: properties merged, empties and stamps left out", () => {
    expect(
      summarizeValue({
        id: `${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-data`,
        type: "Microsoft.Network/virtualNetworks/subnets",
        etag: 'W/"1"',
        properties: {
          addressPrefix: "10.0.1.0/24",
          addressPrefixes: [],
          delegations: [],
          networkSecurityGroup: {
            id: `${sub}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-data`,
          },
          serviceEndpoints: [{ service: "Microsoft.Storage", locations: ["westeurope"] }],
          privateEndpointNetworkPolicies: "Disabled",
        },
      }),
    ).toBe(
      "snet-data (addressPrefix: 10.0.1.0/24, networkSecurityGroup: nsg-data, serviceEndpoints: 1 item, privateEndpointNetworkPolicies: Disabled)",
    );
    expect(summarizeValue({ sku: { name: "Standard", tier: "Regional" }, zones: ["1", "2"] })).toBe(
      "sku.name: Standard, sku.tier: Regional, zones: [1, 2]",
    );
    expect(summarizeValue({ a: { b: { c: 1, d: 2 } } })).toBe("a.b: 2 fields");
  });

  test("arrays: primitives listed, named objects by name, free text quoted, many fields counted", () => {
    expect(summarizeValue(["10.0.0.0/24", "10.1.0.0/24"])).toBe("[10.0.0.0/24, 10.1.0.0/24]");
    expect(summarizeValue([{ name: "a" }, { name: "b" }])).toBe("[a, b]");
    expect(summarizeValue([{ value: 1 }, { value: 2 }])).toBe("2 items");
    expect(summarizeValue({ note: "a, b" })).toBe('note: "a, b"');
    const wide = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`f${String(i).padStart(2, "0")}`, i]),
    );
    expect(summarizeValue(wide)).toBe(
      "f00: 0, f01: 1, f02: 2, f03: 3, f04: 4, f05: 5, f06: 6, f07: 7, f08: 8, f09: 9, f10: 10, f11: 11, +3 more",
    );
  });
});
