import {
  createRuleEngine,
  defaultRules,
  isDriftError,
  type JsonObject,
  type SeverityRule,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { change, drift, NSG, nsg, nsgRule } from "./rules-helpers.js";

/** The remediation a shipped rule gives its findings. */
const remediationOf = (id: string) => defaultRules.find((rule) => rule.id === id)?.remediation;

const SA = "Microsoft.Storage/storageAccounts";
const tlsDrift = () =>
  drift(SA, "sa1", "modified", [
    change("properties.minimumTlsVersion", "changed", "TLS1_2", "TLS1_0"),
    change("tags.owner", "changed", "a", "b"),
  ]);

describe("rule order, overrides and defaults", () => {
  test("a modified resource: each change gets its rule or the default, the resource the highest", () => {
    const result = createRuleEngine().assess(tlsDrift());
    expect(result).toEqual({
      suppressed: [],
      drift: {
        ...tlsDrift(),
        severity: "high",
        changes: [
          {
            path: "properties.minimumTlsVersion",
            kind: "changed",
            before: "TLS1_2",
            after: "TLS1_0",
            severity: "high",
            ruleId: "core/storage-min-tls-lowered",
            remediation: remediationOf("core/storage-min-tls-lowered"),
            message: "Minimum TLS version of storage account sa1 was lowered from TLS1_2 to TLS1_0.",
          },
          { path: "tags.owner", kind: "changed", before: "a", after: "b", severity: "low" },
        ],
      },
    });
  });

  test("defaultSeverity applies to unmatched changes", () => {
    const result = createRuleEngine({ defaultSeverity: "info" }).assess(
      drift(SA, "sa1", "modified", [change("tags.owner", "changed", "a", "b")]),
    );
    expect(result.drift?.severity).toBe("info");
    expect(result.drift?.changes.map((c) => c.severity)).toEqual(["info"]);
  });

  test("an override changes a rule's severity; 'off' lets the next rule (or the default) apply", () => {
    const lowered = createRuleEngine({ overrides: { "core/storage-min-tls-lowered": "critical" } }).assess(
      tlsDrift(),
    );
    expect(lowered.drift?.changes[0]).toMatchObject({
      severity: "critical",
      ruleId: "core/storage-min-tls-lowered",
    });
    expect(lowered.drift?.severity).toBe("critical");

    const off = createRuleEngine({ overrides: { "core/storage-min-tls-lowered": "off" } }).assess(tlsDrift());
    expect(off.drift?.changes[0]).toEqual({
      path: "properties.minimumTlsVersion",
      kind: "changed",
      before: "TLS1_2",
      after: "TLS1_0",
      severity: "low",
    });
    expect(off.drift?.severity).toBe("low");
  });

  test("user rules come before collector rules, which come before the defaults", () => {
    const collectorRule: SeverityRule = {
      id: "storage/tls",
      type: "Microsoft.Storage/*",
      path: "properties.minimumTlsVersion",
      severity: "medium",
      message: "collector says {before} → {after}",
    };
    const userRule: SeverityRule = { ...collectorRule, id: "mine/tls", severity: "info", message: "mine" };
    const collectorOnly = createRuleEngine({}, [collectorRule]).assess(tlsDrift());
    expect(collectorOnly.drift?.changes[0]).toMatchObject({
      severity: "medium",
      ruleId: "storage/tls",
      message: "collector says TLS1_2 → TLS1_0",
    });
    const both = createRuleEngine({ rules: [userRule] }, [collectorRule]).assess(tlsDrift());
    expect(both.drift?.changes[0]).toMatchObject({ severity: "info", ruleId: "mine/tls", message: "mine" });
  });

  test("an override naming no rule produces a notice", () => {
    const engine = createRuleEngine({ overrides: { "core/no-such-rule": "off" } });
    expect(engine.notices()).toEqual([
      'The override for rule "core/no-such-rule" names no known rule; check its id.',
    ]);
  });

  test("a function predicate that throws is skipped once with a notice", () => {
    const engine = createRuleEngine({
      rules: [
        {
          id: "mine/broken",
          type: "*",
          path: "**",
          when: () => {
            throw new Error("boom");
          },
          severity: "critical",
          message: "x",
        },
      ],
    });
    expect(engine.assess(tlsDrift()).drift?.changes.map((c) => c.ruleId)).toEqual([
      "core/storage-min-tls-lowered",
      undefined,
    ]);
    expect(engine.assess(tlsDrift()).drift?.severity).toBe("high");
    expect(engine.notices()).toEqual(['Rule "mine/broken" threw and was skipped: boom']);
  });

  test("a message can be a function of the change; one that throws shows the rule id, with a notice", () => {
    const engine = createRuleEngine({
      rules: [
        {
          id: "mine/owner-tag",
          type: SA,
          path: "tags.owner",
          severity: "medium",
          message: (context) =>
            `Owner tag: ${String(context.before)} handed over to ${String(context.after)}.`,
        },
        {
          id: "mine/broken-message",
          type: SA,
          path: "properties.minimumTlsVersion",
          severity: "critical",
          message: () => {
            throw new Error("no words");
          },
        },
      ],
    });
    const messages = () =>
      engine.assess(tlsDrift()).drift?.changes.map((c) => [c.ruleId, c.severity, c.message]);
    expect(messages()).toEqual([
      ["mine/broken-message", "critical", "mine/broken-message"],
      ["mine/owner-tag", "medium", "Owner tag: a handed over to b."],
    ]);
    expect(messages()).toEqual([
      ["mine/broken-message", "critical", "mine/broken-message"],
      ["mine/owner-tag", "medium", "Owner tag: a handed over to b."],
    ]);
    expect(engine.notices()).toEqual([
      'The message of rule "mine/broken-message" threw; its id is shown instead: no words',
    ]);
  });

  test("bad options are E_INPUT with the field named", () => {
    const attempt = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(isDriftError(error, "E_INPUT")).toBe(true);
        return (error as Error).message;
      }
      throw new Error("expected an error");
    };
    expect(
      attempt(() =>
        createRuleEngine({ rules: [{ id: "a", type: "*", path: "x[", severity: "high", message: "m" }] }),
      ),
    ).toBe('rule "a".path: unbalanced brackets in path glob "x[".');
    expect(
      attempt(() =>
        createRuleEngine({
          rules: [
            { id: "a", type: "*", severity: "high", message: "m" },
            { id: "a", type: "*", severity: "low", message: "m" },
          ],
        }),
      ),
    ).toBe('rules: the rule id "a" is used twice.');
    expect(
      attempt(() =>
        createRuleEngine({ suppressions: [{ id: "s", match: { type: "*" }, reason: "r", expires: "soon" }] }),
      ),
    ).toBe('suppressions[0] (s).expires: "soon" is not a date; use an ISO date (2026-03-31) or date-time.');
    expect(attempt(() => createRuleEngine({ suppressions: [{ id: "s", match: {}, reason: "r" }] }))).toBe(
      "suppressions[0] (s).match: give at least one of type, resourceId, path, ruleId.",
    );
  });
});

