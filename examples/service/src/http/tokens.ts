import { DriftError } from "@azure-drift/core";
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { OidcConfig } from "../config.js";

/** Who called, as the verified token says. */
export interface Principal {
  /** `sub`: the caller's stable id at the issuer. */
  subject: string;
  /** `oid`: the Entra object id of the user or service principal, when the issuer is Entra. */
  objectId?: string;
  /** A human-readable name: `upn`, `preferred_username`, `unique_name` or `email`. */
  name?: string;
  /** The client application: `azp` (v2 tokens) or `appid` (v1). */
  appId?: string;
  /** `tid`: the caller's Entra tenant. */
  tenantId?: string;
  roles: string[];
}

/** Validates bearer tokens against the issuer's published keys. */
export interface TokenVerifier {
  /**
   * Verifies signature, issuer, audience (these, or the configured ones), expiry and algorithm.
   *
   * @throws DriftError `E_AUTH` (details.reason `invalid`) for a token that does not pass;
   *   `E_NETWORK` when the issuer's keys cannot be fetched (the token may be fine: try later).
   */
  verify(token: string, audiences?: string[]): Promise<Principal>;
}

/** Options of {@link createTokenVerifier}: the OIDC config plus a timeout for fetching keys. */
export interface TokenVerifierOptions extends OidcConfig {
  /** Timeout of the discovery and JWKS fetches, in ms. Default 5000. */
  fetchTimeoutMs?: number;
  /** The least time between two JWKS fetches (a token with an unknown key id asks for one). Default 30 s. */
  keysCooldownMs?: number;
}

/**
 * A verifier that finds the issuer's keys through its discovery document
 * (`<issuer>/.well-known/openid-configuration` → `jwks_uri`) unless `jwksUri` is given, and keeps
 * them cached by jose (refetched on an unknown `kid`, so key rotation needs no restart).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const timeout = options.fetchTimeoutMs ?? 5000;
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = () => {
    keys ??= jwksUri(options, timeout).then((uri) =>
      createRemoteJWKSet(new URL(uri), {
        timeoutDuration: timeout,
        cooldownDuration: options.keysCooldownMs ?? 30_000,
      }),
    );
    // A failed discovery is retried by the next request rather than remembered.
    keys.catch(() => {
      keys = undefined;
    });
    return keys;
  };
  return {
    async verify(token, audiences = options.audiences) {
      const jwks = await keySet();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: audiences,
          algorithms: options.algorithms,
          clockTolerance: options.clockToleranceSec,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (error) {
        throw tokenError(error);
      }
      return principalOf(payload, options.rolesClaim);
    },
  };
}

async function jwksUri(options: TokenVerifierOptions, timeout: number): Promise<string> {
  if (options.jwksUri) return options.jwksUri;
  const discovery = `${options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(discovery, { signal: AbortSignal.timeout(timeout) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as typeof document;
  } catch (error) {
    throw new DriftError(
      "E_NETWORK",
      `The OIDC discovery document ${discovery} could not be read (${(error as Error).message}): check OIDC_ISSUER, or set OIDC_JWKS_URI.`,
      { cause: error },
    );
  }
  // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
  if (document.issuer !== options.issuer || typeof document.jwks_uri !== "string") {
    throw new DriftError(
      "E_NETWORK",
      `The OIDC discovery document ${discovery} names issuer ${JSON.stringify(document.issuer)} (expected ${JSON.stringify(options.issuer)}) or has no jwks_uri: check OIDC_ISSUER (Entra v2 issuers end in /v2.0).`,
    );
  }
  return document.jwks_uri;
}

function tokenError(error: unknown): DriftError {
  // Keys that cannot be fetched say nothing about the token: a 503, not a 401.
  if (
    error instanceof joseErrors.JWKSTimeout ||
    (error instanceof Error && !(error instanceof joseErrors.JOSEError))
  ) {
    return new DriftError("E_NETWORK", "The issuer's signing keys could not be fetched; try again later.", {
      cause: error,
    });
  }
  const description =
    error instanceof joseErrors.JWTExpired
      ? "the token has expired"
      : error instanceof joseErrors.JWTClaimValidationFailed
        ? `the token's ${error.claim} claim is not accepted`
        : error instanceof joseErrors.JOSEAlgNotAllowed
          ? "the token's signing algorithm is not accepted"
          : error instanceof joseErrors.JWSSignatureVerificationFailed ||
              error instanceof joseErrors.JWKSNoMatchingKey
            ? "the token's signature does not verify with the issuer's keys"
            : "the token is malformed";
  return new DriftError("E_AUTH", description, { cause: error, details: { reason: "invalid" } });
}

const NAME_CLAIMS = ["upn", "preferred_username", "unique_name", "email"] as const;

function principalOf(payload: JWTPayload, rolesClaim: string): Principal {
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const name = NAME_CLAIMS.map((claim) => text(payload[claim])).find((value) => value !== undefined);
  const objectId = text(payload.oid);
  const appId = text(payload.azp) ?? text(payload.appid);
  const tenantId = text(payload.tid);
  return {
    subject: payload.sub!,
    ...(objectId ? { objectId } : {}),
    ...(name ? { name } : {}),
    ...(appId ? { appId } : {}),
    ...(tenantId ? { tenantId } : {}),
    roles: rolesOf(payload, rolesClaim),
  };
}

/** The roles under a claim name, or a dotted path for issuers that nest them (`realm_access.roles`). */
function rolesOf(payload: JWTPayload, claim: string): string[] {
  let value: unknown = payload[claim];
  if (value === undefined && claim.includes(".")) {
    value = claim
      .split(".")
      .reduce<unknown>(
        (node, part) =>
          typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined,
        payload,
      );
  }
  if (typeof value === "string") return value.split(" ").filter((role) => role !== "");
  return Array.isArray(value) ? value.filter((role): role is string => typeof role === "string") : [];
}
