import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { createServiceLogger } from "../src/logger.js";
import { dropTestDatabases, METRICS_TOKEN, ROLES, startHarness } from "./harness.js";

afterAll(dropTestDatabases);

describe("/readyz: ready only when the store answers", () => {
  test("a closed store: 503, while /healthz still answers", async () => {
    const harness = await startHarness();
    try {
      expect((await harness.app.inject({ url: "/readyz" })).statusCode).toBe(200);
      await harness.store.close();
      const response = await harness.app.inject({ url: "/readyz" });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: "unavailable", reason: "the store does not answer" });
      expect((await harness.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await harness.close();
    }
  });

  test("a store that does not answer in time: 503 after the readiness timeout", async () => {
    const harness = await startHarness({
      storeAnswers: () => new Promise(() => {}),
      readinessTimeoutMs: 200,
    });
    try {
      const response = await harness.app.inject({ url: "/readyz" });
      expect(response.statusCode).toBe(503);
    } finally {
      await harness.close();
    }
  });
});

describe("JSON logs never carry a credential", () => {
  test("bearer tokens, scrape tokens and cookies are redacted from the request log", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    const harness = await startHarness({ logger: createServiceLogger({ level: "info", destination }) });
    try {
      const token = await harness.issuer.token({ roles: [ROLES.read] });
      const expired = await harness.issuer.token({ roles: [ROLES.read], expiresIn: -600 });
      const tenant = "11111111-1111-4111-8111-111111111111";
      await harness.app.inject({
        url: `/tenants/${tenant}/snapshots`,
        headers: { authorization: `Bearer ${token}` },
      });
      await harness.app.inject({
        url: `/tenants/${tenant}/snapshots`,
        headers: { authorization: `Bearer ${expired}`, cookie: "session=s3cr3t-cookie" },
      });
      await harness.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const entries = lines.map((line) => JSON.parse(line));
      const incoming = entries.filter((entry) => entry.msg === "incoming request");
      expect(incoming).toHaveLength(3);
      for (const entry of incoming) expect(entry.req.headers.authorization).toBe("[redacted]");
      expect(incoming[1].req.headers.cookie).toBe("[redacted]");
      const all = lines.join("\n");
      for (const secret of [token, expired, METRICS_TOKEN, "s3cr3t-cookie"])
        expect(all).not.toContain(secret);
      // The log is still useful: method, route, status, and the client's address.
      expect(incoming[0].req).toMatchObject({
        method: "GET",
        url: `/tenants/${tenant}/snapshots`,
        ip: "127.0.0.1",
      });
      expect(
        entries.filter((entry) => entry.msg === "request completed").map((entry) => entry.res.statusCode),
      ).toEqual([200, 401, 200]);
    } finally {
      await harness.close();
    }
  });
});