describe("globs", () => {
  const rule = (type: string, path: string): SeverityRule => ({
    id: "g",
    type,
    path,
    severity: "critical",
    message: "hit",
  });
  const hits = (type: string, path: string, resourceType: string, changePath: string) =>
    createRuleEngine({ rules: [rule(type, path)] }).assess(
      drift(resourceType, "r", "modified", [change(changePath, "changed", 1, 2)]),
    ).drift?.changes[0]?.ruleId === "g";

  test.each([
    ["microsoft.network/*", "properties.x", NSG, "properties.x", true],
    ["Microsoft.Network/*", "properties.x", "Microsoft.Storage/storageAccounts", "properties.x", false],
    [
      "*",
      "properties.securityRules[*].properties.access",
      NSG,
      "properties.securityRules[name=A].properties.access",
      true,
    ],
    [
      "*",
      "properties.securityRules[*].properties.access",
      NSG,
      "properties.securityRules.properties.access",
      false,
    ],
    [
      "*",
      "properties.securityRules[name=a].properties.access",
      NSG,
      "properties.securityRules[name=A].properties.access",
      true,
    ],
    [
      "*",
      "properties.securityRules[name=B].properties.access",
      NSG,
      "properties.securityRules[name=A].properties.access",
      false,
    ],
    ["*", "properties.*.access", NSG, "properties.rule.access", true],
    ["*", "properties.*.access", NSG, "properties.a.b.access", false],
    ["*", "properties.**.access", NSG, "properties.a[name=x].b.access", true],
    ["*", "properties.**", NSG, "properties", true],
    ["*", "**.enable*", NSG, "properties.x.enableSoftDelete", true],
    ["*", "properties.permissions[*].actions", NSG, "properties.permissions[0].actions", true],
    ["*", "properties.MINIMUMTLSVERSION", NSG, "properties.minimumTlsVersion", true],
    ["*", "properties.x", NSG, "properties.x.y", false],
  ])("type %s path %s vs %s %s → %s", (type, path, resourceType, changePath, expected) => {
    expect(hits(type, path, resourceType, changePath)).toBe(expected);
  });

  test("quoted property names (names with dots) match by name", () => {
    expect(hits("*", 'tags["cost.center"]', NSG, 'tags["cost.center"]')).toBe(true);
    expect(hits("*", "tags.*", NSG, 'tags["cost.center"]')).toBe(true);
    expect(hits("*", "tags.cost", NSG, 'tags["cost.center"]')).toBe(false);
  });

  test("key values may contain dots, dashes and brackets", () => {
    expect(hits("*", "a[name=x.y-z]].b", NSG, "a[name=x.y-z]].b")).toBe(true);
  });
});

