import { DriftError } from "../errors.js";
import { assertJsonDepth } from "../json-depth.js";
import { SEVERITIES, type Severity } from "../model.js";
import { expiryTime } from "./engine.js";
import { compilePathGlob } from "./engine-paths.js";
import { compileChangePredicate, isValueMatcher } from "./engine-predicates.js";
import type { ChangePredicate, RuleOptions, SeverityRule, Suppression, ValueMatcher } from "./types.js";

type Json = unknown;

const TOP_LEVEL_KEYS = new Set(["$schema", "rules", "overrides", "suppressions", "defaultSeverity"]);
const RULE_KEYS = new Set(["id", "type", "path", "when", "severity", "message", "remediation"]);
const PREDICATE_KEYS = new Set(["kind", "before", "after", "element", "lowered"]);
const SUPPRESSION_KEYS = new Set(["id", "match", "reason", "expires"]);
const MATCH_KEYS = new Set(["type", "resourceId", "path", "ruleId"]);

/**
 * Parses a rules file (`--rules FILE`): JSON `{ rules?, overrides?, suppressions?, defaultSeverity? }`
 * where rules use data predicates only. The result can be passed to `createRuleEngine` or the
 * detector's `rules` option.
 *
 * @param source the file name, prefixed to error messages.
 * @throws DriftError `E_INPUT` naming the file and the offending field (`rules[2].severity: …`).
 */
export function parseRuleFile(text: string, source = "rules file"): RuleOptions {
  const fail = (message: string): never => {
    throw new DriftError("E_INPUT", `${source}: ${message}`, { details: { source } });
  };
  let document: Json;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail(`invalid JSON (${reason}). Fix the file and try again.`);
  }
  assertJsonDepth(document, source);
  if (!isObject(document)) return fail('expected a JSON object such as { "rules": [], "suppressions": [] }.');
  checkKeys(document, TOP_LEVEL_KEYS, "", fail);

  const options: RuleOptions = {};
  if (document.rules !== undefined) {
    if (!Array.isArray(document.rules)) fail("rules: expected an array of rules.");
    const ids = new Set<string>();
    options.rules = (document.rules as Json[]).map((rule, i) => {
      const parsed = parseRule(rule, `rules[${i}]`, fail);
      if (ids.has(parsed.id))
        fail(`rules[${i}].id: "${parsed.id}" is used by an earlier rule; ids must be unique.`);
      ids.add(parsed.id);
      return parsed;
    });
  }
  if (document.overrides !== undefined) {
    if (!isObject(document.overrides))
      fail('overrides: expected an object such as { "core/storage-https-only-off": "off" }.');
    const overrides: Record<string, Severity | "off"> = {};
    for (const [id, value] of Object.entries(document.overrides as Record<string, Json>)) {
      if (value !== "off" && !SEVERITIES.includes(value as Severity)) {
        fail(
          `overrides["${id}"]: expected one of ${SEVERITIES.join(", ")} or "off", got ${JSON.stringify(value)}.`,
        );
      }
      overrides[id] = value as Severity | "off";
    }
    options.overrides = overrides;
  }
  if (document.suppressions !== undefined) {
    if (!Array.isArray(document.suppressions)) fail("suppressions: expected an array.");
    options.suppressions = (document.suppressions as Json[]).map((entry, i) =>
      parseSuppression(entry, `suppressions[${i}]`, fail),
    );
  }
  if (document.defaultSeverity !== undefined) {
    options.defaultSeverity = severityOf(document.defaultSeverity, "defaultSeverity", fail);
  }
  return options;
}

type Fail = (message: string) => never;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function checkKeys(value: Record<string, Json>, allowed: Set<string>, where: string, fail: Fail): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      fail(`${where ? `${where}.` : ""}${key}: unknown field; expected one of ${[...allowed].join(", ")}.`);
    }
  }
}

function stringField(value: Record<string, Json>, key: string, where: string, fail: Fail, required: boolean) {
  const field = value[key];
  if (field === undefined && !required) return undefined;
  if (typeof field !== "string" || field.trim() === "") fail(`${where}.${key}: expected a non-empty string.`);
  return field as string;
}

function severityOf(value: Json, where: string, fail: Fail): Severity {
  if (!SEVERITIES.includes(value as Severity)) {
    fail(`${where}: expected one of ${SEVERITIES.join(", ")}, got ${JSON.stringify(value)}.`);
  }
  return value as Severity;
}

