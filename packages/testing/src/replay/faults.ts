import { hashString, Random } from "../tenant/random.js";

/** A subscription, a resource type, or a type in one subscription (where a fault applies). */
export interface ForbiddenScope {
  /** Lower- or mixed-case subscription id; absent = every subscription. */
  subscriptionId?: string;
  /** ARM type, e.g. `Microsoft.Network/routeTables`; absent = every route in the subscription. */
  type?: string;
  /** Only the GET of this one resource (its ARM id, any case); its lists and children still answer. */
  resourceId?: string;
}

/**
 * Faults the replay server injects. Which request gets a fault is decided from the seed, the
 * request's method and URL, and how many times that URL was asked: the same run gets the same
 * faults whatever the order in which concurrent requests arrive.
 */
export interface ReplayFaults {
  /** Seed of the fault decisions (default 1). */
  seed?: number;
  /** Fraction of requests answered 429 Too Many Requests (0–1). */
  throttleRate?: number;
  /**
   * The `Retry-After` header of a 429, in seconds (default 1); `"none"` sends no `Retry-After` at all
   * (some ARM throttles do that); a large number (3600) is the "very long Retry-After" case.
   */
  retryAfter?: number | "none";
  /**
   * Also send `retry-after-ms` and `x-ms-retry-after-ms` with this many milliseconds (the Azure SDK
   * prefers them to `Retry-After`): keeps tests fast. Ignored when `retryAfter` is `"none"`.
   */
  retryAfterMs?: number;
  /** Fraction of requests answered 500 or 503 (alternating), with an ARM error body. */
  serverErrorRate?: number;
  /** Fraction of requests whose connection is dropped after part of the body was written. */
  dropRate?: number;
  /** Latency added to every request, on top of the server's `latencyMs`. */
  latencyMs?: number;
  /** Always answer 403 `AuthorizationFailed` here. */
  forbidden?: ForbiddenScope[];
  /**
   * Requests here are never answered: the server reads them and keeps the connection open, without a
   * status line, until the client gives up or the server closes (a list whose server never answers).
   */
  hang?: ForbiddenScope[];
  /** List pages here carry a `nextLink` back to the page itself, whatever is left: a paging loop. */
  nextLinkLoop?: ForbiddenScope[];
  /**
   * `nextLink`s name this host instead of `127.0.0.1`, on the same port: `localhost` (which the
   * certificate covers too) makes every nextLink a link to another host. Requests that arrive for
   * another host are counted in `stats.foreignHost`, with whether they carried a bearer token.
   */
  nextLinkHost?: string;
  /**
   * At most this many injected faults in a row for one URL (default 3), so a client with the
   * SDK's default retry count always gets through. `Infinity` leaves it to chance.
   */
  maxConsecutive?: number;
}

/** The fault chosen for one request. */
export type FaultDecision = "none" | "throttle" | "server-error" | "drop";

/** Decides faults deterministically per (URL, attempt). */
export class FaultPlan {
  private readonly attempts = new Map<string, number>();
  private readonly streaks = new Map<string, number>();
  private readonly forbiddenScopes: ForbiddenScope[];
  private readonly hangScopes: ForbiddenScope[];
  private readonly loopScopes: ForbiddenScope[];

  constructor(readonly faults: ReplayFaults) {
    this.forbiddenScopes = lowerScopes(faults.forbidden);
    this.hangScopes = lowerScopes(faults.hang);
    this.loopScopes = lowerScopes(faults.nextLinkLoop);
  }

  decide(method: string, url: string): FaultDecision {
    const throttle = this.faults.throttleRate ?? 0;
    const serverError = this.faults.serverErrorRate ?? 0;
    const drop = this.faults.dropRate ?? 0;
    if (throttle + serverError + drop <= 0) return "none";
    const key = `${method} ${url}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const streak = this.streaks.get(key) ?? 0;
    if (streak >= (this.faults.maxConsecutive ?? 3)) {
      this.streaks.set(key, 0);
      return "none";
    }
    const roll = new Random(hashString(`${this.faults.seed ?? 1}|${key}|${attempt}`)).next();
    const decision: FaultDecision =
      roll < throttle
        ? "throttle"
        : roll < throttle + serverError
          ? "server-error"
          : roll < throttle + serverError + drop
            ? "drop"
            : "none";
    this.streaks.set(key, decision === "none" ? 0 : streak + 1);
    return decision;
  }

  /** `resourceKey`: the lower-cased id a GET asks for (absent for lists). */
  isForbidden(subscriptionId: string | undefined, type: string | undefined, resourceKey?: string): boolean {
    return inScopes(this.forbiddenScopes, subscriptionId, type, resourceKey);
  }

  /** Whether a request here is left unanswered. */
  hangs(subscriptionId: string | undefined, type: string | undefined): boolean {
    return inScopes(this.hangScopes, subscriptionId, type);
  }

  /** Whether list pages here link back to themselves. */
  loops(subscriptionId: string | undefined, type: string | undefined): boolean {
    return inScopes(this.loopScopes, subscriptionId, type);
  }
}

function lowerScopes(scopes: readonly ForbiddenScope[] | undefined): ForbiddenScope[] {
  return (scopes ?? []).map((scope) => ({
    ...(scope.subscriptionId ? { subscriptionId: scope.subscriptionId.toLowerCase() } : {}),
    ...(scope.type ? { type: scope.type.toLowerCase() } : {}),
    ...(scope.resourceId ? { resourceId: scope.resourceId.toLowerCase() } : {}),
  }));
}

function inScopes(
  scopes: readonly ForbiddenScope[],
  subscriptionId: string | undefined,
  type: string | undefined,
  resourceKey?: string,
): boolean {
  return scopes.some(
    (scope) =>
      (scope.subscriptionId === undefined || scope.subscriptionId === subscriptionId) &&
      (scope.type === undefined || type === scope.type) &&
      (scope.resourceId === undefined || resourceKey === scope.resourceId),
  );
}
