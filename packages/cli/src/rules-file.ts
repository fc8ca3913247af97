import { parseRuleFile, type RuleOptions } from "@azure-drift/core";
import { readInputFile } from "./options.js";

/** Reads and parses a `--rules` file (core says what is wrong with it, with the file name). */
export async function loadRules(path: string, cwd: string) {
  const text = await readInputFile("--rules", path, cwd);
  return parseRuleFile(text, path);
}

/**
 * The rules a command runs with: the `--rules` file (or the configuration's `rules` path) and the
 * rules and suppressions written in the configuration itself, checked by the same parser. The
 * file's come first (first match wins); overrides merge, the file's winning.
 */
export async function loadCommandRules(
  options: { rules?: string; configRules?: RuleOptions },
  cwd: string,
): Promise<RuleOptions | undefined> {
  const fromFile = options.rules ? await loadRules(options.rules, cwd) : undefined;
  const inline = options.configRules
    ? parseRuleFile(JSON.stringify(options.configRules), "azure-drift.config rules")
    : undefined;
  if (!inline) return fromFile;
  if (!fromFile) return inline;
  const defaultSeverity = fromFile.defaultSeverity ?? inline.defaultSeverity;
  return {
    rules: [...(fromFile.rules ?? []), ...(inline.rules ?? [])],
    overrides: { ...inline.overrides, ...fromFile.overrides },
    suppressions: [...(fromFile.suppressions ?? []), ...(inline.suppressions ?? [])],
    ...(defaultSeverity ? { defaultSeverity } : {}),
  };
}
