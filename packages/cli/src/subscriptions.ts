import { rootCertificates } from "node:tls";
import { DEFAULT_ARM_REQUEST_TIMEOUT_MS, hostGuardPolicy, requestTimeoutPolicy } from "@azure-drift/arm";
import { type ArmConnection, DriftError, type TokenCredential } from "@azure-drift/core";
import { armCallError } from "./errors.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks `--subscription` values: GUIDs, lower-cased, without duplicates. */
export function parseSubscriptionIds(values: readonly string[]): string[] {
  const ids: string[] = [];
  for (const raw of values) {
    for (const value of raw
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)) {
      if (!GUID.test(value)) {
        throw new DriftError(
          "E_INPUT",
          `Invalid subscription id "${value}": a subscription id is a GUID like 00000000-0000-0000-0000-000000000000 (see az account list).`,
        );
      }
      const id = value.toLowerCase();
      if (!ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/** Whether `value` is a GUID (tenant and subscription ids). */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** A subscription the credential can see. */
export interface VisibleSubscription {
  subscriptionId: string;
  tenantId?: string;
  displayName?: string;
  state?: string;
}

/**
 * The SDK client options for an ArmConnection: endpoint, token scopes (the cloud's audience), the
 * extra CA added to the system ones (never replacing them, never disabling verification) and a
 * short retry so an endpoint that does not answer fails in about a second.
 */
export function sdkClientOptions(arm: ArmConnection, retry: { maxRetries: number; retryDelayInMs: number }) {
  return {
    endpoint: arm.endpoint,
    // Generated ARM clients build URLs from `$host`, not `endpoint`: set both.
    $host: arm.endpoint,
    credentialScopes: arm.credentialScopes,
    retryOptions: { ...retry, maxRetryDelayInMs: 5_000 },
    // The same guards as the collectors': a timeout per attempt, and no request (nor token) to another host.
    additionalPolicies: [
      { position: "perCall" as const, policy: hostGuardPolicy(arm.endpoint) },
      {
        position: "perRetry" as const,
        policy: requestTimeoutPolicy(arm.requestTimeoutMs ?? DEFAULT_ARM_REQUEST_TIMEOUT_MS),
      },
    ],
    ...(arm.ca ? { tlsOptions: { ca: [...rootCertificates, arm.ca] } } : {}),
    userAgentOptions: { userAgentPrefix: "azure-drift-cli" },
  };
}

/**
 * Lists the subscriptions the credential can see (`GET /subscriptions`). This is the check's
 * preflight: it proves the endpoint answers and the token is accepted before anything is written.
 */
export async function listVisibleSubscriptions(
  credential: TokenCredential,
  arm: ArmConnection,
  signal?: AbortSignal,
): Promise<VisibleSubscription[]> {
  const { SubscriptionClient } = await import("@azure/arm-resources-subscriptions");
  const client = new SubscriptionClient(
    credential,
    sdkClientOptions(arm, { maxRetries: 2, retryDelayInMs: 300 }),
  );
  const found: VisibleSubscription[] = [];
  try {
    for await (const subscription of client.subscriptions.list(signal ? { abortSignal: signal } : {})) {
      if (!subscription.subscriptionId) continue;
      const id = subscription.subscriptionId.toLowerCase();
      // A list that repeats itself is a paging loop: stop instead of listing for ever.
      if (found.some((seen) => seen.subscriptionId === id)) {
        throw new DriftError(
          "E_NETWORK",
          `${arm.endpoint} listed subscription ${id} twice (a paging loop) while listing subscriptions: check --arm-endpoint, or try again later.`,
        );
      }
      found.push({
        subscriptionId: subscription.subscriptionId.toLowerCase(),
        ...(subscription.tenantId ? { tenantId: subscription.tenantId.toLowerCase() } : {}),
        ...(subscription.displayName ? { displayName: subscription.displayName } : {}),
        ...(subscription.state ? { state: subscription.state } : {}),
      });
    }
  } catch (error) {
    if (signal?.aborted) throw new DriftError("E_ABORTED", "The operation was cancelled.", { cause: error });
    throw armCallError(error, arm.endpoint, "listing subscriptions");
  }
  return found;
}

/** Whether a subscription is checked when it is not named: enabled (also past due or warned), not disabled. */
export function isCheckable(subscription: VisibleSubscription): boolean {
  return !subscription.state || /^(enabled|pastdue|warned)$/i.test(subscription.state);
}

/**
 * The subscriptions to check: the requested ones, each of which must be visible, or all visible
 * ones. Throws a DriftError saying what to do when one is not visible or none is.
 */
export function chooseSubscriptions(
  requested: string[],
  visible: VisibleSubscription[],
): VisibleSubscription[] {
  if (requested.length === 0) {
    const enabled = visible.filter(isCheckable);
    if (enabled.length === 0) {
      throw new DriftError(
        "E_INPUT",
        "The credential can see no enabled subscription: grant it the Reader role on a subscription, or pass --subscription ID.",
      );
    }
    return enabled;
  }
  return requested.map((id) => {
    const match = visible.find((sub) => sub.subscriptionId === id);
    if (!match) {
      throw new DriftError(
        "E_AUTH",
        `Subscription ${id} is not visible to this credential: check the id (az account list) and grant the identity the Reader role on it.`,
      );
    }
    return match;
  });
}
