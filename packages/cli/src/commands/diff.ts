import { resolve } from "node:path";
import { createTypeRegistry, diffSnapshots, type RuleOptions, readSnapshotFile } from "@azure-drift/core";
import type { Command } from "commander";
import { BUILT_IN_COLLECTOR_NAMES } from "../built-in-names.js";
import type { CommandContext } from "../command-context.js";
import { chooseFormat, FORMAT_HELP, OUTPUT_HELP, parseSeverity, repeatable } from "../options.js";
import { checkOutputs, emitReport, reportExitCode } from "../report-output.js";
import { loadCommandRules } from "../rules-file.js";

interface DiffOptions {
  collector?: string[];
  format?: string;
  output?: string[];
  rules?: string;
  /** Rules and suppressions written in the configuration file. */
  configRules?: RuleOptions;
  minSeverity?: string;
  ignore?: string[];
}

/** `azure-drift diff <before> <after>`: compares two snapshot or ARM JSON files. */
export function registerDiff(program: Command, context: CommandContext): void {
  program
    .command("diff")
    .summary("compare two snapshot files or ARM JSON files")
    .description(
      "Compare two files, each a snapshot in azure-drift's format (NDJSON) or ARM resource JSON (an array, as from `az resource list`, or an ARM list page `{ value: [...] }`). Exit code 0: no drift; 2: drift; 1: error.",
    )
    .argument("<before>", "the earlier snapshot or ARM JSON file")
    .argument("<after>", "the later snapshot or ARM JSON file")
    .option("--format <format>", FORMAT_HELP)
    .option("--output <file>", OUTPUT_HELP, repeatable)
    .option("--rules <file>", "a JSON rules file: extra rules, severity overrides, suppressions")
    .option("--min-severity <level>", "report only changes at or above critical, high, medium, low or info")
    .option("--ignore <path-glob>", "ignore changes at paths matching this glob (repeatable)", repeatable)
    .option(
      "--collector <name|module>",
      `whose type hints and rules apply: ${BUILT_IN_COLLECTOR_NAMES.join(", ")}, or a module exporting a collector; repeatable (default: every built-in one)`,
      repeatable,
    )
    .action(async (before: string, after: string, options: DiffOptions) => {
      const { io } = context;
      const format = chooseFormat(options.format, io);
      const minSeverity = parseSeverity(options.minSeverity);
      checkOutputs(options.output);
      const rules = await loadCommandRules(options, io.cwd);
      // ARM JSON is normalized with the collectors' type hints and judged by their rules too, so a
      // file diff of NSGs or role assignments reads like a check's report.
      const { resolveCollectors } = await import("../collectors.js");
      const collectors = await resolveCollectors(options.collector ?? [], io.cwd);
      const registry = createTypeRegistry(collectors.flatMap((collector) => collector.types));
      const [base, current] = await Promise.all([
        readSnapshotFile(resolve(io.cwd, before), { registry }),
        readSnapshotFile(resolve(io.cwd, after), { registry }),
      ]);
      const report = diffSnapshots(base, current, {
        registry,
        collectorRules: collectors.flatMap((collector) => collector.rules ?? []),
        ...(rules ? { rules } : {}),
        ignore: options.ignore ?? [],
        ...(minSeverity ? { minSeverity } : {}),
        base: { label: before },
        current: { label: after },
      });
      await emitReport(io, report, format, { outputs: options.output, collectors, rules, minSeverity });
      context.setExitCode(reportExitCode(report));
    });
}