/** Runs a compile step, turning its DriftError into one that names the file and field. */
function compiles(step: () => unknown, where: string, fail: Fail): void {
  try {
    step();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail(reason.startsWith(where) ? reason : `${where}: ${reason}`);
  }
}

function parseRule(value: Json, where: string, fail: Fail): SeverityRule {
  if (!isObject(value)) return fail(`${where}: expected an object with id, type, severity and message.`);
  checkKeys(value, RULE_KEYS, where, fail);
  const rule: SeverityRule = {
    id: stringField(value, "id", where, fail, true)!,
    type: stringField(value, "type", where, fail, true)!,
    severity: severityOf(value.severity, `${where}.severity`, fail),
    message: stringField(value, "message", where, fail, true)!,
  };
  const path = stringField(value, "path", where, fail, false);
  if (path !== undefined) {
    compiles(() => compilePathGlob(path, `${where}.path`), `${where}.path`, fail);
    rule.path = path;
  }
  if (value.when !== undefined) rule.when = parsePredicate(value.when, `${where}.when`, fail);
  const remediation = stringField(value, "remediation", where, fail, false);
  if (remediation !== undefined) rule.remediation = remediation;
  return rule;
}

function parsePredicate(value: Json, where: string, fail: Fail): ChangePredicate {
  if (!isObject(value))
    return fail(`${where}: expected an object with kind, before, after, element or lowered.`);
  checkKeys(value, PREDICATE_KEYS, where, fail);
  for (const key of ["before", "after", "element"] as const) {
    if (value[key] !== undefined) checkMatcher(value[key], `${where}.${key}`, fail);
  }
  if (value.lowered !== undefined) {
    const scale = value.lowered;
    if (!Array.isArray(scale) || scale.length < 2 || !scale.every((step) => typeof step === "string")) {
      fail(
        `${where}.lowered: expected a list of at least two strings, weakest first (e.g. ["TLS1_0", "TLS1_1", "TLS1_2"]).`,
      );
    }
  }
  const predicate = value as ChangePredicate;
  compiles(() => compileChangePredicate(predicate, where), where, fail);
  return predicate;
}

function checkMatcher(value: Json, where: string, fail: Fail): void {
  if (!isObject(value) || !isValueMatcher(value)) {
    fail(`${where}: expected a matcher with some of equals, notEquals, in, notIn, exists, some, matches.`);
  }
  const matcher = value as ValueMatcher;
  if (matcher.in !== undefined && !Array.isArray(matcher.in)) fail(`${where}.in: expected an array.`);
  if (matcher.notIn !== undefined && !Array.isArray(matcher.notIn))
    fail(`${where}.notIn: expected an array.`);
  if (matcher.exists !== undefined && typeof matcher.exists !== "boolean")
    fail(`${where}.exists: expected true or false.`);
  if (matcher.some !== undefined && isValueMatcher(matcher.some))
    checkMatcher(matcher.some, `${where}.some`, fail);
  if (matcher.matches !== undefined) {
    if (!isObject(matcher.matches as Json)) fail(`${where}.matches: expected an object of dotted paths.`);
    for (const [dotted, sub] of Object.entries(matcher.matches)) {
      if (isValueMatcher(sub)) checkMatcher(sub, `${where}.matches.${dotted}`, fail);
    }
  }
}

function parseSuppression(value: Json, where: string, fail: Fail): Suppression {
  if (!isObject(value)) return fail(`${where}: expected an object with id, match and reason.`);
  checkKeys(value, SUPPRESSION_KEYS, where, fail);
  const id = stringField(value, "id", where, fail, true)!;
  const reason = stringField(value, "reason", where, fail, true)!;
  if (!isObject(value.match))
    return fail(`${where}.match: expected an object with type, resourceId, path or ruleId.`);
  checkKeys(value.match, MATCH_KEYS, `${where}.match`, fail);
  const match: Suppression["match"] = {};
  for (const key of MATCH_KEYS) {
    const field = stringField(value.match, key, `${where}.match`, fail, false);
    if (field !== undefined) match[key as keyof Suppression["match"]] = field;
  }
  if (Object.keys(match).length === 0)
    fail(`${where}.match: give at least one of type, resourceId, path, ruleId.`);
  if (match.path !== undefined) {
    const path = match.path;
    compiles(() => compilePathGlob(path, `${where}.match.path`), `${where}.match.path`, fail);
  }
  const suppression: Suppression = { id, match, reason };
  const expires = stringField(value, "expires", where, fail, false);
  if (expires !== undefined) {
    compiles(() => expiryTime(expires, where), `${where}.expires`, fail);
    suppression.expires = expires;
  }
  return suppression;
}
