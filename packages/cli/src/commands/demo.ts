import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { staticTokenCredential } from "@azure-drift/core";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.js";
import { describeDomains, describeRecords, describeServed } from "../demo-counts.js";
import { EXIT_CODES } from "../exit-codes.js";
import { createFeedback, logFailure } from "../feedback.js";
import { writeNextSteps } from "../next-steps.js";
import {
  chooseFormat,
  chooseLogFormat,
  FORMAT_HELP,
  OUTPUT_HELP,
  parseLogLevel,
  parseSeverity,
  repeatable,
} from "../options.js";
import { applyReportFilters, checkOutputs, emitReport } from "../report-output.js";
import { loadRules } from "../rules-file.js";
import { checkStoreLocation, describeStoreLocation } from "../store.js";

interface DemoOptions {
  store?: string;
  /** False with --no-attribution. */
  attribution?: boolean;
  format?: string;
  output?: string[];
  rules?: string;
  minSeverity?: string;
  ignore?: string[];
  logFormat?: string;
  logLevel?: string;
}

/**
 * `azure-drift demo`: the whole pipeline without an Azure account. It serves the bundled demo
 * tenant from the ARM replay server (HTTPS on 127.0.0.1, its own CA), runs `check`, changes the
 * tenant, runs `check` again and prints the report. It exits 0 when the demo ran (the drift is
 * the point of the demo, not a failure), 1 on an error.
 */
export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command("demo")
    .summary("run check twice on a bundled demo tenant, no Azure account needed")
    .description(
      "Start the ARM replay server on the bundled demo tenant, run `check`, change the tenant (a rule opening SSH to the internet, a subnet losing its NSG, an Owner assignment…), run `check` again and print the report. Exit code 0 when the demo ran.",
    )
    .option(
      "--store <dir|uri>",
      "keep the demo's snapshots in this directory or mongodb:// URI (default: a temporary directory, removed after)",
    )
    .option("--format <format>", FORMAT_HELP)
    .option("--output <file>", OUTPUT_HELP, repeatable)
    .option("--rules <file>", "a JSON rules file: extra rules, severity overrides, suppressions")
    .option("--min-severity <level>", "report only changes at or above critical, high, medium, low or info")
    .option("--ignore <path-glob>", "ignore changes at paths matching this glob (repeatable)", repeatable)
    .option("--no-attribution", "do not show who made the demo's changes (from its Activity Log)")
    .option("--log-format <format>", "json or text (default: text on a terminal, else json)")
    .option("--log-level <level>", "error, warn, info or debug (default: warn)")
    .action(async (options: DemoOptions) => {
      const { io } = context;
      const format = chooseFormat(options.format, io);
      const minSeverity = parseSeverity(options.minSeverity);
      checkOutputs(options.output);
      const logFormat = chooseLogFormat(options.logFormat, io);
      const logLevel = parseLogLevel(options.logLevel ?? "warn");
      checkStoreLocation(options.store);
      const rules = options.rules ? await loadRules(options.rules, io.cwd) : undefined;
      const say = (line: string) => io.stderr.write(`${line}\n`);

      const { demoDrift, demoTenant, recordActivity, startArmReplayServer } = await import(
        "@azure-drift/testing"
      );
      const { defaultCollectors, executeCheck } = await import("../check-run.js");
      const collectors = defaultCollectors();
      say(`azure-drift demo: watching ${describeDomains(collectors)}.`);
      const tenant = demoTenant();
      const server = await startArmReplayServer({ tenant });
      const temporaryStore = options.store ? undefined : await mkdtemp(join(tmpdir(), "azure-drift-demo-"));
      const store = options.store ?? temporaryStore!;
      try {
        const base = {
          credential: staticTokenCredential("azure-drift-demo-token"),
          arm: server.connection(),
          subscriptions: [],
          tenantId: server.tenant.tenantId.toLowerCase(),
          store,
          cwd: io.cwd,
          collectors,
          ...(options.attribution === false ? { attribution: false } : {}),
          ...(rules ? { rules } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
        };
        // One progress display per check, removed before the demo says what happened.
        const runCheck = async () => {
          const feedback = createFeedback(io, {
            format: logFormat,
            level: logLevel,
            collectorsPerSubscription: collectors.length,
          });
          try {
            return await executeCheck(
              { ...base, logger: feedback.logger, onProgress: feedback.onProgress },
              "check",
            );
          } catch (error) {
            logFailure(feedback.logger, error);
            throw error;
          } finally {
            feedback.stop();
          }
        };
        say(
          `azure-drift demo: replay server on ${server.url} serving a demo tenant of ${server.tenant.subscriptions.length} subscriptions and ${describeServed(server.tenant.resources.values(), collectors)}.`,
        );
        const first = await runCheck();
        say(
          `azure-drift demo: first check saved snapshot ${first.snapshot.id}: ${describeRecords(first.snapshot)}. A record is one resource's configuration as its collector keeps it: a collector may fold child resources into their parent's record and keep only the resources it watches, so records and resources need not add up.`,
        );
        const changes = demoDrift(server.tenant);
        // The Activity Log records who made the story's changes, between the two checks.
        // Built-in role definitions are only referenced by the new assignment: nobody wrote them.
        const written = changes.filter((change) => !change.type.toLowerCase().endsWith("/roledefinitions"));
        recordActivity(
          server.tenant,
          written,
          demoCaller,
          new Date(Date.parse(first.snapshot.finishedAt) + 1),
          1,
        );
        say(`azure-drift demo: changed the tenant (${describeChanges(changes)}); checking again.`);
        const second = await runCheck();
        say(
          `azure-drift demo: second check saved snapshot ${second.snapshot.id}: ${describeRecords(second.snapshot)}; the report follows.`,
        );
        if (second.report) {
          const report = applyReportFilters(second.report, {
            ignore: options.ignore ?? [],
            ...(minSeverity ? { minSeverity } : {}),
          });
          await emitReport(io, report, format, {
            outputs: options.output,
            collectors: defaultCollectors(),
            rules,
            minSeverity,
          });
          writeNextSteps(io, report, format, {
            ...(options.store ? { store: options.store } : { temporary: true }),
            saved: true,
          });
        }
        if (options.store)
          say(
            `azure-drift demo: snapshots and reports kept in ${describeStoreLocation(options.store, io.cwd)}.`,
          );
        context.setExitCode(EXIT_CODES.ok);
      } finally {
        await server.close();
        if (temporaryStore) await rm(temporaryStore, { recursive: true, force: true });
      }
    });
}

function describeChanges(changes: unknown): string {
  if (!Array.isArray(changes)) return "several changes";
  const counts = new Map<string, number>();
  for (const change of changes as { status?: string }[]) {
    const status = change.status ?? "changed";
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const parts = [...counts].map(([status, count]) => `${count} ${status}`).join(", ");
  return total === 0 ? "no changes" : `${total} resource${total === 1 ? "" : "s"}: ${parts}`;
}

/** The demo's callers: a person for network changes, a pipeline's service principal for the rest. */
function demoCaller(change: { type: string }): { caller: string } {
  return change.type.toLowerCase().startsWith("microsoft.network/")
    ? { caller: "dana.ops@contoso.example" }
    : { caller: "5f2c1a9e-0000-4000-8000-00000000c1c1" };
}
