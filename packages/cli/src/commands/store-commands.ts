import { acceptBaseline, DriftError, type Store } from "@azure-drift/core";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { createCliLogger } from "../logger.js";
import { writeNextSteps } from "../next-steps.js";
import {
  chooseFormat,
  chooseLogFormat,
  FORMAT_HELP,
  OUTPUT_HELP,
  parsePositiveInt,
  parseSeverity,
  repeatable,
} from "../options.js";
import { applyReportFilters, checkOutputs, emitReport, reportExitCode } from "../report-output.js";
import {
  checkStoreLocation,
  DEFAULT_STORE_DIR,
  describeStoreLocation,
  openExistingStore,
  openStore,
} from "../store.js";
import { isGuid } from "../subscriptions.js";

/** A store that creates indexes (the MongoDB store). */
interface IndexedStore extends Store {
  ensureIndexes(): Promise<Record<string, string[]>>;
}

/** The options every store command takes. */
export interface StoreOptions {
  store?: string;
  tenant?: string;
}

/** `store init`, `baseline accept|list`, `snapshots`, `prune` and `report`: set up, read and promote what `check` stored. */
export function registerStoreCommands(program: Command, context: CommandContext): void {
  program
    .command("store")
    .summary("set up a store")
    .command("init")
    .summary("create the store: a directory, or a MongoDB database's indexes (safe to run again)")
    .option("--store <dir|uri>", "the file store directory (default: ./.azure-drift) or a mongodb:// URI")
    .action(async (options: { store?: string }) => {
      checkStoreLocation(options.store);
      const store = await openStore(options.store, context.io.cwd);
      try {
        // A MongoDB store creates its indexes when opened; asking again lists them (a no-op on the server).
        const indexes = "ensureIndexes" in store ? await (store as IndexedStore).ensureIndexes() : undefined;
        const location = describeStoreLocation(options.store, context.io.cwd);
        context.io.stdout.write(
          `${JSON.stringify({ store: location, ...(indexes ? { indexes } : {}) }, null, 2)}\n`,
        );
      } finally {
        await store.close();
      }
      context.setExitCode(EXIT_CODES.ok);
    });

  const baseline = program.command("baseline").summary("manage named baselines (approved snapshots)");
  storeOptions(
    baseline
      .command("accept")
      .summary("make a snapshot (default: the latest) the baseline NAME")
      .argument("<name>", "the baseline's name, e.g. production")
      .option("--snapshot <id>", "the snapshot to approve (default: the latest)")
      .option("--note <text>", "why this state is approved")
      .option(
        "--only <glob>",
        "accept just the drift under this change path (properties.securityRules[name=web]) or resource id glob (/subscriptions/*/…/vm1); the rest stays reported; repeatable",
        repeatable,
      ),
  ).action(
    async (name: string, options: StoreOptions & { snapshot?: string; note?: string; only?: string[] }) => {
      await withStore(context.io, options, async (store, tenantId) => {
        if (options.only && options.only.length > 0) {
          const { acceptOnly } = await import("./accept-only.js");
          await acceptOnly(context, store, tenantId, name, { ...options, only: options.only });
          return;
        }
        const accepted = await acceptBaseline(store, tenantId, name, {
          ...(options.snapshot ? { snapshotId: options.snapshot } : {}),
          ...(options.note ? { note: options.note } : {}),
          ...(context.io.signal ? { signal: context.io.signal } : {}),
        });
        context.io.stdout.write(`${JSON.stringify(accepted, null, 2)}\n`);
      });
      context.setExitCode(EXIT_CODES.ok);
    },
  );
  storeOptions(baseline.command("list").summary("list the baselines")).action(
    async (options: StoreOptions) => {
      await withStore(context.io, options, async (store, tenantId) => {
        context.io.stdout.write(`${JSON.stringify(await store.listBaselines(tenantId), null, 2)}\n`);
      });
      context.setExitCode(EXIT_CODES.ok);
    },
  );

  storeOptions(
    program
      .command("snapshots")
      .summary("list stored snapshots, newest first")
      .option("--subscription <id>", "only snapshots covering this subscription")
      .option("--limit <n>", "at most this many (default 20)"),
  ).action(async (options: StoreOptions & { subscription?: string; limit?: string }) => {
    const limit = parsePositiveInt("--limit", options.limit) ?? 20;
    await withStore(context.io, options, async (store, tenantId) => {
      const snapshots = await store.listSnapshots(tenantId, {
        limit,
        ...(options.subscription ? { scope: options.subscription.toLowerCase() } : {}),
      });
      const rows = snapshots.map((snapshot) => ({
        id: snapshot.id,
        finishedAt: snapshot.finishedAt,
        scopes: snapshot.scopes,
        resourceCount: snapshot.resourceCount,
        complete: snapshot.coverage.every((entry) => entry.complete),
      }));
      context.io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    });
    context.setExitCode(EXIT_CODES.ok);
  });

  storeOptions(
    program
      .command("prune")
      .summary("remove old snapshots (baselines' snapshots are always kept)")
      .option("--keep-last <n>", "keep at least the newest N snapshots")
      .option("--older-than <date>", "remove snapshots finished before this ISO date or date-time")
      .option("--subscription <id>", "only snapshots covering this subscription"),
  ).action(
    async (options: StoreOptions & { keepLast?: string; olderThan?: string; subscription?: string }) => {
      const keepLast = parseNonNegativeInt("--keep-last", options.keepLast);
      if (options.olderThan !== undefined && Number.isNaN(Date.parse(options.olderThan))) {
        throw new DriftError(
          "E_INPUT",
          `--older-than "${options.olderThan}" is not a date: give one like 2026-01-31.`,
        );
      }
      if (keepLast === undefined && options.olderThan === undefined) {
        throw new DriftError(
          "E_INPUT",
          "Say what to remove: pass --keep-last N, --older-than DATE, or both.",
        );
      }
      await withStore(context.io, options, async (store, tenantId) => {
        const result = await store.prune(tenantId, {
          ...(keepLast !== undefined ? { keepLast } : {}),
          ...(options.olderThan ? { olderThan: new Date(options.olderThan).toISOString() } : {}),
          ...(options.subscription ? { scope: options.subscription.toLowerCase() } : {}),
          ...(context.io.signal ? { signal: context.io.signal } : {}),
        });
        context.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      });
      context.setExitCode(EXIT_CODES.ok);
    },
  );

  storeOptions(
    program
      .command("report")
      .summary("show a stored report (default: the latest)")
      .argument("[id]", "the report id (default: the latest)")
      .option("--format <format>", FORMAT_HELP)
      .option("--output <file>", OUTPUT_HELP, repeatable)
      .option("--min-severity <level>", "report only changes at or above this severity")
      .option("--ignore <path-glob>", "ignore changes at paths matching this glob (repeatable)", repeatable),
  ).action(
    async (
      id: string | undefined,
      options: StoreOptions & { format?: string; output?: string[]; minSeverity?: string; ignore?: string[] },
    ) => {
      const format = chooseFormat(options.format, context.io);
      const minSeverity = parseSeverity(options.minSeverity);
      checkOutputs(options.output);
      await withStore(context.io, options, async (store, tenantId) => {
        const reportId = id ?? (await store.listReports(tenantId, { limit: 1 }))[0]?.id;
        const report = reportId ? await store.getReport(tenantId, reportId) : undefined;
        if (!report) {
          throw new DriftError(
            "E_NOT_FOUND",
            id
              ? `No report ${id} for tenant ${tenantId}: run \`azure-drift check\` to make one.`
              : `No report for tenant ${tenantId} yet: run \`azure-drift check\` twice to make one.`,
          );
        }
        const filtered = applyReportFilters(report, {
          ignore: options.ignore ?? [],
          ...(minSeverity ? { minSeverity } : {}),
        });
        const { defaultCollectors } = await import("../collectors.js");
        await emitReport(context.io, filtered, format, {
          outputs: options.output,
          collectors: defaultCollectors(),
          minSeverity,
        });
        writeNextSteps(context.io, filtered, format, {
          ...(options.store ? { store: options.store } : {}),
          ...(report.base.baseline ? { baseline: report.base.baseline } : {}),
          saved: true,
        });
        context.setExitCode(reportExitCode(filtered));
      });
    },
  );
}

