import { type Collector, DriftError, type RuleOptions } from "@azure-drift/core";
import type { Command } from "commander";
import { BUILT_IN_COLLECTOR_NAMES } from "../built-in-names.js";
import type { CheckOutcome, CheckPlan } from "../check-run.js";
import type { CommandContext } from "../command-context.js";
import { resolveConnection } from "../connection.js";
import { resolveCredential } from "../credential.js";
import { EXIT_CODES } from "../exit-codes.js";
import { createFeedback, logFailure } from "../feedback.js";
import type { CliIo } from "../io.js";
import { parseManagementGroupId } from "../management-group.js";
import { writeNextSteps } from "../next-steps.js";
import {
  chooseFormat,
  chooseLogFormat,
  FORMAT_HELP,
  OUTPUT_HELP,
  parseLogLevel,
  parsePositiveInt,
  parseSeverity,
  repeatable,
} from "../options.js";
import { applyReportFilters, checkOutputs, emitReport, reportExitCode } from "../report-output.js";
import { loadCommandRules } from "../rules-file.js";
import { checkStoreLocation } from "../store.js";
import { isGuid, parseSubscriptionIds } from "../subscriptions.js";

/** Options shared by every command that talks to ARM. */
export interface AzureOptions {
  subscription?: string[];
  managementGroup?: string;
  collector?: string[];
  tenant?: string;
  cloud?: string;
  armEndpoint?: string;
  caCert?: string;
  store?: string;
  concurrency?: string;
  requestTimeout?: string;
  logFormat?: string;
  logLevel?: string;
}

interface CheckOptions extends AzureOptions {
  baseline?: string;
  /** False with --no-attribution. */
  attribution?: boolean;
  format?: string;
  output?: string[];
  rules?: string;
  /** Rules and suppressions written in the configuration file. */
  configRules?: RuleOptions;
  minSeverity?: string;
  ignore?: string[];
}

/** Adds the options of commands that collect from ARM. */
export function addAzureOptions(command: Command): Command {
  return command
    .option(
      "-s, --subscription <id>",
      "a subscription to check (repeatable; default: every one the credential can see)",
      repeatable,
    )
    .option(
      "--management-group <id>",
      "check every subscription below this management group, at any depth (instead of --subscription)",
    )
    .option(
      "--collector <name|module>",
      `a collector to run: ${BUILT_IN_COLLECTOR_NAMES.join(", ")}, or a module exporting one (path or package, optionally #export); repeatable (default: every built-in one)`,
      repeatable,
    )
    .option("--tenant <id>", "the tenant id (default: from the subscriptions, else AZURE_TENANT_ID)")
    .option("--cloud <name>", "AzureCloud, AzureChinaCloud or AzureUSGovernment (default: AzureCloud)")
    .option("--arm-endpoint <url>", "a custom ARM endpoint (a private endpoint, or the replay server)")
    .option("--ca-cert <file>", "a PEM CA certificate to trust for --arm-endpoint")
    .option("--store <dir|uri>", "the file store directory (default: ./.azure-drift) or a mongodb:// URI")
    .option("--concurrency <n>", "ARM requests in flight at once (default: the detector's)")
    .option(
      "--request-timeout <seconds>",
      "abandon an ARM request with no answer after this many seconds; its listing is then reported unknown (default 90)",
    )
    .option("--log-format <format>", "json or text (default: text on a terminal, else json)")
    .option("--log-level <level>", "error, warn, info or debug (default: info)")
    .addHelpText("after", CREDENTIALS_HELP);
}

/** How a command that calls Azure signs in, for its --help. */
const CREDENTIALS_HELP = `
Credentials:
  AZURE_DRIFT_ACCESS_TOKEN   a bearer token for ARM that the pipeline already has (used as is)
  otherwise DefaultAzureCredential, which tries in turn:
    environment variables    AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_SECRET (or
                             AZURE_CLIENT_CERTIFICATE_PATH) for a service principal
    workload identity        AZURE_FEDERATED_TOKEN_FILE (Kubernetes, GitHub Actions OIDC)
    managed identity         on Azure VMs, App Service, Functions, Automation
    Azure CLI                after \`az login\` (also Azure Developer CLI, Azure PowerShell)
  The identity needs the Reader role on each subscription to check (with --management-group:
  Management Group Reader and Reader on the group).`;

/** Adds the options of commands that print a report. */
export function addReportOptions(command: Command): Command {
  return command
    .option("--format <format>", FORMAT_HELP)
    .option("--output <file>", OUTPUT_HELP, repeatable)
    .option("--rules <file>", "a JSON rules file: extra rules, severity overrides, suppressions")
    .option("--min-severity <level>", "report only changes at or above critical, high, medium, low or info")
    .option("--ignore <path-glob>", "ignore changes at paths matching this glob (repeatable)", repeatable);
}

