import { DriftError } from "../errors.js";
import type {
  ChangeKind,
  FieldChange,
  JsonObject,
  JsonValue,
  ResourceDrift,
  Severity,
  SuppressedFinding,
} from "../model.js";
import { SEVERITIES } from "../model.js";
import { defaultRules } from "./default-rules.js";
import {
  compilePathGlob,
  enclosingElement,
  innermostSelectorLabel,
  type PathMatcher,
  type PathSegment,
  parseChangePath,
  wildcardTest,
} from "./engine-paths.js";
import { type ContextTest, compileChangePredicate } from "./engine-predicates.js";
import type { RuleContext, RuleOptions, SeverityRule, Suppression } from "./types.js";

/** What {@link RuleEngine.assess} returns for one resource. */
export interface Assessment {
  /** The resource with severities and messages set; undefined when every finding was suppressed. */
  drift?: ResourceDrift;
  /** The findings suppressions hid, for the report's audit list. */
  suppressed: SuppressedFinding[];
}

/**
 * Decides the severity of drift: compiled once, then run on every changed resource.
 *
 * For a modified resource each change gets the severity, message and id of the first rule with a
 * `path` that matches it (user rules, then collector rules, then {@link defaultRules}); a change no
 * rule matches gets `defaultSeverity`. The resource's severity is the highest of its changes.
 *
 * For an added or removed resource, rules without a `path` are evaluated with `kind` `added` or
 * `removed`, `before`/`after` the whole config and an empty path. A match adds a resource-level
 * change with path `""` carrying the rule's severity, message and id; without a match the resource
 * gets `defaultSeverity` (default `low`) — deliberately no harsher for removals: removing a security
 * control (a lock, an NSG from a subnet, a diagnostic setting) is caught by specific rules instead.
 */
export interface RuleEngine {
  assess(drift: ResourceDrift, before?: JsonObject, after?: JsonObject): Assessment;
  /** Notices for the report: expired suppressions, overrides naming no rule, rules that threw. */
  notices(): string[];
}

interface CompiledRule {
  rule: SeverityRule;
  severity: Severity;
  type: (type: string) => boolean;
  path?: PathMatcher;
  when?: ContextTest;
}

interface CompiledSuppression {
  suppression: Suppression;
  type?: (type: string) => boolean;
  resourceId?: (id: string) => boolean;
  path?: PathMatcher;
  ruleId?: (id: string) => boolean;
}

/** A finding before suppression: a change, or the resource-level finding of an added/removed resource. */
interface Finding {
  change?: FieldChange;
  path: string;
  segments: PathSegment[];
  ruleId?: string;
}

const RANK: Record<Severity, number> = Object.fromEntries(
  SEVERITIES.map((severity, i) => [severity, i]),
) as Record<Severity, number>;

/** The most severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] <= RANK[b] ? a : b;
}

/**
 * Creates the rule engine for one diff.
 *
 * @param options user rules, overrides (a severity, or `"off"` to skip the rule so the next match
 *   applies), suppressions, the default severity and the clock for expiry.
 * @param collectorRules the rules the collectors ship, evaluated after the user's and before the defaults.
 * @throws DriftError `E_INPUT` for a bad glob, predicate, severity, duplicate rule id or expiry date.
 */
