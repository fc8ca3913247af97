import { DriftError } from "@azure-drift/core";
import { Command, CommanderError } from "commander";
import type { CommandContext } from "./command-context.js";
import { registerCheck } from "./commands/check.js";
import { registerDemo } from "./commands/demo.js";
import { registerDiff } from "./commands/diff.js";
import { registerHistory } from "./commands/history.js";
import { registerInit } from "./commands/init.js";
import { registerStoreCommands } from "./commands/store-commands.js";
import { registerStoreMaintenance } from "./commands/store-maintenance.js";
import { applyConfig } from "./config/apply.js";
import { loadConfig } from "./config/load.js";
import { ERROR_PREFIX, errorLine, oneLine } from "./errors.js";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { VERSION } from "./version.js";

/** Builds a fresh commander program whose output goes to `io` and which never exits the process. */
export function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command("azure-drift")
    .description("Detect configuration drift in Microsoft Azure.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    });
  program.option(
    "--config <file>",
    "the configuration file (default: azure-drift.config.json or azure-drift.config.mjs in the working directory)",
  );
  // The configuration fills what the command line left unset. `demo` and `init` never read it: the
  // demo must not write into the real store, and init writes the file.
  program.hook("preAction", async (root, action) => {
    if (action.name() === "demo" || action.name() === "init") return;
    const loaded = await loadConfig(root.opts<{ config?: string }>().config, io.cwd);
    if (loaded) applyConfig(action, loaded);
  });
  registerDiff(program, context);
  registerCheck(program, context);
  registerDemo(program, context);
  registerStoreCommands(program, context);
  registerHistory(program, context);
  registerInit(program, context);
  registerStoreMaintenance(program, context);
  pointErrorsToHelp(program);
  return program;
}

/**
 * Commander's own errors (unknown option, missing argument, unknown command) get our one-line
 * shape, ending with the help of the command they are about: `…; see azure-drift check --help`.
 * Subcommands copy the output settings when they are created, so each gets its own afterwards.
 */
function pointErrorsToHelp(command: Command): void {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent)
    names.unshift(current.name());
  const help = `${names.join(" ")} --help`;
  command.configureOutput({
    ...command.configureOutput(),
    outputError: (text, write) =>
      write(
        `${ERROR_PREFIX}E_INPUT: ${oneLine(text.replace(/^error: /, "")).replace(/\.$/, "")}; see ${help}\n`,
      ),
  });
  for (const sub of command.commands) pointErrorsToHelp(sub);
}

/** Runs one command line (without the `node` and script arguments) and returns its exit code. */
export async function runProgram(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT_CODES.ok;
  const context: CommandContext = {
    io,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(context);
  try {
    await Promise.race([program.parseAsync([...argv], { from: "user" }), cancelledAfterGrace(io.signal)]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end through exitOverride too, with code 0.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.error;
    }
    io.stderr.write(`${errorLine(error)}\n`);
    return EXIT_CODES.error;
  }
}

/** How long a cancelled command may take to wind down before the CLI stops waiting for it. */
export const CANCEL_GRACE_MS = 5_000;

/**
 * Rejects with `E_ABORTED` when `signal` has been aborted for {@link CANCEL_GRACE_MS} and the
 * command has still not ended, so Ctrl-C always ends the CLI promptly. A command normally ends
 * sooner by itself, with the same error, after aborting its snapshot (nothing is committed).
 */
function cancelledAfterGrace(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    const start = () => {
      const timer = setTimeout(
        () => reject(new DriftError("E_ABORTED", "The operation was cancelled.", { cause: signal.reason })),
        CANCEL_GRACE_MS,
      );
      timer.unref?.();
    };
    if (signal.aborted) start();
    else signal.addEventListener("abort", start, { once: true });
  });
}
