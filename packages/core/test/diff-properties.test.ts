import {
  createRecord,
  createTypeRegistry,
  defaultRules,
  diffSnapshots,
  importArmResources,
  type JsonObject,
  type JsonValue,
  normalizeResource,
} from "@azure-drift/core";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { changesBetween, transform, transformPair } from "../src/diff/field-diff.js";
import { compiledHintsFor } from "../src/normalize/hints.js";
import { applyChanges } from "./support/apply-changes.js";

const TYPE = "Contoso.Test/things";
const registry = createTypeRegistry([
  { type: TYPE, orderedArrays: ["properties.chain"], keyedArrays: { "properties.rules": ["ruleId"] } },
]);
const rules = { overrides: Object.fromEntries(defaultRules.map((rule) => [rule.id, "off" as const])) };

const leaf = fc.oneof(
  fc.constantFrom(
    "a",
    "b",
    "c d",
    "",
    "/subscriptions/S1/resourceGroups/RG/providers/P.X/t/N1",
    "10.0.0.0/8",
  ),
  fc.integer({ min: 0, max: 4 }),
  fc.boolean(),
  fc.constant(null),
);
const propertyName = fc.constantFrom("alpha", "beta", "gamma", "name", "id", "rules", "chain", "list");

const { value: anyValue } = fc.letrec<{
  value: JsonValue;
  object: JsonObject;
  array: JsonValue[];
  named: JsonObject;
}>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("object"), tie("array")),
  object: fc.dictionary(propertyName, tie("value"), { maxKeys: 4 }),
  array: fc.oneof(
    fc.array(leaf, { maxLength: 4 }),
    fc.array(tie("named"), { maxLength: 4 }),
    fc.array(tie("object"), { maxLength: 3 }),
  ),
  named: fc.record({
    name: fc.constantFrom("r1", "r2", "r3", "R1"),
    ruleId: fc.integer({ min: 1, max: 3 }),
    properties: tie("object"),
  }),
}));

const smallObject = fc.dictionary(fc.constantFrom("alpha", "beta"), leaf, { maxKeys: 2 });
const element = fc.record({
  name: fc.constantFrom("r1", "r2", "r3", "R1"),
  ruleId: fc.integer({ min: 1, max: 4 }),
  properties: smallObject,
});
/** Shared structure, so that two random resources differ inside keyed, ordered and set arrays. */
const structured = fc.record(
  {
    rules: fc.array(element, { maxLength: 4 }),
    list: fc.array(element, { maxLength: 4 }),
    chain: fc.array(fc.constantFrom("x", "y", "z"), { maxLength: 3 }),
    prefixes: fc.array(fc.constantFrom("10.0.0.0/8", "192.168.0.0/16", "*"), { maxLength: 3 }),
    nested: fc.record({ alpha: leaf, inner: fc.array(smallObject, { maxLength: 3 }) }, { requiredKeys: [] }),
    free: anyValue,
  },
  { requiredKeys: [] },
);

const resource = fc
  .record({
    properties: fc.oneof(structured, fc.dictionary(propertyName, anyValue, { maxKeys: 5 })),
    tags: fc.dictionary(fc.constantFrom("env", "owner"), fc.constantFrom("a", "b")),
  })
  .map(
    ({ properties, tags }): JsonObject => ({
      id: "/subscriptions/S1/resourceGroups/RG/providers/Contoso.Test/things/one",
      name: "one",
      type: TYPE,
      tags,
      properties,
    }),
  );

function snapshot(resources: JsonObject[]) {
  return importArmResources(resources, {
    registry,
    tenantId: "t",
    takenAt: "2026-01-01T00:00:00.000Z",
    snapshotId: "s",
  });
}

describe("properties of the diff", () => {
  test("diff(a, a) is empty", () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 3 }), (resources) => {
        const named = resources.map((r, i) => ({ ...r, id: `${r.id}${i}`, name: `one${i}` }));
        const report = diffSnapshots(snapshot(named), snapshot(structuredClone(named)), { registry, rules });
        expect(report.resources).toEqual([]);
        expect(report.unknown).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test("normalization is idempotent", () => {
    fc.assert(
      fc.property(resource, (r) => {
        const once = normalizeResource(r, registry);
        expect(normalizeResource(once, registry)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  test("applying the reported changes to before gives after, after normalization", () => {
    fc.assert(
      fc.property(resource, resource, (a, b) => {
        const report = diffSnapshots(snapshot([a]), snapshot([b]), { registry, rules });
        const before = createRecord(a, { collector: "x", domain: "x" }, registry).config;
        const after = createRecord(b, { collector: "x", domain: "x" }, registry).config;
        const changes = report.resources[0]?.changes ?? [];
        if (JSON.stringify(before) === JSON.stringify(after)) expect(changes).toEqual([]);
        else expect(changes.length).toBeGreaterThan(0);
        const applied = normalizeResource(applyChanges(before, changes), registry, { redaction: false });
        expect(applied).toEqual(after);
      }),
      { numRuns: 500 },
    );
  });

  test("transforming only what differs finds exactly the changes of transforming both sides whole", () => {
    // Pairs that share most of their structure, as a modified resource and its previous state do.
    const similar = fc
      .tuple(resource, resource, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }))
      .map(([a, b, pick]): [JsonObject, JsonObject] => {
        const from = a.properties as JsonObject;
        const other = b.properties as JsonObject;
        const mixed: JsonObject = {};
        [...new Set([...Object.keys(from), ...Object.keys(other)])].forEach((key, index) => {
          const source = pick[index % 8] ? other : from;
          if (key in source) mixed[key] = source[key]!;
        });
        if (Array.isArray(from.rules) && Array.isArray(other.rules)) {
          const rulesOfB = other.rules;
          mixed.rules = from.rules.map((rule, index) => (pick[index] ? (rulesOfB[index] ?? rule) : rule));
        }
        return [a, { ...a, properties: mixed }];
      });
    const root = compiledHintsFor(registry, TYPE).root;
    fc.assert(
      fc.property(similar, ([a, b]) => {
        const before = createRecord(a, { collector: "x", domain: "x" }, registry).config;
        const after = createRecord(b, { collector: "x", domain: "x" }, registry).config;
        const [left, right] = transformPair(before, after, root);
        expect(changesBetween(left, right)).toEqual(
          changesBetween(transform(before, root), transform(after, root)),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