export function createRuleEngine(options: RuleOptions = {}, collectorRules: SeverityRule[] = []): RuleEngine {
  const now = (options.now ?? new Date()).getTime();
  const defaultSeverity = options.defaultSeverity ?? "low";
  if (!SEVERITIES.includes(defaultSeverity)) {
    throw new DriftError(
      "E_INPUT",
      `defaultSeverity: expected one of ${SEVERITIES.join(", ")}, got "${defaultSeverity}".`,
    );
  }
  const notices: string[] = [];
  const overrides = options.overrides ?? {};

  const allRules = [...(options.rules ?? []), ...collectorRules, ...defaultRules];
  const knownIds = new Set(allRules.map((rule) => rule.id));
  for (const id of Object.keys(overrides)) {
    if (!knownIds.has(id)) notices.push(`The override for rule "${id}" names no known rule; check its id.`);
  }
  const seen = new Set<string>();
  const compiled: CompiledRule[] = [];
  for (const rule of options.rules ?? []) {
    // User rules may reuse a collector's or default rule's id to replace it; among themselves ids are unique.
    if (seen.has(rule.id)) throw new DriftError("E_INPUT", `rules: the rule id "${rule.id}" is used twice.`);
    seen.add(rule.id);
  }
  for (const rule of allRules) {
    const override = overrides[rule.id];
    if (override === "off") continue;
    if (override !== undefined && !SEVERITIES.includes(override)) {
      throw new DriftError(
        "E_INPUT",
        `overrides.${rule.id}: expected a severity or "off", got "${override}".`,
      );
    }
    compiled.push(compileRule(rule, override ?? rule.severity));
  }

  const pathRules = compiled.filter((rule) => rule.path);
  const resourceRules = compiled.filter((rule) => !rule.path);
  // Per lower-cased resource type: the rules whose type glob matches, in order (types repeat a lot).
  const pathRulesByType = new Map<string, CompiledRule[]>();
  const resourceRulesByType = new Map<string, CompiledRule[]>();
  const rulesFor = (cache: Map<string, CompiledRule[]>, rules: CompiledRule[], type: string) => {
    const key = type.toLowerCase();
    let list = cache.get(key);
    if (!list) {
      list = rules.filter((rule) => rule.type(type));
      cache.set(key, list);
    }
    return list;
  };

  const suppressions: CompiledSuppression[] = [];
  for (const [i, suppression] of (options.suppressions ?? []).entries()) {
    const where = `suppressions[${i}] (${suppression.id})`;
    if (suppression.expires !== undefined) {
      const expiry = expiryTime(suppression.expires, where);
      if (expiry <= now) {
        notices.push(
          `Suppression "${suppression.id}" expired on ${suppression.expires} and no longer applies; ` +
            `its findings are reported again (it was: ${suppression.reason}). Renew or remove it.`,
        );
        continue;
      }
    }
    suppressions.push(compileSuppression(suppression, where));
  }
  const failedRules = new Set<string>();
  const failedMessages = new Set<string>();

  function decide(rules: CompiledRule[], context: RuleContext): CompiledRule | undefined {
    for (const rule of rules) {
      if (!rule.when) return rule;
      try {
        if (rule.when(context)) return rule;
      } catch (error) {
        if (!failedRules.has(rule.rule.id)) {
          failedRules.add(rule.rule.id);
          const reason = error instanceof Error ? error.message : String(error);
          notices.push(`Rule "${rule.rule.id}" threw and was skipped: ${reason}`);
        }
      }
    }
    return undefined;
  }

  function messageOf(
    rule: SeverityRule,
    drift: ResourceDrift,
    context: RuleContext,
    segments: PathSegment[],
  ): string {
    if (typeof rule.message === "string") return fillTemplate(rule.message, drift, context, segments);
    try {
      return String(rule.message(context));
    } catch (error) {
      if (!failedMessages.has(rule.id)) {
        failedMessages.add(rule.id);
        const reason = error instanceof Error ? error.message : String(error);
        notices.push(`The message of rule "${rule.id}" threw; its id is shown instead: ${reason}`);
      }
      return rule.id;
    }
  }

  function suppressionFor(drift: ResourceDrift, finding: Finding): CompiledSuppression | undefined {
    return suppressions.find(
      (candidate) =>
        (!candidate.type || candidate.type(drift.type)) &&
        (!candidate.resourceId || candidate.resourceId(drift.id)) &&
        (!candidate.path || candidate.path(finding.segments)) &&
        (!candidate.ruleId || (finding.ruleId !== undefined && candidate.ruleId(finding.ruleId))),
    );
  }

  function suppressedEntry(
    drift: ResourceDrift,
    finding: Finding,
    by: CompiledSuppression,
  ): SuppressedFinding {
    const entry: SuppressedFinding = {
      id: drift.id,
      suppressionId: by.suppression.id,
      reason: by.suppression.reason,
    };
    if (finding.change) entry.path = finding.path;
    if (by.suppression.expires) entry.expires = by.suppression.expires;
    return entry;
  }

  function assessChange(
    drift: ResourceDrift,
    change: FieldChange,
    before?: JsonObject,
    after?: JsonObject,
  ): Finding {
    const segments = parseChangePath(change.path);
    const context = new LazyContext(
      drift.type,
      drift.id,
      change.path,
      change.kind,
      change.before,
      change.after,
      before,
      after,
      segments,
    );
    const rule = decide(rulesFor(pathRulesByType, pathRules, drift.type), context);
    const assessed: FieldChange = {
      path: change.path,
      kind: change.kind,
      severity: rule ? rule.severity : defaultSeverity,
    };
    if (change.before !== undefined) assessed.before = change.before;
    if (change.after !== undefined) assessed.after = change.after;
    if (rule) {
      assessed.message = messageOf(rule.rule, drift, context, segments);
      assessed.ruleId = rule.rule.id;
      if (rule.rule.remediation) assessed.remediation = rule.rule.remediation;
    }
    return { change: assessed, path: change.path, segments, ...(rule ? { ruleId: rule.rule.id } : {}) };
  }

  return {
    assess(drift, before, after) {
      const suppressed: SuppressedFinding[] = [];
      const kept: FieldChange[] = [];
      let severity: Severity | undefined;
      const result: ResourceDrift = {
        id: drift.id,
        key: drift.key,
        type: drift.type,
        status: drift.status,
        severity: drift.severity,
        changes: kept,
      };
      if (drift.name !== undefined) result.name = drift.name;
      if (drift.subscriptionId !== undefined) result.subscriptionId = drift.subscriptionId;

      if (drift.status !== "modified") {
        const kind: ChangeKind = drift.status;
        const context = new LazyContext(
          drift.type,
          drift.id,
          "",
          kind,
          kind === "removed" ? before : undefined,
          kind === "added" ? after : undefined,
          before,
          after,
          [],
        );
        const rule = decide(rulesFor(resourceRulesByType, resourceRules, drift.type), context);
        const finding: Finding = { path: "", segments: [], ...(rule ? { ruleId: rule.rule.id } : {}) };
        const by = suppressionFor(drift, finding);
        if (by) return { suppressed: [suppressedEntry(drift, finding, by)] };
        severity = rule ? rule.severity : defaultSeverity;
        if (rule) {
          const message = messageOf(rule.rule, drift, context, []);
          const resourceFinding: FieldChange = { path: "", kind, severity, message, ruleId: rule.rule.id };
          if (rule.rule.remediation) resourceFinding.remediation = rule.rule.remediation;
          kept.push(resourceFinding);
          result.message = message;
          if (rule.rule.remediation) result.remediation = rule.rule.remediation;
        }
      }

      for (const change of drift.changes) {
        if (drift.status !== "modified" && change.path === "") continue; // a resource-level finding from an earlier pass
        const finding = assessChange(drift, change, before, after);
        const by = suppressionFor(drift, finding);
        if (by) {
          suppressed.push(suppressedEntry(drift, finding, by));
          continue;
        }
        kept.push(finding.change!);
        severity =
          severity === undefined ? finding.change!.severity : maxSeverity(severity, finding.change!.severity);
      }

      if (severity === undefined) return { suppressed };
      result.severity = severity;
      return { drift: result, suppressed };
    },
    notices: () => [...notices],
  };
}

