import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTokenVerifier } from "../src/http/tokens.js";
import { OTHER_TENANT, SUB_A as SUB, TENANT } from "./estate.js";
import { dropTestDatabases, type Harness, METRICS_TOKEN, ROLES, startHarness } from "./harness.js";
import { startTestIssuer } from "./oidc-issuer.js";

afterAll(dropTestDatabases);

/** Every authenticated endpoint, with the role it needs. */
const ENDPOINTS: { method: "GET" | "POST"; url: string; role: string; payload?: unknown }[] = [
  { method: "GET", url: `/tenants/${TENANT}/reports/latest?subscription=${SUB}`, role: ROLES.read },
  { method: "GET", url: `/tenants/${TENANT}/reports/20261206t000000000z-00000000`, role: ROLES.read },
  { method: "GET", url: `/tenants/${TENANT}/reports`, role: ROLES.read },
  { method: "GET", url: `/tenants/${TENANT}/snapshots`, role: ROLES.read },
  {
    method: "GET",
    url: `/tenants/${TENANT}/resources/history?id=/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/web`,
    role: ROLES.read,
  },
  {
    method: "POST",
    url: `/tenants/${TENANT}/baselines/approved`,
    role: ROLES.baseline,
    payload: { subscription: SUB },
  },
  { method: "POST", url: `/tenants/${TENANT}/subscriptions/${SUB}/checks`, role: ROLES.check },
  { method: "POST", url: "/events/azure", role: ROLES.events, payload: [] },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness?.close());

const call = (endpoint: (typeof ENDPOINTS)[number], authorization?: string) =>
  harness.app.inject({
    method: endpoint.method,
    url: endpoint.url,
    headers: authorization ? { authorization } : {},
    ...(endpoint.payload !== undefined ? { payload: endpoint.payload as object } : {}),
  });

