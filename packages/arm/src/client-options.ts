import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import type { CommonClientOptions } from "@azure/core-client";
import type { TlsSettings } from "@azure/core-rest-pipeline";
import type { ArmConnection, CollectorContext } from "@azure-drift/core";
import { DEFAULT_ARM_REQUEST_TIMEOUT_MS, hostGuardPolicy, requestTimeoutPolicy } from "./request-guards.js";
import { responseObserverPolicy } from "./response-observer.js";
import { throttleGuardPolicy } from "./throttle-policy.js";

/** Retry defaults when the context's {@link ArmConnection} does not set them. */
export const DEFAULT_ARM_RETRY = { maxRetries: 6, maxRetryDelayMs: 30_000 } as const;

/** The default cap on a `Retry-After` the client will wait for; longer requests fail and coverage goes incomplete. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;

/** Options of {@link armClientOptions} beyond what the context carries. */
export interface ArmClientOptionsExtra {
  /** A `Retry-After` longer than this fails the request. Default {@link DEFAULT_MAX_RETRY_AFTER_MS}. */
  maxRetryAfterMs?: number;
  /** First backoff for a 429 that has no `Retry-After`, doubled per attempt. Default 1 s. */
  throttleBaseDelayMs?: number;
}

/**
 * Client options every `@azure/arm-*` client accepts (`CommonClientOptions`), plus the `$host` that
 * generated ARM clients use to build URLs (they ignore `endpoint` for that).
 */
export type ArmClientOptions = CommonClientOptions & {
  endpoint: string;
  $host: string;
  credentialScopes: string[];
};

// One TLS settings object per connection: the SDK caches its HTTPS agent by this object's identity,
// so every client of a check then shares keep-alive connections.
const tlsSettingsByConnection = new WeakMap<ArmConnection, TlsSettings>();

// One secure context per CA: building one parses every trusted certificate, which costs tens of
// milliseconds of CPU with the public roots included; Node would otherwise redo it per connection.
const secureContextByCa = new Map<string, SecureContext>();

function tlsSettingsFor(arm: ArmConnection): TlsSettings | undefined {
  if (!arm.ca) return undefined;
  let settings = tlsSettingsByConnection.get(arm);
  if (!settings) {
    let secureContext = secureContextByCa.get(arm.ca);
    if (!secureContext) {
      // A `ca` replaces Node's trust store, so the context trusts the public roots plus the extra CA.
      secureContext = createSecureContext({ ca: [...rootCertificates, arm.ca] });
      secureContextByCa.set(arm.ca, secureContext);
    }
    // The SDK hands these settings to its HTTPS agent, which passes `secureContext` on to tls.connect.
    // `ca` alone (the extra CA, without the public roots) is what the agent would use without it.
    settings = { ca: arm.ca, secureContext } as TlsSettings;
    tlsSettingsByConnection.set(arm, settings);
  }
  return settings;
}

/**
 * Options for an `@azure/arm-*` client that talks to `context.arm`: its endpoint and the token scope
 * of that endpoint's audience (sovereign clouds refuse tokens for another audience), its extra CA
 * added to the trusted roots (TLS verification is never turned off), the SDK's own retry policy
 * configured from `context.arm.retry`, and a throttle guard for what that policy does not handle
 * (a 429 without `Retry-After`; a `Retry-After` too long to wait for), a timeout per attempt
 * (`context.arm.requestTimeoutMs`, default {@link DEFAULT_ARM_REQUEST_TIMEOUT_MS}) and a guard that
 * never sends a request (and its token) to another host than the endpoint. Retries are announced as
 * `retry` progress events; with `context.arm.onResponse`, every response's status (each attempt) is
 * handed to it too (for request and throttling metrics). Pass `context.signal` as each operation's `abortSignal`.
 *
 * @param collector the collector's name, for progress events and logs.
 * @example
 * ```ts
 * const client = new NetworkManagementClient(context.credential, context.subscriptionId, armClientOptions(context, NAME));
 * ```
 */
export function armClientOptions(
  context: CollectorContext,
  collector: string,
  extra: ArmClientOptionsExtra = {},
): ArmClientOptions {
  const maxRetries = context.arm.retry?.maxRetries ?? DEFAULT_ARM_RETRY.maxRetries;
  const maxRetryDelayMs = context.arm.retry?.maxRetryDelayMs ?? DEFAULT_ARM_RETRY.maxRetryDelayMs;
  const endpoint = context.arm.endpoint.replace(/\/+$/, "");
  const options: ArmClientOptions = {
    endpoint,
    $host: endpoint,
    credentialScopes: [...context.arm.credentialScopes],
    retryOptions: {
      maxRetries,
      retryDelayInMs: Math.min(1000, maxRetryDelayMs),
      maxRetryDelayInMs: maxRetryDelayMs,
    },
    additionalPolicies: [
      // Before anything is sent: a request to another host (a nextLink elsewhere) never gets the token.
      { position: "perCall", policy: hostGuardPolicy(endpoint) },
      {
        position: "perRetry",
        policy: requestTimeoutPolicy(context.arm.requestTimeoutMs ?? DEFAULT_ARM_REQUEST_TIMEOUT_MS),
      },
      {
        position: "perRetry",
        policy: throttleGuardPolicy({
          maxRetries,
          maxDelayMs: maxRetryDelayMs,
          maxRetryAfterMs: extra.maxRetryAfterMs ?? Math.max(DEFAULT_MAX_RETRY_AFTER_MS, maxRetryDelayMs),
          baseDelayMs: Math.min(extra.throttleBaseDelayMs ?? 1000, maxRetryDelayMs),
          serverErrorBaseDelayMs: Math.min(1000, maxRetryDelayMs),
          logger: context.logger,
          onProgress: context.onProgress,
          subscriptionId: context.subscriptionId,
          collector,
        }),
      },
    ],
    // Only the SDK's allow-listed headers are logged, never the Authorization header or bodies.
    userAgentOptions: { userAgentPrefix: `azure-drift/${collector}` },
  };
  const { onResponse } = context.arm;
  if (onResponse) {
    // Last of the per-retry policies, so next to the wire: it sees each attempt's status before the
    // throttle guard or the retry policy act on it.
    options.additionalPolicies?.push({
      position: "perRetry",
      policy: responseObserverPolicy({
        onResponse,
        logger: context.logger,
        collector,
        subscriptionId: context.subscriptionId,
      }),
    });
  }
  const tlsOptions = tlsSettingsFor(context.arm);
  if (tlsOptions) options.tlsOptions = tlsOptions;
  return options;
}