function compileRule(rule: SeverityRule, severity: Severity): CompiledRule {
  const where = `rule "${rule.id}"`;
  if (!rule.id) throw new DriftError("E_INPUT", "A severity rule has no id; give every rule a stable id.");
  if (typeof rule.type !== "string" || rule.type === "") {
    throw new DriftError(
      "E_INPUT",
      `${where}: "type" must be a resource type glob such as "Microsoft.Network/*".`,
    );
  }
  if (!SEVERITIES.includes(severity)) {
    throw new DriftError(
      "E_INPUT",
      `${where}: expected a severity (${SEVERITIES.join(", ")}), got "${severity}".`,
    );
  }
  const compiled: CompiledRule = { rule, severity, type: wildcardTest(rule.type) };
  if (rule.path !== undefined) compiled.path = compilePathGlob(rule.path, `${where}.path`);
  if (typeof rule.when === "function") compiled.when = rule.when;
  else if (rule.when !== undefined) compiled.when = compileChangePredicate(rule.when, `${where}.when`);
  if (compiled.path) {
    const path = compiled.path;
    const when = compiled.when;
    // The path test is part of the condition, so `decide` only runs one function per rule.
    compiled.when = when
      ? (context) => path(segmentsOf(context)) && when(context)
      : (context) => path(segmentsOf(context));
  }
  return compiled;
}