/** Adds `--store` and `--tenant`. */
export function storeOptions(command: Command): Command {
  return command
    .option("--store <dir|uri>", "the file store directory (default: ./.azure-drift) or a mongodb:// URI")
    .option("--tenant <id>", "the tenant id (default: AZURE_TENANT_ID, else the store's only tenant)");
}

/** Opens the existing store for `--tenant` (checked), runs `body`, closes it; store warnings go to stderr. */
export async function withStore(
  io: CliIo,
  options: StoreOptions,
  body: (store: Store, tenantId: string) => Promise<void>,
): Promise<void> {
  const given = options.tenant ?? io.env.AZURE_TENANT_ID;
  if (given !== undefined && !isGuid(given))
    throw new DriftError(
      "E_INPUT",
      `Invalid tenant id "${given}": a tenant id is a GUID (see az account show).`,
    );
  const logger = createCliLogger({
    output: io.stderr,
    format: chooseLogFormat(undefined, io),
    level: "warn",
  });
  // A missing store is said first: without one, there is no tenant to ask about.
  const store = await openExistingStore(options.store, io.cwd, logger);
  try {
    const tenantId = given ?? (await onlyTenant(store, options.store ?? DEFAULT_STORE_DIR));
    await body(store, tenantId.toLowerCase());
  } finally {
    await store.close();
  }
}

/** The store's tenant when it holds exactly one; otherwise an error that lists them or says there is none. */
async function onlyTenant(store: Store, location: string): Promise<string> {
  if (!store.listTenants)
    throw new DriftError("E_INPUT", "Which tenant? Pass --tenant ID or set AZURE_TENANT_ID.");
  const tenants = await store.listTenants();
  if (tenants.length === 1) return tenants[0]!;
  if (tenants.length === 0) {
    throw new DriftError(
      "E_NOT_FOUND",
      `The store at ${location} holds no snapshots yet: run \`azure-drift check\` first.`,
    );
  }
  throw new DriftError(
    "E_INPUT",
    `The store at ${location} holds ${tenants.length} tenants: pass --tenant with one of ${tenants.join(", ")} (or set AZURE_TENANT_ID).`,
  );
}

function parseNonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new DriftError("E_INPUT", `${name} must be a whole number, 0 or more: got "${value}".`);
  }
  return number;
}