describe("data predicates", () => {
  const evaluate = (
    when: SeverityRule["when"],
    c = change("properties.v", "changed", "a", "b"),
    before?: JsonObject,
    after?: JsonObject,
  ) =>
    createRuleEngine({
      rules: [{ id: "p", type: "*", path: "**", when, severity: "high", message: "m" }],
    }).assess(drift(NSG, "n", "modified", [c]), before, after).drift?.changes[0]?.ruleId === "p";

  test("kind, equals (case-insensitive), notEquals, in, notIn", () => {
    expect(evaluate({ kind: "changed" })).toBe(true);
    expect(evaluate({ kind: ["added", "removed"] })).toBe(false);
    expect(evaluate({ before: { equals: "A" }, after: { equals: "B" } })).toBe(true);
    expect(evaluate({ after: { notEquals: "b" } })).toBe(false);
    expect(evaluate({ after: { in: ["x", "B"] } })).toBe(true);
    expect(evaluate({ after: { notIn: ["x", "B"] } })).toBe(false);
  });

  test("exists treats null, empty string, list and object as absent", () => {
    for (const empty of [null, "", [], {}]) {
      expect(evaluate({ after: { exists: false } }, change("p", "changed", "x", empty))).toBe(true);
    }
    expect(evaluate({ after: { exists: false } }, change("p", "removed", "x", undefined))).toBe(true);
    expect(evaluate({ after: { exists: true } }, change("p", "changed", "", "x"))).toBe(true);
  });

  test("some: over arrays, with a scalar as a one-element list, and nested matchers", () => {
    expect(evaluate({ after: { some: "*" } }, change("p", "changed", [], ["10.0.0.0/8", "*"]))).toBe(true);
    expect(evaluate({ after: { some: "*" } }, change("p", "changed", "x", "*"))).toBe(true);
    expect(
      evaluate({ after: { some: { in: ["internet", "any"] } } }, change("p", "changed", [], ["Internet"])),
    ).toBe(true);
    expect(evaluate({ after: { some: "*" } }, change("p", "changed", [], ["10.0.0.0/8"]))).toBe(false);
  });

  test("matches: dotted sub-paths with plain values and matchers", () => {
    const value = { properties: { access: "Allow", priority: 100 } };
    expect(
      evaluate(
        { after: { matches: { "properties.access": "allow", "properties.priority": { in: [100, 200] } } } },
        change("p", "added", undefined, value),
      ),
    ).toBe(true);
    expect(
      evaluate(
        { after: { matches: { "properties.access": "Deny" } } },
        change("p", "added", undefined, value),
      ),
    ).toBe(false);
  });

  test("lowered: only when both ends are on the scale and after ranks below before", () => {
    const scale = { lowered: ["TLS1_0", "TLS1_1", "TLS1_2"] };
    expect(evaluate(scale, change("p", "changed", "tls1_2", "TLS1_1"))).toBe(true);
    expect(evaluate(scale, change("p", "changed", "TLS1_1", "TLS1_2"))).toBe(false);
    expect(evaluate(scale, change("p", "changed", "TLS9", "TLS1_0"))).toBe(false);
    expect(evaluate(scale, change("p", "removed", "TLS1_2", undefined))).toBe(false);
  });

  test("element: the enclosing keyed element after the change, before it when the element is gone", () => {
    const open = nsgRule("R1", { sourceAddressPrefix: "*", destinationPortRange: "22" });
    const closed = nsgRule("R1", { sourceAddressPrefix: "10.0.0.0/8", destinationPortRange: "22" });
    const isOpen = { element: { matches: { "properties.sourceAddressPrefix": "*" } } };
    const access = change(
      "properties.securityRules[name=R1].properties.sourceAddressPrefix",
      "changed",
      "10.0.0.0/8",
      "*",
    );
    expect(evaluate(isOpen, access, nsg([closed]), nsg([open]))).toBe(true);
    expect(evaluate(isOpen, access, nsg([open]), nsg([closed]))).toBe(false);
    const removed = change("properties.securityRules[name=R1]", "removed", open, undefined);
    expect(evaluate(isOpen, removed, nsg([open]), nsg([]))).toBe(true);
    // Keys match case-insensitively when no exact match exists; a composite key selects on every field.
    const policies = (perm: string): JsonObject => ({
      properties: {
        accessPolicies: [
          { tenantId: "t", objectId: "o1", permissions: { keys: [perm] } },
          { tenantId: "t", objectId: "o2" },
        ],
      },
    });
    const policyChange = change(
      "properties.accessPolicies[tenantId=T,objectId=o1].permissions.keys",
      "added",
      undefined,
      "purge",
    );
    expect(
      evaluate(
        { element: { matches: { "permissions.keys": { some: "purge" } } } },
        policyChange,
        policies("get"),
        policies("purge"),
      ),
    ).toBe(true);
  });

  test("function predicates see the change, the element and the whole resource", () => {
    const seen: unknown[] = [];
    const rule: SeverityRule = {
      id: "fn",
      type: NSG,
      path: "properties.securityRules[*].**",
      when: (context) => {
        seen.push([
          context.resourceType,
          context.path,
          context.kind,
          context.before,
          context.after,
          context.elementAfter,
          context.resourceAfter?.name,
        ]);
        return true;
      },
      severity: "medium",
      message: "{name}/{element}: {path} {before} → {after} ({type})",
    };
    const after = nsg([nsgRule("R1", { priority: 200 })]);
    const result = createRuleEngine({ rules: [rule] }).assess(
      drift(NSG, "nsg1", "modified", [
        change("properties.securityRules[name=R1].properties.priority", "changed", 100, 200),
      ]),
      nsg([nsgRule("R1", {})]),
      after,
    );
    expect(seen).toEqual([
      [
        NSG,
        "properties.securityRules[name=R1].properties.priority",
        "changed",
        100,
        200,
        nsgRule("R1", { priority: 200 }),
        "nsg1",
      ],
    ]);
    expect(result.drift?.changes[0]?.message).toBe(
      `nsg1/R1: properties.securityRules[name=R1].properties.priority 100 → 200 (${NSG})`,
    );
  });
});