/**
 * The context of one change or resource. The enclosing elements are resolved only when a rule
 * reads them (most rules never do), and the parsed path travels along for the path globs.
 */
class LazyContext implements RuleContext {
  private resolvedBefore?: { value: JsonValue | undefined };
  private resolvedAfter?: { value: JsonValue | undefined };

  constructor(
    readonly resourceType: string,
    readonly resourceId: string,
    readonly path: string,
    readonly kind: ChangeKind,
    readonly before: JsonValue | undefined,
    readonly after: JsonValue | undefined,
    readonly resourceBefore: JsonObject | undefined,
    readonly resourceAfter: JsonObject | undefined,
    readonly segments: PathSegment[],
  ) {}

  get elementBefore(): JsonValue | undefined {
    this.resolvedBefore ??= { value: enclosingElement(this.resourceBefore, this.segments) };
    return this.resolvedBefore.value;
  }

  get elementAfter(): JsonValue | undefined {
    this.resolvedAfter ??= { value: enclosingElement(this.resourceAfter, this.segments) };
    return this.resolvedAfter.value;
  }
}

/** The parsed path of a context; contexts built elsewhere (tests of predicates) are parsed here. */
function segmentsOf(context: RuleContext): PathSegment[] {
  return context instanceof LazyContext ? context.segments : parseChangePath(context.path);
}

function compileSuppression(suppression: Suppression, where: string): CompiledSuppression {
  if (!suppression.id) throw new DriftError("E_INPUT", `${where}: a suppression needs an id.`);
  if (!suppression.reason?.trim()) {
    throw new DriftError(
      "E_INPUT",
      `${where}: a suppression needs a reason; say why the finding is accepted.`,
    );
  }
  const match = suppression.match ?? {};
  if (!match.type && !match.resourceId && !match.path && !match.ruleId) {
    throw new DriftError("E_INPUT", `${where}.match: give at least one of type, resourceId, path, ruleId.`);
  }
  const compiled: CompiledSuppression = { suppression };
  if (match.type) compiled.type = wildcardTest(match.type);
  if (match.resourceId) compiled.resourceId = wildcardTest(match.resourceId);
  if (match.path) compiled.path = compilePathGlob(match.path, `${where}.match.path`);
  if (match.ruleId) compiled.ruleId = wildcardTest(match.ruleId);
  return compiled;
}

/**
 * The instant a suppression stops applying. A date without a time means the end of that day (UTC),
 * so `"expires": "2026-03-31"` still applies on March 31st.
 */
export function expiryTime(expires: string, where: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(expires);
  const time = Date.parse(dateOnly ? `${expires}T23:59:59.999Z` : expires);
  if (Number.isNaN(time)) {
    throw new DriftError(
      "E_INPUT",
      `${where}.expires: "${expires}" is not a date; use an ISO date (2026-03-31) or date-time.`,
    );
  }
  return time;
}

const MAX_TEMPLATE_VALUE = 120;

function templateValue(value: JsonValue | undefined): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_TEMPLATE_VALUE ? `${text.slice(0, MAX_TEMPLATE_VALUE - 1)}…` : text;
}

/**
 * Fills a rule's message: `{path}`, `{before}`, `{after}`, `{name}` (the resource name), `{type}`,
 * `{id}` and `{element}` (the key of the enclosing array element, e.g. the NSG rule's name).
 */
function fillTemplate(
  template: string,
  drift: ResourceDrift,
  context: RuleContext,
  segments: PathSegment[],
): string {
  if (!template.includes("{")) return template;
  const name = drift.name ?? drift.id.slice(drift.id.lastIndexOf("/") + 1);
  return template.replace(/\{(path|before|after|name|type|id|element)\}/g, (_, field: string) => {
    switch (field) {
      case "path":
        return context.path;
      case "before":
        return templateValue(context.before);
      case "after":
        return templateValue(context.after);
      case "name":
        return name;
      case "type":
        return drift.type;
      case "id":
        return drift.id;
      default:
        return innermostSelectorLabel(segments) ?? name;
    }
  });
}
