import type { RuleOptions } from "@azure-drift/core";
import type { Command } from "commander";
import { configPath, type LoadedConfig } from "./load.js";
import type { DriftConfig } from "./schema.js";

/** The option that carries rules and suppressions written in the configuration itself. */
export const CONFIG_RULES_OPTION = "configRules";

/** The options that choose what is checked. */
const SCOPE_OPTIONS = ["subscription", "managementGroup"];

type Value = string | string[] | boolean | RuleOptions;

/** Each configuration key as the value of the command option it stands for (keyed by the option's attribute name). */
export function configOptionValues(
  config: DriftConfig,
  directory: string,
): Record<string, Value | undefined> {
  const path = (value: string | undefined) =>
    value === undefined ? undefined : configPath(directory, value);
  // A collector given as ./x or ../x is a module path, relative to the configuration's directory.
  const collector = (spec: string) => (/^\.\.?[\\/]/.test(spec) ? configPath(directory, spec) : spec);
  const inline: RuleOptions = {
    ...(typeof config.rules === "object" ? (config.rules as RuleOptions) : {}),
  };
  if (config.suppressions) inline.suppressions = [...(inline.suppressions ?? []), ...config.suppressions];
  return {
    tenant: config.tenant,
    subscription: config.subscriptions,
    managementGroup: config.managementGroup,
    collector: config.collectors?.map(collector),
    store: path(config.store),
    cloud: config.cloud,
    armEndpoint: config.armEndpoint,
    caCert: path(config.caCert),
    concurrency: config.concurrency === undefined ? undefined : String(config.concurrency),
    requestTimeout: config.requestTimeout === undefined ? undefined : String(config.requestTimeout),
    baseline: config.baseline,
    attribution: config.attribution,
    rules: typeof config.rules === "string" ? path(config.rules) : undefined,
    [CONFIG_RULES_OPTION]: Object.keys(inline).length > 0 ? inline : undefined,
    minSeverity: config.minSeverity,
    ignore: config.ignore,
    format: config.format,
    output: config.outputs?.map((output) => configPath(directory, output)),
    logFormat: config.logFormat,
    logLevel: config.logLevel,
  };
}

/**
 * Fills the options of `command` that the command line left unset from the configuration: a flag
 * always wins over the file, and a key only applies to the commands that have that option (a
 * `baseline` key does nothing for `diff`). Inline rules and suppressions travel as
 * {@link CONFIG_RULES_OPTION}.
 */
export function applyConfig(command: Command, loaded: LoadedConfig): void {
  const declared = new Set(command.options.map((option) => option.attributeName()));
  const hasRules = declared.has("rules");
  const fromCommandLine = (name: string) => {
    const source = command.getOptionValueSource(name);
    return source === "cli" || source === "env";
  };
  // The scope is one setting spelled two ways: a flag for either replaces the file's, whichever it has.
  const scopeOnCommandLine = SCOPE_OPTIONS.some(fromCommandLine);
  for (const [name, value] of Object.entries(configOptionValues(loaded.config, loaded.directory))) {
    if (value === undefined) continue;
    if (name === CONFIG_RULES_OPTION) {
      if (hasRules) command.setOptionValueWithSource(name, value, "config");
      continue;
    }
    if (!declared.has(name) || fromCommandLine(name)) continue;
    if (scopeOnCommandLine && SCOPE_OPTIONS.includes(name)) continue;
    command.setOptionValueWithSource(name, value, "config");
  }
}
