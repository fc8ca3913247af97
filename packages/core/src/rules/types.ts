import type { ChangeKind, JsonObject, JsonValue, Severity } from "../model.js";

/**
 * A matcher for one JSON value, usable from a JSON rules file. All given conditions must hold.
 * Strings compare case-insensitively.
 */
export interface ValueMatcher {
  equals?: JsonValue;
  notEquals?: JsonValue;
  in?: JsonValue[];
  notIn?: JsonValue[];
  /** `true`: the value is present and not null/empty; `false`: it is absent, null or empty. */
  exists?: boolean;
  /** For arrays: some element matches. */
  some?: ValueMatcher | JsonValue;
  /** For objects: each dotted sub-path matches (a plain JSON value means `equals`). */
  matches?: Record<string, ValueMatcher | JsonValue>;
}

/** What a rule's function predicate and message template see. */
export interface RuleContext {
  resourceType: string;
  resourceId: string;
  /** The change path; empty string for a resource-level rule (added/removed resource). */
  path: string;
  kind: ChangeKind;
  before: JsonValue | undefined;
  after: JsonValue | undefined;
  /** The enclosing keyed-array element (e.g. the whole NSG rule) before and after the change. */
  elementBefore?: JsonValue;
  elementAfter?: JsonValue;
  /** The whole resource config before and after, when known. */
  resourceBefore?: JsonObject;
  resourceAfter?: JsonObject;
}

/** A data predicate on a change, usable from a JSON rules file. All given conditions must hold. */
export interface ChangePredicate {
  kind?: ChangeKind | ChangeKind[];
  before?: ValueMatcher;
  after?: ValueMatcher;
  /** Matches the enclosing keyed-array element after the change (before, for a removal). */
  element?: ValueMatcher;
  /** An ordered scale, weakest first: holds when `after` ranks below `before` (e.g. TLS versions). */
  lowered?: string[];
}

/**
 * A severity rule: (resource type glob, change path glob, predicate) → severity and a sentence.
 *
 * Type globs are case-insensitive (`Microsoft.Network/*`, `*`). Path globs use the change path
 * syntax where `[*]` matches any array selector, `*` one property name and `**` any depth
 * (`properties.securityRules[*]`, `properties.**`). A rule without `path` applies to the resource
 * being added or removed (`kind` is then `added` or `removed`).
 */
export interface SeverityRule {
  /** Stable id, used to override and suppress, e.g. `network/nsg-open-management-port`. */
  id: string;
  type: string;
  path?: string;
  /** A data predicate (JSON rules files) or a function (rules written in TypeScript). */
  when?: ChangePredicate | ((context: RuleContext) => boolean);
  severity: Severity;
  /**
   * The sentence shown with the finding: a template in which `{path}`, `{before}`, `{after}`,
   * `{name}`, `{type}`, `{id}` and `{element}` are filled in, or (rules written in TypeScript) a
   * function of the change that returns the sentence, for what a template cannot say (e.g. the
   * name of a role known by its id). A function that throws is reported in the report's notices
   * and the rule's id is shown instead.
   */
  message: string | ((context: RuleContext) => string);
  /**
   * One line that says what to do about the finding: what to check, or the `az` command that
   * restores the safe value. Shown with the finding in every report format and carried in JSON.
   */
  remediation?: string;
}

/** Hides matching findings from the drift count, with a reason and an optional expiry. */
export interface Suppression {
  id: string;
  /** What to match; every given field must match. Globs as in {@link SeverityRule}. */
  match: { type?: string; resourceId?: string; path?: string; ruleId?: string };
  reason: string;
  /** ISO date or date-time; after it the suppression stops applying and the report says so. */
  expires?: string;
}

/** How severities are decided for a diff. */
export interface RuleOptions {
  /** Extra rules, evaluated before the defaults and the collectors' rules (first match wins). */
  rules?: SeverityRule[];
  /** Change a rule's severity, or switch it off, by rule id. */
  overrides?: Record<string, Severity | "off">;
  suppressions?: Suppression[];
  /** Severity of a change no rule matches. Default `low`. */
  defaultSeverity?: Severity;
  /** The clock for suppression expiry (tests). */
  now?: Date;
}
