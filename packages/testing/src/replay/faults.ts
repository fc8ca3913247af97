import { hashString, Random } from "../tenant/random.js";

/** A 403 on a subscription, a resource type, or a type in one subscription. */
export interface ForbiddenScope {
  /** Lower- or mixed-case subscription id; absent = every subscription. */
  subscriptionId?: string;
  /** ARM type, e.g. `Microsoft.Network/routeTables`; absent = every route in the subscription. */
  type?: string;
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
  private readonly forbiddenScopes: { subscriptionId?: string; type?: string }[];

  constructor(readonly faults: ReplayFaults) {
    this.forbiddenScopes = (faults.forbidden ?? []).map((scope) => ({
      ...(scope.subscriptionId ? { subscriptionId: scope.subscriptionId.toLowerCase() } : {}),
      ...(scope.type ? { type: scope.type.toLowerCase() } : {}),
    }));
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

  isForbidden(subscriptionId: string | undefined, type: string | undefined): boolean {
    return this.forbiddenScopes.some(
      (scope) =>
        (scope.subscriptionId === undefined || scope.subscriptionId === subscriptionId) &&
        (scope.type === undefined || type === scope.type),
    );
  }
}
