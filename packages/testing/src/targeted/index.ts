import type {
  Collector,
  DriftDetector,
  DriftReport,
  ResourceDrift,
  TargetedCheckRequest,
  UnknownEntry,
} from "@azure-drift/core";
import {
  createDriftDetector,
  createMemoryStore,
  isResourceOrChildOf,
  parseResourceId,
  staticTokenCredential,
} from "@azure-drift/core";
import { type ArmReplayServer, startArmReplayServer } from "../replay/server.js";
import { type GenerateTenantOptions, generateTenant } from "../tenant/generate.js";
import { type MutateTenantOptions, mutateTenant } from "../tenant/mutate.js";
import type { Tenant } from "../tenant/tenant.js";
import { filterTruth, type TruthChange } from "../tenant/types.js";

/** A targeted check's report next to what the full check that follows it says of the same resources. */
export interface TargetedComparison {
  /** The targeted check's report (saved). */
  targeted: DriftReport;
  /** The full check's report (its snapshot committed). */
  full: DriftReport;
  /**
   * The full report's drift of the resources asked for and of the child records under them, in its
   * order: what the targeted report's `resources` must equal when the collectors' `readResources`
   * read what `collect` lists, in the same shape.
   */
  fullOfTargets: ResourceDrift[];
}

/**
 * Runs a targeted check of `request.resourceIds`, then a full check of their subscription, for a
 * collector author's test of `readResources`: a resource read by id must be reported exactly as the
 * full check reports it (same paths, values, severities and rules), and the full check reports it
 * again (a targeted check stores no snapshot). Compare `targeted.resources` with `fullOfTargets`.
 */
export async function targetedThenFull(
  detector: DriftDetector,
  request: TargetedCheckRequest,
  options: {
    /** Called between the two checks, e.g. to read the replay server's request counts of the targeted one. */
    afterTargeted?: (report: DriftReport) => void;
  } = {},
): Promise<TargetedComparison> {
  const { report: targeted } = await detector.checkResources(request);
  options.afterTargeted?.(targeted);
  const { report: full } = await detector.check({
    tenantId: request.tenantId,
    subscriptions: [request.subscriptionId],
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const asked = request.resourceIds.map((id) => id.toLowerCase());
  const fullOfTargets = full.resources.filter((drift) =>
    asked.some((key) => isResourceOrChildOf(drift.key, key)),
  );
  return { targeted, full, fullOfTargets };
}

/**
 * The replay-server routes a targeted read of `ids` GETs, with their counts: one `get {type}` per id
 * that no other id of the list holds (a parent asked for reads its children itself), and what
 * `childReads` says each such id reads besides (its child listings, a route once per request; none
 * for an id the tenant no longer holds), given its lower-cased id and type.
 */
export function expectedTargetedGets(
  ids: readonly string[],
  childReads: (key: string, type: string) => readonly string[] = () => [],
): Record<string, number> {
  const keys = ids.map((id) => id.toLowerCase());
  const routes: Record<string, number> = {};
  for (const key of keys) {
    if (keys.some((other) => other !== key && key.startsWith(`${other}/`))) continue;
    const type = String(parseResourceId(key).type).toLowerCase();
    countRoute(routes, `get ${type}`);
    for (const route of childReads(key, type)) countRoute(routes, route);
  }
  return routes;
}

/** Adds `n` requests of `route` to `routes` (none when `n` is 0). */
export function countRoute(routes: Record<string, number>, route: string, n = 1): void {
  if (n > 0) routes[route] = (routes[route] ?? 0) + n;
}

/**
 * The `unknown` entry a targeted check reports for a resource whose GET by id was answered 403
 * (through `@azure-drift/arm`'s `getResourceById`), exactly.
 */
export function unknownAfter403(id: string, collector: string): UnknownEntry {
  const { subscriptionId, type } = parseResourceId(id);
  return {
    id,
    scope: subscriptionId,
    type: String(type),
    collector,
    reason: `could not be read: HTTP 403 reading ${type}: the credential lacks read access (grant Reader).`,
  };
}

/** Options of {@link startDriftScenario}. */
export interface DriftScenarioOptions {
  collector: Collector;
  /** The tenant to generate (one subscription is the one checked). */
  tenant: GenerateTenantOptions;
  /** The churn after the first check; only `types` change. */
  mutate: Omit<MutateTenantOptions, "types">;
  /** The collector's ARM types: what is mutated, and what the truth is filtered to. */
  types: readonly string[];
}

/** A replay tenant checked once, then changed: what a targeted-check test starts from. */
export interface DriftScenario {
  tenant: Tenant;
  server: ArmReplayServer;
  detector: DriftDetector;
  /** The first subscription: the one checked. */
  subscriptionId: string;
  /** What the mutation changed, filtered to `types`. */
  truth: TruthChange[];
  /**
   * {@link targetedThenFull} of `ids` in the subscription, with the server's requests per route
   * counted from the targeted check's start to its end (`routes`).
   */
  targetedThenFull(ids: string[]): Promise<TargetedComparison & { routes: Record<string, number> }>;
  /**
   * A targeted check of `ids` while the server answers 403 for `forbiddenType` (the faults are
   * cleared after): its report, for a test that a resource that cannot be read is unknown.
   */
  checkForbidden(ids: string[], forbiddenType: string): Promise<DriftReport>;
  close(): Promise<void>;
}

/**
 * Generates a tenant, serves it, runs a full check of its first subscription with `collector`
 * (memory store, fast retries), then mutates it: the start of a test of `readResources`.
 */
export async function startDriftScenario(options: DriftScenarioOptions): Promise<DriftScenario> {
  const tenant = generateTenant(options.tenant);
  const subscriptionId = tenant.subscriptions[0]!.subscriptionId;
  const server = await startArmReplayServer({ tenant, pageSize: 20 });
  try {
    const detector = createDriftDetector({
      collectors: [options.collector],
      store: createMemoryStore(),
      credential: staticTokenCredential("replay-token"),
      arm: { ...server.connection(), retry: { maxRetries: 2, maxRetryDelayMs: 20 } },
    });
    await detector.check({ tenantId: tenant.tenantId, subscriptions: [subscriptionId] });
    const { changes } = mutateTenant(tenant, { ...options.mutate, types: options.types });
    return {
      tenant,
      server,
      detector,
      subscriptionId,
      truth: filterTruth(changes, options.types),
      async targetedThenFull(ids) {
        server.resetStats();
        let routes: Record<string, number> = {};
        const comparison = await targetedThenFull(
          detector,
          { tenantId: tenant.tenantId, subscriptionId, resourceIds: ids },
          { afterTargeted: () => (routes = { ...server.stats.byRoute }) },
        );
        return { ...comparison, routes };
      },
      async checkForbidden(ids, forbiddenType) {
        server.setFaults({ forbidden: [{ type: forbiddenType }] });
        try {
          return (
            await detector.checkResources({ tenantId: tenant.tenantId, subscriptionId, resourceIds: ids })
          ).report;
        } finally {
          server.setFaults({});
        }
      },
      close: () => server.close(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