/** `azure-drift check` and `azure-drift collect`. */
export function registerCheck(program: Command, context: CommandContext): void {
  const check = program
    .command("check")
    .summary("collect, save, and report drift since the previous snapshot or a baseline")
    .description(
      "Collect the subscriptions' configuration, save a snapshot in the store, compare it with the previous snapshot (or --baseline NAME) and print the report. Exit code 0: no drift; 2: drift or parts that could not be compared; 1: error (nothing saved).",
    )
    .option("--baseline <name>", "compare with this baseline instead of the previous snapshot")
    .option("--attribution", "read the Activity Log for who changed each drifted resource (the default)")
    .option("--no-attribution", "do not read the Activity Log for who changed each drifted resource");
  addReportOptions(addAzureOptions(check)).action(async (options: CheckOptions) => {
    const { io } = context;
    const format = chooseFormat(options.format, io);
    const minSeverity = parseSeverity(options.minSeverity);
    checkOutputs(options.output);
    const rules = await loadCommandRules(options, io.cwd);
    const outcome = await runAzureCommand(io, options, "check", {
      ...(rules ? { rules } : {}),
      ...(options.attribution === false ? { attribution: false } : {}),
      ...(options.baseline ? { baseline: options.baseline } : {}),
    });
    // Always a report, also on the first check (no drift, its notice says it is the starting point):
    // pipelines parse the same shape every time.
    if (!outcome.report) throw new Error("check returned no report");
    const report = applyReportFilters(outcome.report, {
      ignore: options.ignore ?? [],
      ...(minSeverity ? { minSeverity } : {}),
    });
    await emitReport(io, report, format, {
      outputs: options.output,
      collectors: outcome.collectors,
      rules,
      minSeverity,
    });
    writeNextSteps(io, report, format, {
      ...(options.store ? { store: options.store } : {}),
      ...(options.baseline ? { baseline: options.baseline } : {}),
      saved: true,
    });
    context.setExitCode(reportExitCode(report));
  });

  const collect = program
    .command("collect")
    .summary("collect and save a snapshot, without comparing")
    .description(
      "Collect the subscriptions' configuration and save a snapshot in the store. Prints the snapshot's metadata as JSON.",
    );
  addAzureOptions(collect).action(async (options: AzureOptions) => {
    const { io } = context;
    const outcome = await runAzureCommand(io, options, "collect", {});
    io.stdout.write(`${JSON.stringify(snapshotSummary(outcome), null, 2)}\n`);
    context.setExitCode(EXIT_CODES.ok);
  });
}

/** A snapshot's metadata in a short form for `collect`'s output. */
function snapshotSummary(outcome: CheckOutcome) {
  const { snapshot } = outcome;
  return {
    snapshotId: snapshot.id,
    tenantId: snapshot.tenantId,
    scopes: snapshot.scopes,
    resourceCount: snapshot.resourceCount,
    startedAt: snapshot.startedAt,
    finishedAt: snapshot.finishedAt,
    collectors: snapshot.collectors.map(({ name, scope, outcome: result, records, error }) => ({
      name,
      scope,
      outcome: result,
      records,
      ...(error ? { error } : {}),
    })),
    incomplete: snapshot.coverage.filter((entry) => !entry.complete),
  };
}

/** Parses the ARM options, resolves the credential and runs the check or collection. */
async function runAzureCommand(
  io: CliIo,
  options: AzureOptions,
  mode: "check" | "collect",
  extra: Pick<CheckPlan, "rules" | "baseline" | "attribution">,
): Promise<CheckOutcome & { collectors: Collector[] }> {
  // Every option is checked before the first network call.
  const subscriptions = parseSubscriptionIds(options.subscription ?? []);
  const managementGroup =
    options.managementGroup === undefined ? undefined : parseManagementGroupId(options.managementGroup);
  if (managementGroup !== undefined && subscriptions.length > 0) {
    throw new DriftError(
      "E_INPUT",
      "--subscription and --management-group name the scope two ways: pass one of them (a flag also replaces the configuration's subscriptions or managementGroup).",
    );
  }
  if (options.tenant !== undefined && !isGuid(options.tenant)) {
    throw new DriftError(
      "E_INPUT",
      `Invalid tenant id "${options.tenant}": a tenant id is a GUID (see az account show).`,
    );
  }
  const concurrency = parsePositiveInt("--concurrency", options.concurrency);
  const requestTimeoutMs = parseRequestTimeout(options.requestTimeout);
  const logFormat = chooseLogFormat(options.logFormat, io);
  const logLevel = parseLogLevel(options.logLevel);
  checkStoreLocation(options.store);
  // Collectors, the store and the SDKs load only for commands that use them: `diff` starts fast.
  const { resolveCollectors } = await import("../collectors.js");
  const collectors = await resolveCollectors(options.collector ?? [], io.cwd);
  const connection = await resolveConnection(options, io.cwd);
  const { cloud } = connection;
  const arm = requestTimeoutMs === undefined ? connection.arm : { ...connection.arm, requestTimeoutMs };
  const tenantId = options.tenant?.toLowerCase();
  const { credential, kind } = await resolveCredential(io.env, cloud, tenantId ?? io.env.AZURE_TENANT_ID);
  const { executeCheck } = await import("../check-run.js");
  const feedback = createFeedback(io, {
    format: logFormat,
    level: logLevel,
    collectorsPerSubscription: collectors.length,
  });
  feedback.logger.debug("credential chosen", { auth: kind, cloud, endpoint: arm.endpoint });
  try {
    const outcome = await executeCheck(
      {
        credential,
        arm,
        subscriptions,
        ...(managementGroup !== undefined ? { managementGroup } : {}),
        ...(tenantId ? { tenantId } : {}),
        ...(io.env.AZURE_TENANT_ID ? { envTenantId: io.env.AZURE_TENANT_ID } : {}),
        ...(options.store ? { store: options.store } : {}),
        cwd: io.cwd,
        ...(concurrency ? { concurrency } : {}),
        collectors,
        logger: feedback.logger,
        onProgress: feedback.onProgress,
        ...(io.signal ? { signal: io.signal } : {}),
        ...extra,
      },
      mode,
    );
    return { ...outcome, collectors };
  } catch (error) {
    logFailure(feedback.logger, error);
    throw error;
  } finally {
    feedback.stop();
  }
}

/** `--request-timeout SECONDS`: 1 to 3600, in milliseconds. */
function parseRequestTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) {
    throw new DriftError(
      "E_INPUT",
      `--request-timeout must be a number of seconds from 1 to 3600: got "${value}".`,
    );
  }
  return Math.round(seconds * 1000);
}
