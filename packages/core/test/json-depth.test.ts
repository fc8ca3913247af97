import { describe, expect, test } from "vitest";
import { isDriftError, MAX_JSON_DEPTH, parseRuleFile, parseSnapshot } from "../src/index.js";

// 200,000 levels: far beyond the call stack of any recursive walk.
const LEVELS = 200_000;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
const deepArray = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;
const resource = (properties: string) =>
  `{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg","type":"Microsoft.Network/networkSecurityGroups","properties":${properties}}`;

function depthError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a depth error");
}

describe("over-deep JSON input is E_INPUT with the depth limit, never a stack overflow", () => {
  test.each([
    ["an ARM array whose resource nests objects", `[${resource(deepObject(LEVELS))}]`],
    ["an ARM array whose resource nests arrays", `[${resource(`{"x":${deepArray(LEVELS)}}`)}]`],
    ["an ARM list page", `{"value":[${resource(deepObject(LEVELS))}]}`],
    ["one resource object", resource(deepObject(LEVELS))],
    ["a bare nest of arrays", deepArray(LEVELS)],
    ["NDJSON of ARM resources", `${resource("{}")}\n${resource(deepObject(LEVELS))}\n`],
  ])("%s", (_, text) => {
    const error = depthError(() => parseSnapshot(text, { label: "deep.json" }));
    expect(isDriftError(error, "E_INPUT")).toBe(true);
    expect(error.message).toMatch(/^deep\.json(:\d+)? nests objects or arrays more than 128 levels deep/);
  });

  test("a rules file", () => {
    const error = depthError(() => parseRuleFile(`{"rules":${deepArray(LEVELS)}}`, "rules.json"));
    expect(isDriftError(error, "E_INPUT")).toBe(true);
    expect(error.message).toContain(
      `rules.json nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep`,
    );
  });

  test("input at the limit still parses", () => {
    // The resource object is level 1 and `properties` level 2: this stops exactly at the limit.
    const data = parseSnapshot(resource(deepObject(MAX_JSON_DEPTH - 2)), { label: "ok.json" });
    expect(data.records).toHaveLength(1);
  });
});
