import { describe, expect, test } from "vitest";
import { defaultCollectors } from "../src/collectors.js";
import { describeDomains } from "../src/demo-counts.js";

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
