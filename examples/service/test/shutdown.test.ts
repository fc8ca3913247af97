import { request } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { gracefulShutdown } from "../src/shutdown.js";

const silent = pino({ level: "silent" });

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request({ host: "127.0.0.1", port, path, agent: false }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on("error", reject);
    call.end();
  });
}

describe("graceful shutdown", () => {
  test("an in-flight request finishes, new connections are refused, then the rest closes in order", async () => {
    const app = Fastify({ forceCloseConnections: "idle" });
    let release: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      app.get("/slow", async () => {
        resolve();
        await new Promise<void>((done) => {
          release = done;
        });
        return { finished: true };
      });
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const closed: string[] = [];
    const shutdown = gracefulShutdown(
      [
        { name: "http", close: () => app.close().then(() => closed.push("http")) },
        { name: "jobs", close: async () => closed.push("jobs") },
        { name: "store", close: async () => closed.push("store") },
      ],
      { timeoutMs: 5000, logger: silent },
    );

    const inFlight = get(port, "/slow");
    await started;
    const exit = shutdown("SIGTERM");
    // The same signal twice (or SIGINT after SIGTERM) joins the running shutdown.
    expect(shutdown("SIGINT")).toBe(exit);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(get(port, "/slow")).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toEqual([]);
    release();
    expect(await inFlight).toEqual({ status: 200, body: '{"finished":true}' });
    expect(await exit).toBe(0);
    expect(closed).toEqual(["http", "jobs", "store"]);
  });

  test("a step that fails or hangs: the others still close, the exit code says so", async () => {
    const closed: string[] = [];
    const failing = gracefulShutdown(
      [
        {
          name: "jobs",
          close: async () => {
            throw new Error("redis gone");
          },
        },
        { name: "store", close: async () => closed.push("store") },
      ],
      { timeoutMs: 5000, logger: silent },
    );
    expect(await failing("SIGTERM")).toBe(1);
    expect(closed).toEqual(["store"]);
    const hanging = gracefulShutdown([{ name: "http", close: () => new Promise(() => {}) }], {
      timeoutMs: 100,
      logger: silent,
    });
    expect(await hanging("SIGTERM")).toBe(1);
  });
});
