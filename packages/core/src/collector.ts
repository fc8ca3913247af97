import type { JsonObject } from "./model.js";
import type { Logger, ProgressEvent } from "./operation.js";
import type { SeverityRule } from "./rules/types.js";

/**
 * How a resource type is normalized before hashing and diffing. Paths here are dot-separated
 * property names in which arrays are transparent (an array's elements live at the array's path),
 * `*` matches one name and `**` any depth, e.g. `properties.subnets.properties.serviceEndpoints`.
 * Core's defaults apply on top of what a type declares.
 */
export interface NormalizationHints {
  /** Fields that change without meaning (timestamps of last sync…): dropped at these paths. */
  volatile?: string[];
  /**
   * Arrays of objects matched by these key fields instead of the default `name`, else `id`. A field
   * written `a|b` is whichever of `a`, `b` an element has (the first present), for arrays whose
   * entries are keyed by one field or another, e.g. `["category|categoryGroup"]`.
   */
  keyedArrays?: Record<string, string[]>;
  /** Primitive arrays compared as sets. Primitive arrays are sets by default; see `orderedArrays`. */
  unorderedArrays?: string[];
  /** Arrays whose order has meaning (DNS servers, rule lists evaluated in order). */
  orderedArrays?: string[];
  /** Values at these paths are secrets: redacted before hashing and storing. */
  secrets?: string[];
}

/** A resource type a collector emits, with its normalization hints. */
export interface ResourceTypeDefinition extends NormalizationHints {
  /** As ARM spells it, e.g. `Microsoft.Network/networkSecurityGroups`. Matched case-insensitively. */
  type: string;
  description?: string;
}

/** The minimal shape of `@azure/core-auth`'s TokenCredential, so core needs no Azure SDK. */
export interface TokenCredential {
  getToken(
    scopes: string | string[],
    options?: { abortSignal?: AbortSignal; tenantId?: string },
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Where and how collectors reach ARM: the public cloud, a sovereign cloud, or a replay server. */
export interface ArmConnection {
  /** The ARM endpoint, e.g. `https://management.azure.com`. */
  endpoint: string;
  /** The token scopes for that endpoint's audience, e.g. `https://management.azure.com/.default`. */
  credentialScopes: string[];
  /** Extra CA certificates (PEM) to trust: a private endpoint or the replay server. */
  ca?: string;
  /** Retry policy for 429/5xx: the SDK's retry policy, configured with these numbers. */
  retry?: { maxRetries?: number; maxRetryDelayMs?: number };
  /**
   * How long one ARM request may take, answer included, before it is abandoned and its listing
   * reported incomplete. Default 90 s (`@azure-drift/arm`'s `DEFAULT_ARM_REQUEST_TIMEOUT_MS`: ARM
   * itself gives up on a resource provider after 60 s).
   */
  requestTimeoutMs?: number;
  /**
   * How many pages one listing may take before it is stopped and reported incomplete (a paging
   * loop whose `nextLink` changes every time). Default 5,000 (`DEFAULT_MAX_PAGES_PER_LISTING`).
   */
  maxPagesPerListing?: number;
  /**
   * Sees the status of every ARM response, each attempt on its own (a 429 that the SDK retries is
   * one call, its retry another): for request and throttling metrics. Called synchronously from
   * the client pipeline; what it throws is logged and ignored, so keep it cheap. Connections that
   * fail without a response are not reported.
   */
  onResponse?: (info: ArmResponseInfo) => void;
}

/** One ARM response, as {@link ArmConnection.onResponse} sees it. */
export interface ArmResponseInfo {
  /** The HTTP status, e.g. `200`, `429`. */
  status: number;
  /** The HTTP method, e.g. `GET`. */
  method: string;
  /**
   * The request URL without its query string but for `api-version` (a `$skiptoken` or a `$filter`
   * says nothing a metric needs): `https://management.azure.com/subscriptions/…?api-version=…`.
   */
  url: string;
  /** The collector whose client sent it, if any. */
  collector?: string;
  /** The subscription the client was made for, lower-cased. */
  subscriptionId?: string;
}

/** A concurrency limiter shared by every collector of a check (p-limit compatible). */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** Lets a collector say that it could not enumerate a type completely. */
export interface CoverageReporter {
  /** Marks (this subscription, this collector, `type`) incomplete; its resources can then not be reported removed. */
  incomplete(type: string, reason: string): void;
}

/** What a collector gets for one subscription. */
export interface CollectorContext {
  tenantId: string;
  /** Lower-cased subscription id. */
  subscriptionId: string;
  credential: TokenCredential;
  arm: ArmConnection;
  signal: AbortSignal;
  limit: Limiter;
  logger: Logger;
  coverage: CoverageReporter;
  onProgress: (event: ProgressEvent) => void;
}

/**
 * What a collector gets to read named resources ({@link Collector.readResources}): the context of a
 * collection, plus a way to say that one resource, or one child collection of it, could not be read.
 */
export interface ReadResourcesContext extends CollectorContext {
  /**
   * Says that `resourceId` could not be read (a 403, a throttled or failed request): it and every
   * record under it (`resourceId/…`) are reported unknown, never removed nor unchanged. Pass a
   * child collection's path (`…/servers/s1/firewallRules`) when only that listing failed.
   * `context.coverage.incomplete(type, reason)` still works: it makes every record of `type` in the
   * read unknown unless it was yielded.
   */
  unreadable(resourceId: string, reason: string): void;
}

/**
 * A collector: gathers the configuration of a set of resource types for one subscription.
 *
 * `collect` yields each resource's JSON as the ARM REST API returns it (with `id`, `type` and
 * `name`); core turns it into a {@link ResourceRecord}: keyed, normalized, redacted and hashed.
 * A type the collector declares is complete unless it reports it incomplete or `collect` throws.
 */
export interface Collector {
  name: string;
  version: string;
  domain: string;
  types: ResourceTypeDefinition[];
  /** Severity rules for this collector's domain. */
  rules?: SeverityRule[];
  collect(context: CollectorContext): AsyncIterable<JsonObject>;
  /**
   * Optional: reads resources by id, for a targeted check (`DriftDetector.checkResources`). Yields
   * the current ARM JSON of each resource and of the child records `collect` would emit for it, in
   * the same shape as `collect` (so the same keys and hashes), reading by GET (one per resource,
   * plus the child listings `collect` makes for it), never by listing the subscription. A resource
   * that no longer exists (404) is simply not yielded: it is reported removed. One that could not be
   * read must be reported with `context.unreadable(id, reason)` (or its type with
   * `context.coverage.incomplete`), so it is reported unknown.
   *
   * `resourceIds` are the ids core routed to this collector: each is of a type the collector
   * declares, or the parent of one (a child record's parent is read with its children), as the
   * caller spelled them. A collector without this method makes its ids unknown in targeted checks.
   */
  readResources?(context: ReadResourcesContext, resourceIds: readonly string[]): AsyncIterable<JsonObject>;
}

/** Gives collector authors types and defaults: returns the collector, checked. */
export function defineCollector(collector: Collector): Collector {
  if (!collector.name || !collector.version || !collector.domain) {
    throw new TypeError("defineCollector: name, version and domain are required.");
  }
  if (collector.types.length === 0) {
    throw new TypeError(`defineCollector(${collector.name}): declare at least one resource type.`);
  }
  return { rules: [], ...collector };
}
