/**
 * The collector conformance suite: runs a collector through core's `runCollector` against the ARM
 * replay server and a generated tenant, and checks what every collector must do.
 */
import {
  type Collector,
  type CollectorOutcome,
  createDriftDetector,
  createMemoryStore,
  createRecord,
  createTypeRegistry,
  isDriftError,
  type JsonObject,
  type Logger,
  type ResourceRecord,
  runCollector,
  staticTokenCredential,
} from "@azure-drift/core";
import { type ArmReplayServer, type ArmReplayServerOptions, startArmReplayServer } from "../replay/server.js";
import { generateTenant } from "../tenant/generate.js";
import { kindOfType } from "../tenant/shapes.js";
import { resourcesOf, type Tenant } from "../tenant/tenant.js";
import type { ResourceKind } from "../tenant/types.js";

/** The shape of vitest's (or jest's, or node:test's) `test`: the suite never imports a runner. */
export type ConformanceTest = (name: string, fn: () => Promise<void>, timeout?: number) => unknown;

/** Options of {@link collectorConformanceSuite}. */
export interface CollectorConformanceOptions {
  /** Resources in the generated tenant (default 200, over 2 subscriptions). */
  resources?: number;
  seed?: number;
  /** Weights of the generated types; default: every declared type the generator knows, equally. */
  mix?: Partial<Record<ResourceKind, number>>;
  /** A tenant of your own instead of a generated one (a fresh one per test). */
  tenant?: () => Tenant;
  /**
   * The ARM resources the collector must yield for one subscription. Default: the tenant's
   * resources of the declared types whose id is in that subscription.
   */
  expected?: (tenant: Tenant, subscriptionId: string) => JsonObject[];
  /** The declared type to answer 403 for in the coverage test (default: the first declared type the tenant holds). */
  forbiddenType?: string;
  /** Items per page (default 3, so paging is exercised). */
  pageSize?: number;
  /** Concurrency of the limiter handed to the collector (default 4). */
  concurrency?: number;
  /** Timeout per test in ms (default 60 000). */
  timeoutMs?: number;
}

const TOKEN = "conformance-bearer-token-0f6c1d2e";
const SECRET = "c29tZS1zZWNyZXQta2V5LXZhbHVlLTQyNDI0Mg==";

/** A p-limit compatible limiter. */
function createLimiter(concurrency: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= concurrency) return;
    const start = queue.shift();
    if (start) {
      active++;
      start();
    }
  };
  return <T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        fn()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  return { error: log("error"), warn: log("warn"), info: log("info"), debug: log("debug") };
}

interface Collected {
  records: ResourceRecord[];
  outcomes: CollectorOutcome[];
  logs: string[];
}

function fail(message: string): never {
  throw new Error(`collector conformance: ${message}`);
}

/** Compares two sorted key lists and says which keys are missing and which are extra. */
function expectSameKeys(actual: string[], expected: string[], what: string): void {
  const got = new Set(actual);
  const want = new Set(expected);
  const missing = expected.filter((key) => !got.has(key));
  const extra = actual.filter((key) => !want.has(key));
  if (missing.length || extra.length || actual.length !== expected.length) {
    fail(
      `${what}: ${actual.length} records for ${expected.length} resources; missing ${missing.length} (${missing.slice(0, 5).join(", ")}); extra ${extra.length} (${extra.slice(0, 5).join(", ")})`,
    );
  }
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) fail(`${what}\n  expected: ${b.slice(0, 2000)}\n  actual:   ${a.slice(0, 2000)}`);
}

/**
 * Registers the collector conformance tests with `test`. A collector package hooks it up in three
 * lines:
 *
 * ```ts
 * import { test } from "vitest";
 * import { collectorConformanceSuite } from "@azure-drift/testing";
 * collectorConformanceSuite(test, () => createNetworkCollector());
 * ```
 *
 * Each test starts its own replay server on a generated tenant holding the collector's declared
 * types, and runs the collector for every subscription through core's `runCollector`.
 */
