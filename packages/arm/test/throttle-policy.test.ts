import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { isDriftError, noopLogger, type ProgressEvent } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { isRetryAfterTooLong, requestedRetryAfterMs, throttleGuardPolicy } from "../src/index.js";

function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
  const request = createPipelineRequest({ url: "https://127.0.0.1/x" });
  return { status, headers: createHttpHeaders(headers), request };
}

describe("requestedRetryAfterMs", () => {
  test("reads the headers the SDK reads, milliseconds first", () => {
    expect(requestedRetryAfterMs(response(429, { "retry-after-ms": "250", "retry-after": "10" }))).toBe(250);
    expect(requestedRetryAfterMs(response(429, { "x-ms-retry-after-ms": "40" }))).toBe(40);
    expect(requestedRetryAfterMs(response(429, { "retry-after": "3" }))).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(
      requestedRetryAfterMs(response(429, { "retry-after": "Thu, 01 Jan 2026 00:01:00 GMT" }), now),
    ).toBe(60_000);
    expect(requestedRetryAfterMs(response(429))).toBe(undefined);
  });
});

describe("throttleGuardPolicy", () => {
  const events: ProgressEvent[] = [];
  const guard = throttleGuardPolicy({
    maxRetries: 2,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetryAfterMs: 5000,
    logger: noopLogger,
    onProgress: (event) => events.push(event),
    collector: "network",
    random: () => 0.5,
  });

  test("a 429 without Retry-After gets a doubling, jittered, bounded retry-after-ms; no event for the last attempt", async () => {
    events.length = 0;
    const request = createPipelineRequest({ url: "https://127.0.0.1/x" });
    const delays: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const answered = await guard.sendRequest(request, async () => response(429));
      delays.push(answered.headers.get("retry-after-ms"));
    }
    // ceiling 100, 200, 400 → half plus half of the ceiling times 0.5.
    expect(delays).toEqual(["75", "150", "300"]);
    expect(events).toEqual([
      { type: "retry", status: 429, attempt: 1, delayMs: 75, collector: "network" },
      { type: "retry", status: 429, attempt: 2, delayMs: 150, collector: "network" },
    ]);
  });

  test("a Retry-After within the cap is left to the SDK; beyond it the request fails without retrying", async () => {
    const request = createPipelineRequest({ url: "https://127.0.0.1/y" });
    const short = await guard.sendRequest(request, async () => response(429, { "retry-after": "2" }));
    expect(short.status).toBe(429);
    const error = await guard
      .sendRequest(createPipelineRequest({ url: "https://127.0.0.1/z" }), async () =>
        response(503, { "retry-after": "600" }),
      )
      .catch((caught: unknown) => caught);
    expect(isDriftError(error, "E_NETWORK")).toBe(true);
    expect(isRetryAfterTooLong(error)).toBe(true);
  });

  test("other responses pass through untouched", async () => {
    const ok = response(200);
    expect(
      await guard.sendRequest(createPipelineRequest({ url: "https://127.0.0.1/ok" }), async () => ok),
    ).toBe(ok);
    expect(ok.headers.has("retry-after-ms")).toBe(false);
  });
});