describe("suppressions", () => {
  const now = new Date("2026-03-15T12:00:00Z");

  test("a suppression hides a matching finding, keeps it for audit, and the resource keeps the rest", () => {
    const engine = createRuleEngine({
      now,
      suppressions: [
        {
          id: "s1",
          match: { type: SA, ruleId: "core/storage-min-tls-*" },
          reason: "legacy client until migration",
        },
      ],
    });
    const result = engine.assess(tlsDrift());
    expect(result.suppressed).toEqual([
      {
        id: "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1",
        path: "properties.minimumTlsVersion",
        suppressionId: "s1",
        reason: "legacy client until migration",
      },
    ]);
    expect(result.drift?.changes.map((c) => c.path)).toEqual(["tags.owner"]);
    expect(result.drift?.severity).toBe("low");
    expect(engine.notices()).toEqual([]);
  });

  test("when every finding is suppressed the resource drops out", () => {
    const engine = createRuleEngine({
      now,
      suppressions: [
        {
          id: "s1",
          match: { resourceId: "/SUBSCRIPTIONS/sub1/*/sa1", path: "**" },
          reason: "sandbox",
          expires: "2026-03-15",
        },
      ],
    });
    const result = engine.assess(tlsDrift());
    expect(result.drift).toBeUndefined();
    expect(result.suppressed.map((s) => [s.path, s.expires])).toEqual([
      ["properties.minimumTlsVersion", "2026-03-15"],
      ["tags.owner", "2026-03-15"],
    ]);
  });

  test("an added resource is suppressed as a whole, by rule id", () => {
    const engine = createRuleEngine({
      now,
      suppressions: [
        { id: "ip", match: { ruleId: "core/public-ip-created" }, reason: "approved gateway IP" },
      ],
    });
    const result = engine.assess(drift("Microsoft.Network/publicIPAddresses", "pip1", "added"), undefined, {
      name: "pip1",
    });
    expect(result).toEqual({
      suppressed: [
        {
          id: "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip1",
          suppressionId: "ip",
          reason: "approved gateway IP",
        },
      ],
    });
  });

  test("an expired suppression stops applying and says so", () => {
    const engine = createRuleEngine({
      now,
      suppressions: [
        { id: "old", match: { type: SA }, reason: "migration window", expires: "2026-03-14" },
        { id: "old-time", match: { type: SA }, reason: "until noon", expires: "2026-03-15T11:59:59Z" },
      ],
    });
    const result = engine.assess(tlsDrift());
    expect(result.suppressed).toEqual([]);
    expect(result.drift?.changes.map((c) => [c.path, c.severity])).toEqual([
      ["properties.minimumTlsVersion", "high"],
      ["tags.owner", "low"],
    ]);
    expect(engine.notices()).toEqual([
      'Suppression "old" expired on 2026-03-14 and no longer applies; its findings are reported again (it was: migration window). Renew or remove it.',
      'Suppression "old-time" expired on 2026-03-15T11:59:59Z and no longer applies; its findings are reported again (it was: until noon). Renew or remove it.',
    ]);
  });

  test("a suppression with a path does not hide a resource removal", () => {
    const engine = createRuleEngine({
      now,
      suppressions: [{ id: "p", match: { path: "properties.**" }, reason: "r" }],
    });
    const result = engine.assess(drift("Microsoft.Authorization/locks", "lock1", "removed"), {
      name: "lock1",
    });
    expect(result.drift).toEqual({
      ...drift("Microsoft.Authorization/locks", "lock1", "removed"),
      severity: "medium",
      message: "Management lock lock1 was removed.",
      remediation: remediationOf("core/lock-removed"),
      changes: [
        {
          path: "",
          kind: "removed",
          severity: "medium",
          message: "Management lock lock1 was removed.",
          ruleId: "core/lock-removed",
          remediation: remediationOf("core/lock-removed"),
        },
      ],
    });
  });
});
