import type {
  ArmConnection,
  CollectorContext,
  JsonObject,
  Limiter,
  ProgressEvent,
  TokenCredential,
} from "@azure-drift/core";
import { noopLogger } from "@azure-drift/core";
import { createTenant, type Tenant } from "@azure-drift/testing";

export const SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1";
export const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net`;

/** An NSG as ARM returns it, with `properties` (the SDK would lift them to the top). */
export function nsg(name: string, rules = 2): JsonObject {
  const id = `${GROUP}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
  return {
    id,
    name,
    type: "Microsoft.Network/networkSecurityGroups",
    location: "westeurope",
    etag: 'W/"1"',
    properties: {
      provisioningState: "Succeeded",
      resourceGuid: `guid-${name}`,
      securityRules: Array.from({ length: rules }, (_, i) => ({
        id: `${id}/securityRules/rule${i}`,
        name: `rule${i}`,
        etag: 'W/"1"',
        type: "Microsoft.Network/networkSecurityGroups/securityRules",
        properties: {
          provisioningState: "Succeeded",
          protocol: "Tcp",
          sourcePortRange: "*",
          destinationPortRange: String(1000 + i),
          sourceAddressPrefix: "10.0.0.0/8",
          destinationAddressPrefix: "*",
          access: "Allow",
          priority: 100 + i,
          direction: "Inbound",
        },
      })),
    },
  };
}

export function tenantWithNsgs(count: number): Tenant {
  return createTenant({
    tenantId: "00000000-0000-0000-0000-0000000000f0",
    subscriptions: [{ subscriptionId: SUBSCRIPTION, displayName: "net" }],
    resources: Array.from({ length: count }, (_, i) => nsg(`nsg${String(i).padStart(2, "0")}`)),
  });
}

/** A credential that hands out one token and records the scopes it was asked for. */
export function recordingCredential(token = "test-token"): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    async getToken(requested) {
      scopes.push(Array.isArray(requested) ? [...requested] : [requested]);
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/** A limiter that counts the calls it ran and the most at once. */
export function countingLimiter(): Limiter & { calls: number; max: number } {
  let active = 0;
  const limiter = (async <T>(fn: () => Promise<T>): Promise<T> => {
    limiter.calls++;
    active++;
    limiter.max = Math.max(limiter.max, active);
    try {
      return await fn();
    } finally {
      active--;
    }
  }) as Limiter & { calls: number; max: number };
  limiter.calls = 0;
  limiter.max = 0;
  return limiter;
}

export interface TestContext extends CollectorContext {
  events: ProgressEvent[];
  incomplete: { type: string; reason: string }[];
  warnings: { message: string; fields?: Record<string, unknown> }[];
  limiter: ReturnType<typeof countingLimiter>;
}

/** A collector context for `arm`, recording progress, coverage and warnings. Retries are fast. */
export function testContext(arm: ArmConnection, overrides: Partial<CollectorContext> = {}): TestContext {
  const events: ProgressEvent[] = [];
  const incomplete: { type: string; reason: string }[] = [];
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const limiter = countingLimiter();
  return {
    tenantId: "00000000-0000-0000-0000-0000000000f0",
    subscriptionId: SUBSCRIPTION,
    credential: recordingCredential(),
    arm: { retry: { maxRetries: 6, maxRetryDelayMs: 20 }, ...arm },
    signal: new AbortController().signal,
    limit: limiter,
    logger: {
      ...noopLogger,
      warn: (message, fields) => warnings.push(fields ? { message, fields } : { message }),
    },
    coverage: { incomplete: (type, reason) => incomplete.push({ type, reason }) },
    onProgress: (event) => events.push(event),
    events,
    incomplete,
    warnings,
    limiter,
    ...overrides,
  };
}

export async function collectAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