export function collectorConformanceSuite(
  test: ConformanceTest,
  collectorFactory: () => Collector | Promise<Collector>,
  options: CollectorConformanceOptions = {},
): void {
  const timeout = options.timeoutMs ?? 60_000;

  const makeTenant = async (): Promise<{ tenant: Tenant; collector: Collector }> => {
    const collector = await collectorFactory();
    if (options.tenant) return { tenant: options.tenant(), collector };
    const mix: Partial<Record<ResourceKind, number>> = options.mix ?? {};
    if (!options.mix) {
      for (const definition of collector.types) {
        const kind = kindOfType(definition.type);
        if (kind) mix[kind] = 1;
      }
    }
    if (Object.keys(mix).length === 0) {
      fail(
        `the generator knows none of ${collector.name}'s types (${collector.types.map((t) => t.type).join(", ")}); pass options.tenant.`,
      );
    }
    return {
      tenant: generateTenant({ seed: options.seed ?? 20240601, resources: options.resources ?? 200, mix }),
      collector,
    };
  };

  const expectedResources = (tenant: Tenant, collector: Collector, subscriptionId: string) =>
    options.expected
      ? options.expected(tenant, subscriptionId)
      : resourcesOf(tenant, { types: collector.types.map((definition) => definition.type), subscriptionId });
  const expectedFor = (tenant: Tenant, collector: Collector, subscriptionId: string) =>
    expectedResources(tenant, collector, subscriptionId)
      .map((resource) => String(resource.id).toLowerCase())
      .sort();

  const withServer = async <T>(
    tenant: Tenant,
    serverOptions: Partial<ArmReplayServerOptions>,
    run: (server: ArmReplayServer) => Promise<T>,
  ): Promise<T> => {
    const server = await startArmReplayServer({
      tenant,
      pageSize: options.pageSize ?? 3,
      token: TOKEN,
      ...serverOptions,
    });
    try {
      return await run(server);
    } finally {
      await server.close();
    }
  };

  const collectAll = async (
    server: ArmReplayServer,
    collector: Collector,
    signal?: AbortSignal,
  ): Promise<Collected> => {
    const records: ResourceRecord[] = [];
    const outcomes: CollectorOutcome[] = [];
    const logs: string[] = [];
    const limit = createLimiter(options.concurrency ?? 4);
    for (const subscription of server.tenant.subscriptions) {
      outcomes.push(
        await runCollector(collector, {
          tenantId: server.tenant.tenantId,
          subscriptionId: subscription.subscriptionId,
          credential: staticTokenCredential(TOKEN),
          arm: server.connection(),
          limit,
          logger: recordingLogger(logs),
          onRecords: async (batch) => {
            records.push(...batch);
          },
          ...(signal ? { signal } : {}),
        }),
      );
    }
    return { records, outcomes, logs };
  };

  const keysBySubscription = (records: ResourceRecord[], subscriptionId: string) =>
    records
      .filter((record) => record.subscriptionId === subscriptionId)
      .map((record) => record.key)
      .sort();

  test(
    "collects a replay tenant completely: records match the tenant's resources of its types",
    async () => {
      const { tenant, collector } = await makeTenant();
      await withServer(tenant, {}, async (server) => {
        const { records, outcomes } = await collectAll(server, collector);
        let total = 0;
        for (const subscription of tenant.subscriptions) {
          const expected = expectedFor(tenant, collector, subscription.subscriptionId);
          total += expected.length;
          expectSameKeys(
            keysBySubscription(records, subscription.subscriptionId),
            expected,
            `records of ${subscription.subscriptionId}`,
          );
        }
        if (total === 0)
          fail("the tenant holds none of the collector's resources; pass options.mix or options.tenant.");
        if (new Set(records.map((record) => record.key)).size !== records.length)
          fail("a resource was yielded twice.");
        for (const outcome of outcomes) {
          if (outcome.run.outcome !== "succeeded")
            fail(`outcome ${outcome.run.outcome}: ${outcome.run.error}`);
          const incomplete = outcome.coverage.filter((entry) => !entry.complete);
          if (incomplete.length) fail(`incomplete coverage without faults: ${JSON.stringify(incomplete)}`);
        }
        for (const record of records) {
          const served = tenant.resources.get(record.key);
          if (served && served.id !== record.id)
            fail(`record ${record.key} has id ${record.id}, the server said ${String(served.id)}.`);
        }
      });
    },
    timeout,
  );

  test(
    "follows paging to the end (two items per page)",
    async () => {
      const { tenant, collector } = await makeTenant();
      await withServer(tenant, { pageSize: 2 }, async (server) => {
        const { records } = await collectAll(server, collector);
        for (const subscription of tenant.subscriptions) {
          expectSameKeys(
            keysBySubscription(records, subscription.subscriptionId),
            expectedFor(tenant, collector, subscription.subscriptionId),
            `records of ${subscription.subscriptionId} with two items per page`,
          );
        }
        const expectedTotal = tenant.subscriptions.reduce(
          (sum, s) => sum + expectedFor(tenant, collector, s.subscriptionId).length,
          0,
        );
        if (server.stats.pages < Math.ceil(expectedTotal / 2)) {
          fail(`only ${server.stats.pages} pages were read for ${expectedTotal} resources at two per page.`);
        }
      });
    },
    timeout,
  );

  test(
    "every record key is the lower-cased ARM id",
    async () => {
      const { tenant, collector } = await makeTenant();
      await withServer(tenant, {}, async (server) => {
        const { records } = await collectAll(server, collector);
        for (const record of records) {
          if (record.key !== record.id.toLowerCase())
            fail(`key ${record.key} is not the lower-cased id ${record.id}.`);
          if (!/^\/(subscriptions|providers)\//.test(record.key)) fail(`key ${record.key} is not an ARM id.`);
          if (record.subscriptionId !== record.subscriptionId.toLowerCase())
            fail(`subscriptionId ${record.subscriptionId} is not lower-cased.`);
        }
      });
    },
    timeout,
  );

  test(
    "survives 20 % 429s with Retry-After: identical output",
    async () => {
      const { tenant, collector } = await makeTenant();
      const clean = await withServer(tenant, {}, (server) => collectAll(server, collector));
      await withServer(
        tenant,
        { faults: { throttleRate: 0.2, retryAfter: 1, retryAfterMs: 10, seed: 7 } },
        async (server) => {
          const throttled = await collectAll(server, collector);
          if (server.stats.throttled === 0)
            fail("the server throttled nothing; the tenant is too small to test.");
          const summary = (collected: Collected) =>
            collected.records.map((record) => `${record.key} ${record.hash}`).sort();
          expectEqual(summary(throttled), summary(clean), "records under 20 % 429s");
          for (const outcome of throttled.outcomes) {
            if (outcome.run.outcome !== "succeeded")
              fail(`outcome under throttling: ${outcome.run.outcome}: ${outcome.run.error}`);
          }
        },
      );
    },
    timeout,
  );

  test(
    "a 403 on one type gives incomplete coverage for that type, not an exception or missing records",
    async () => {
      const { tenant, collector } = await makeTenant();
      const declared = collector.types.map((definition) => definition.type);
      const forbiddenType =
        options.forbiddenType ??
        declared.find((type) =>
          resourcesOf(tenant, { types: [type] }).some((resource) =>
            String(resource.id).startsWith("/subscriptions/"),
          ),
        );
      if (!forbiddenType) fail("no declared type has resources in the tenant.");
      await withServer(tenant, { faults: { forbidden: [{ type: forbiddenType }] } }, async (server) => {
        const { records, outcomes } = await collectAll(server, collector);
        const forbiddenKey = forbiddenType.toLowerCase();
        for (const outcome of outcomes) {
          const entry = outcome.coverage.find(
            (candidate) =>
              candidate.type.toLowerCase() === forbiddenKey && candidate.scope === outcome.run.scope,
          );
          if (!entry || entry.complete)
            fail(
              `coverage of ${forbiddenType} in ${outcome.run.scope} is not marked incomplete: ${JSON.stringify(outcome.coverage)}`,
            );
        }
        for (const subscription of tenant.subscriptions) {
          // Types from the expected records: a collector may yield records the tenant holds elsewhere
          // (the identity collector's built-in roles are fetched at subscription scope).
          const expectedTypes = new Map(
            expectedResources(tenant, collector, subscription.subscriptionId).map((resource) => [
              String(resource.id).toLowerCase(),
              String(resource.type).toLowerCase(),
            ]),
          );
          const others = [...expectedTypes]
            .filter(([, type]) => type !== forbiddenKey)
            .map(([key]) => key)
            .sort();
          const got = records
            .filter(
              (record) =>
                record.subscriptionId === subscription.subscriptionId &&
                record.type.toLowerCase() !== forbiddenKey,
            )
            .map((record) => record.key)
            .sort();
          // Types whose listing depends on the forbidden one (children of it) may be missing too; they must then be incomplete.
          const missing = others.filter((key) => !got.includes(key));
          for (const key of missing) {
            const type = expectedTypes.get(key);
            const covered = outcomes
              .find((outcome) => outcome.run.scope === subscription.subscriptionId)
              ?.coverage.find((entry) => entry.type.toLowerCase() === type);
            if (!covered || covered.complete) fail(`${key} is missing while ${type} is marked complete.`);
          }
        }
      });
    },
    timeout,
  );

  test(
    "an aborted signal stops it promptly with E_ABORTED",
    async () => {
      const { tenant, collector } = await makeTenant();
      await withServer(tenant, { pageSize: 1, latencyMs: 20 }, async (server) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 60);
        const error = await collectAll(server, collector, controller.signal).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        clearTimeout(timer);
        if (!isDriftError(error, "E_ABORTED")) fail(`expected a DriftError E_ABORTED, got ${String(error)}`);
        const atAbort = server.stats.requests;
        await new Promise((resolve) => setTimeout(resolve, 150));
        // Requests already on the wire may land; no new pages may be asked for after the abort.
        if (server.stats.requests > atAbort + (options.concurrency ?? 4)) {
          fail(`the collector kept requesting after the abort (${atAbort} → ${server.stats.requests}).`);
        }
      });
    },
    timeout,
  );

  test(
    "reads by id what it collects (readResources, for targeted checks): the same keys and hashes; a deleted resource is gone, not unreadable",
    async () => {
      const { tenant, collector } = await makeTenant();
      await withServer(tenant, {}, async (server) => {
        const { records } = await collectAll(server, collector);
        const subscriptionId = tenant.subscriptions.find((subscription) =>
          records.some((record) => record.subscriptionId === subscription.subscriptionId),
        )?.subscriptionId;
        if (subscriptionId === undefined) fail("nothing was collected.");
        const own = records.filter((record) => record.subscriptionId === subscriptionId);
        if (!collector.readResources) {
          // Core's fallback: its ids are reported unknown by a targeted check, never dropped.
          const detector = createDriftDetector({
            collectors: [collector],
            store: createMemoryStore(),
            credential: staticTokenCredential(TOKEN),
            arm: server.connection(),
          });
          await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
          const id = own[0]!.id;
          const { report } = await detector.checkResources({
            tenantId: tenant.tenantId,
            subscriptionId,
            resourceIds: [id],
          });
          if (
            !report.unknown.some(
              (entry) => entry.id === id && entry.reason.includes("cannot read resources by id"),
            )
          )
            fail(`a targeted check of ${id} did not report it unknown: ${JSON.stringify(report.unknown)}`);
          return;
        }
        // A resource deleted since the collection, with nothing of the collector's under it.
        const gone = own.find(
          (record) =>
            tenant.resources.has(record.key) && !own.some((other) => other.key.startsWith(`${record.key}/`)),
        );
        if (!gone) fail("no collected record can be deleted from the tenant for the 404 case.");
        tenant.resources.delete(gone.key);
        const unreadable: string[] = [];
        const registry = createTypeRegistry(collector.types);
        const read = new Map<string, string>();
        const logs: string[] = [];
        for await (const resource of collector.readResources(
          {
            tenantId: tenant.tenantId,
            subscriptionId,
            credential: staticTokenCredential(TOKEN),
            arm: server.connection(),
            signal: new AbortController().signal,
            limit: createLimiter(options.concurrency ?? 4),
            logger: recordingLogger(logs),
            coverage: { incomplete: (type, reason) => unreadable.push(`${type}: ${reason}`) },
            onProgress: () => {},
            unreadable: (id, reason) => unreadable.push(`${id}: ${reason}`),
          },
          own.map((record) => record.id),
        )) {
          const record = createRecord(
            resource,
            { collector: collector.name, domain: collector.domain },
            registry,
          );
          const earlier = read.get(record.key);
          if (earlier !== undefined && earlier !== record.hash)
            fail(`${record.key} was read twice, differently.`);
          read.set(record.key, record.hash);
        }
        if (unreadable.length > 0)
          fail(`reads reported unreadable without faults: ${unreadable.slice(0, 3).join("; ")}`);
        const expected = own.filter((record) => record.key !== gone.key);
        expectSameKeys(
          [...read.keys()].sort(),
          expected.map((record) => record.key).sort(),
          "records read by id",
        );
        for (const record of expected) {
          if (read.get(record.key) !== record.hash)
            fail(
              `${record.key} read by id hashes differently from its collected record: not the same shape.`,
            );
        }
      });
    },
    timeout,
  );

  test(
    "a bad or expired token (401) throws E_AUTH: nothing can work, so no partial result",
    async () => {
      const { tenant, collector } = await makeTenant();
      await withServer(tenant, {}, async (server) => {
        const subscriptionId = server.tenant.subscriptions[0]?.subscriptionId ?? "";
        const logs: string[] = [];
        const incomplete: string[] = [];
        let yielded = 0;
        const error = await (async () => {
          for await (const _ of collector.collect({
            tenantId: server.tenant.tenantId,
            subscriptionId,
            credential: staticTokenCredential("an-expired-token"),
            arm: server.connection(),
            signal: new AbortController().signal,
            limit: createLimiter(options.concurrency ?? 4),
            logger: recordingLogger(logs),
            coverage: { incomplete: (type) => incomplete.push(type) },
            onProgress: () => {},
          })) {
            yielded++;
          }
        })().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        if (!isDriftError(error, "E_AUTH")) {
          fail(
            `expected a DriftError E_AUTH, got ${error === undefined ? `the end of the collection (${yielded} resources; incomplete: ${incomplete.join(", ") || "none"})` : String(error)}`,
          );
        }
        if (yielded > 0) fail(`${yielded} resources were yielded with a token ARM refused.`);
      });
    },
    timeout,
  );

  test(
    "no secrets in records, coverage or logs",
    async () => {
      const { tenant, collector } = await makeTenant();
      for (const resource of tenant.resources.values()) {
        const properties = resource.properties as JsonObject | undefined;
        if (!properties || typeof properties !== "object") continue;
        properties.connectionString = `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${SECRET}`;
        properties.password = SECRET;
      }
      await withServer(
        tenant,
        { faults: { throttleRate: 0.1, retryAfterMs: 5, seed: 3 } },
        async (server) => {
          const collected = await collectAll(server, collector);
          const text = JSON.stringify(collected);
          if (collected.records.length === 0) fail("nothing was collected.");
          if (text.includes(SECRET)) fail("a secret value reached a record, the coverage or a log line.");
          if (text.includes(TOKEN)) fail("the bearer token reached a record, the coverage or a log line.");
        },
      );
    },
    timeout,
  );
}