describe("the probes are open; everything else needs a bearer token", () => {
  test("/healthz and /readyz answer without a token", async () => {
    expect((await harness.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    const ready = await harness.app.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready" });
  });

  test.each(ENDPOINTS)("$method $url without a token: 401 with a bare Bearer challenge", async (endpoint) => {
    const response = await call(endpoint);
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="azure-drift"');
    expect(response.json().error.code).toBe("E_AUTH");
  });

  test.each(ENDPOINTS)("$method $url without its role: 403 insufficient_scope", async (endpoint) => {
    const others = Object.values(ROLES).filter((role) => role !== endpoint.role);
    const response = await call(endpoint, `Bearer ${await harness.issuer.token({ roles: others })}`);
    expect(response.statusCode).toBe(403);
    expect(response.headers["www-authenticate"]).toBe(
      `Bearer realm="azure-drift", error="insufficient_scope", error_description="This call needs the role ${endpoint.role}${endpoint.url.startsWith("/tenants/") ? ` (or ${endpoint.role}.${TENANT} for this tenant only)` : ""}; ask an administrator to assign it to you (an app role of the API's app registration)."`,
    );
  });

  test.each(ENDPOINTS)("$method $url with its role: past authentication", async (endpoint) => {
    const response = await call(endpoint, `Bearer ${await harness.issuer.token({ roles: [endpoint.role] })}`);
    expect([200, 201, 202, 400, 404]).toContain(response.statusCode);
    expect(response.headers["www-authenticate"]).toBeUndefined();
  });
});

describe("roles scoped to one tenant", () => {
  test("Drift.Read.<tenant> reads that tenant (any case) and no other", async () => {
    const scoped = await harness.issuer.token({ roles: [`${ROLES.read}.${TENANT.toUpperCase()}`] });
    const own = await harness.app.inject({
      url: `/tenants/${TENANT}/snapshots`,
      headers: { authorization: `Bearer ${scoped}` },
    });
    expect(own.statusCode).toBe(200);
    const other = await harness.app.inject({
      url: `/tenants/${OTHER_TENANT}/snapshots`,
      headers: { authorization: `Bearer ${scoped}` },
    });
    expect(other.statusCode).toBe(403);
    // A tenant-scoped role of another kind grants nothing here.
    const checker = await harness.issuer.token({ roles: [`${ROLES.check}.${TENANT}`] });
    const wrongKind = await harness.app.inject({
      url: `/tenants/${TENANT}/snapshots`,
      headers: { authorization: `Bearer ${checker}` },
    });
    expect(wrongKind.statusCode).toBe(403);
  });
});

describe("tokens that must not pass", () => {
  const endpoint = ENDPOINTS[3]!;
  const invalid = async (token: string, description: string) => {
    const response = await call(endpoint, `Bearer ${token}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(
      `Bearer realm="azure-drift", error="invalid_token", error_description="${description}"`,
    );
  };

  test("a valid token passes (the control)", async () => {
    const response = await call(endpoint, `Bearer ${await harness.issuer.token({ roles: [ROLES.read] })}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ snapshots: [] });
  });

  test("expired", async () => {
    await invalid(
      await harness.issuer.token({ roles: [ROLES.read], expiresIn: -120 }),
      "the token has expired",
    );
  });

  test("for another audience", async () => {
    await invalid(
      await harness.issuer.token({ roles: [ROLES.read], audience: "api://someone-else" }),
      "the token's aud claim is not accepted",
    );
  });

  test("from another issuer", async () => {
    await invalid(
      await harness.issuer.token({ roles: [ROLES.read], issuer: "https://login.example/other" }),
      "the token's iss claim is not accepted",
    );
  });

  test("signed with a key the issuer does not publish", async () => {
    await invalid(
      await harness.issuer.token({ roles: [ROLES.read], foreignKey: true }),
      "the token's signature does not verify with the issuer's keys",
    );
  });

  test("unsigned (alg: none)", async () => {
    await invalid(
      harness.issuer.unsignedToken([ROLES.read]),
      "the token's signing algorithm is not accepted",
    );
  });

  test("not a JWT, or not one bearer credential", async () => {
    await invalid("not.a.jwt", "the token is malformed");
    const response = await call(endpoint, `Basic ${Buffer.from("a:b").toString("base64")}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(
      /^Bearer realm="azure-drift", error="invalid_token"/,
    );
  });

  test("the issuer's keys were fetched once, through its discovery document", () => {
    expect(harness.issuer.hits).toEqual({ "/.well-known/openid-configuration": 1, "/keys": 1 });
  });
});

describe("/metrics takes the scrape token, not an OIDC token", () => {
  test("with the scrape token: Prometheus text", async () => {
    const response = await harness.app.inject({
      url: "/metrics",
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.body).toContain("# TYPE azure_drift_checks_total counter");
  });

  test("without it, with a wrong one, or with a user's token: 401", async () => {
    const user = await harness.issuer.token({ roles: Object.values(ROLES) });
    for (const authorization of [undefined, `Bearer ${METRICS_TOKEN}x`, `Bearer ${user}`]) {
      const response = await harness.app.inject({
        url: "/metrics",
        headers: authorization ? { authorization } : {},
      });
      expect(response.statusCode).toBe(401);
    }
  });
});

describe("the issuer's key rotation", () => {
  test("a token signed with a newly published key passes without a restart; the retired key's does not", async () => {
    const rotating = await startHarness();
    try {
      const read = (token: string) =>
        rotating.app.inject({
          url: `/tenants/${TENANT}/snapshots`,
          headers: { authorization: `Bearer ${token}` },
        });
      const old = await rotating.issuer.token({ roles: [ROLES.read] });
      expect((await read(old)).statusCode).toBe(200);
      await rotating.issuer.rotateKey();
      const fresh = await rotating.issuer.token({ roles: [ROLES.read] });
      // jose refetches the JWKS for an unknown kid once its cooldown has passed.
      expect((await read(fresh)).statusCode).toBe(200);
      expect(rotating.issuer.hits["/keys"]).toBe(2);
      const retired = await read(old);
      expect(retired.statusCode).toBe(401);
    } finally {
      await rotating.close();
    }
  });
});

describe("an issuer whose keys cannot be fetched", () => {
  test("is a 503 to retry, not a 401 that blames the token", async () => {
    const gone = await startTestIssuer();
    const token = await gone.token({ roles: [ROLES.read] });
    await gone.close();
    const offline = await startHarness({
      verifier: createTokenVerifier({
        issuer: gone.issuer,
        audiences: [gone.audience],
        algorithms: ["RS256"],
        rolesClaim: "roles",
        clockToleranceSec: 5,
        fetchTimeoutMs: 1000,
      }),
    });
    try {
      const response = await offline.app.inject({
        url: `/tenants/${TENANT}/snapshots`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers["www-authenticate"]).toBeUndefined();
      expect(response.json().error.code).toBe("E_NETWORK");
      // The operator's message (it names the issuer's host) stays in the log; the caller gets the request id.
      expect(response.json().error.message).toMatch(
        /^A service this API depends on \(the token issuer's keys or the job queue\) did not answer; try again later\. The service log has the details \(request req-\d+\)\.$/,
      );
    } finally {
      await offline.close();
    }
  });
});
