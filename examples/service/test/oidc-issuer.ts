import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** What a test token is made of; every field has a valid default. */
export interface TokenSpec {
  roles?: string[];
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an expired token. Default 600. */
  expiresIn?: number;
  /** Sign with a key the issuer does not publish. */
  foreignKey?: boolean;
  claims?: JWTPayload;
}

/**
 * A real OIDC issuer on a local HTTP port: a discovery document and a JWKS with one RS256 key,
 * and a signer of tokens as an Entra issuer makes them (roles, oid, upn, azp, tid).
 */
export interface TestIssuer {
  issuer: string;
  audience: string;
  /** Requests the server answered, by path (to prove keys were fetched, and cached). */
  hits: Record<string, number>;
  token(spec?: TokenSpec): Promise<string>;
  /** An unsecured JWT (`alg: none`) with valid claims. */
  unsignedToken(roles: string[]): string;
  /** Publishes a new signing key (a new `kid`) in place of the old one and signs with it from now on. */
  rotateKey(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_AUDIENCE = "api://azure-drift-test";
export const USER = {
  sub: "user-subject-1",
  oid: "00000000-1111-2222-3333-444444444444",
  upn: "ada@contoso.example",
  azp: "client-app-1",
  tid: "99999999-9999-9999-9999-999999999999",
};

export async function startTestIssuer(): Promise<TestIssuer> {
  let keys = await generateKeyPair("RS256");
  let kid = "test-key-1";
  const foreign = await generateKeyPair("RS256");
  let publicJwk = { ...(await exportJWK(keys.publicKey)), kid, alg: "RS256", use: "sig" };
  const hits: Record<string, number> = {};
  let issuer = "";
  const server: Server = createServer((request, response) => {
    const path = request.url ?? "";
    hits[path] = (hits[path] ?? 0) + 1;
    const json = (body: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (path === "/.well-known/openid-configuration") return json({ issuer, jwks_uri: `${issuer}/keys` });
    if (path === "/keys") return json({ keys: [publicJwk] });
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return {
    issuer,
    audience: TEST_AUDIENCE,
    hits,
    async token(spec = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...USER, roles: spec.roles ?? [], ...spec.claims })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(spec.issuer ?? issuer)
        .setAudience(spec.audience ?? TEST_AUDIENCE)
        .setIssuedAt(now - 60)
        .setExpirationTime(now + (spec.expiresIn ?? 600))
        .sign(spec.foreignKey ? foreign.privateKey : keys.privateKey);
    },
    unsignedToken(roles) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { ...USER, roles, iss: issuer, aud: TEST_AUDIENCE, iat: now, exp: now + 600 };
      return `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.`;
    },
    async rotateKey() {
      keys = await generateKeyPair("RS256");
      kid = `test-key-${Number(kid.slice(9)) + 1}`;
      publicJwk = { ...(await exportJWK(keys.publicKey)), kid, alg: "RS256", use: "sig" };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
