import { AZURE_CLOUDS, DriftError } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { resolveConnection } from "../src/connection.js";
import { errorLine } from "../src/errors.js";
import { createCliLogger } from "../src/logger.js";
import { createProgressLine } from "../src/progress.js";
import { applyReportFilters, pathGlobToRegExp } from "../src/report-filter.js";

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { output: { write: (chunk: string) => chunks.push(chunk), isTTY, columns: 200 }, chunks };
}
const now = () => new Date("2026-01-02T03:04:05.000Z");

describe("structured logs", () => {
  test("one JSON object per line with level, time, msg and the fields; secrets never written", () => {
    const { output, chunks } = sink();
    const logger = createCliLogger({ output, format: "json", level: "info", now });
    logger.info("collector finished", {
      collector: "network",
      records: 12,
      accessToken: "eyJ0eXAi",
      clientSecret: "s3cr3t",
    });
    logger.debug("not shown at info level");
    logger.error("failed", { error: new Error("boom") });
    expect(chunks.map((line) => JSON.parse(line))).toEqual([
      {
        level: "info",
        time: "2026-01-02T03:04:05.000Z",
        msg: "collector finished",
        collector: "network",
        records: 12,
        accessToken: "[REDACTED]",
        clientSecret: "[REDACTED]",
      },
      { level: "error", time: "2026-01-02T03:04:05.000Z", msg: "failed", error: "boom" },
    ]);
    expect(chunks.every((line) => line.endsWith("\n") && line.indexOf("\n") === line.length - 1)).toBe(true);
  });

  test("text lines", () => {
    const { output, chunks } = sink();
    const logger = createCliLogger({ output, format: "text", level: "debug", now });
    logger.debug("page collected", { items: 3, resourceType: "Microsoft.Network/routeTables" });
    expect(chunks).toEqual([
      "2026-01-02T03:04:05.000Z DEBUG page collected items=3 resourceType=Microsoft.Network/routeTables\n",
    ]);
  });

  test("text values with blanks, quotes, = or control characters are quoted: one entry, one line, no terminal escapes", () => {
    const { output, chunks } = sink();
    const logger = createCliLogger({ output, format: "text", level: "debug", now });
    logger.warn("Listing incomplete", {
      reason: 'HTTP 403: "AuthorizationFailed"\nretry=no \u001b[2J',
      empty: "",
      type: "Microsoft.Network/routeTables",
    });
    expect(chunks).toEqual([
      '2026-01-02T03:04:05.000Z WARN Listing incomplete reason="HTTP 403: \\"AuthorizationFailed\\"\\nretry=no \\u001b[2J" empty="" type=Microsoft.Network/routeTables\n',
    ]);
  });
});

describe("progress line", () => {
  test("one updating line: subscriptions, collectors, ARM items listed in pages, records kept, retries", () => {
    const { output, chunks } = sink(true);
    const line = createProgressLine(output, { collectorsPerSubscription: 2, intervalMs: 0 });
    line.onProgress({ type: "check-started", tenantId: "t", subscriptions: ["a", "b"] });
    line.onProgress({ type: "collector-started", subscriptionId: "a", collector: "network" });
    line.onProgress({
      type: "page",
      subscriptionId: "a",
      collector: "network",
      resourceType: "x",
      items: 40,
    });
    line.onProgress({
      type: "retry",
      subscriptionId: "a",
      collector: "network",
      status: 429,
      attempt: 1,
      delayMs: 5,
    });
    line.onProgress({
      type: "collector-finished",
      subscriptionId: "a",
      collector: "network",
      records: 38,
      outcome: "succeeded",
    });
    line.onProgress({
      type: "collector-finished",
      subscriptionId: "a",
      collector: "identity",
      records: 0,
      outcome: "succeeded",
    });
    line.stop();
    expect(chunks.at(-2)).toBe(
      "\r\u001b[2Kcollecting · subscriptions 1/2 · collectors 2/4 · ARM items listed 40 (1 page) · records kept 38 · retries 1",
    );
    expect(chunks.at(-1)).toBe("\r\u001b[2K");
    expect(chunks.every((chunk) => !chunk.includes("\n"))).toBe(true);
  });
});

describe("connection options", () => {
  test("each cloud's endpoint and token scope; a custom endpoint keeps a named cloud's audience", async () => {
    for (const [cloud, { endpoint, audience }] of Object.entries(AZURE_CLOUDS)) {
      const { arm } = await resolveConnection({ cloud: cloud.toLowerCase() }, "/");
      expect(arm).toEqual({ endpoint, credentialScopes: [`${audience}/.default`] });
    }
    const gov = await resolveConnection(
      { cloud: "AzureUSGovernment", armEndpoint: "https://arm.contoso.internal/" },
      "/",
    );
    expect(gov.arm).toEqual({
      endpoint: "https://arm.contoso.internal",
      credentialScopes: ["https://management.usgovcloudapi.net/.default"],
    });
    const own = await resolveConnection({ armEndpoint: "https://127.0.0.1:8443" }, "/");
    expect(own.arm.credentialScopes).toEqual(["https://127.0.0.1:8443/.default"]);
  });
});

describe("report filters", () => {
  test("path globs", () => {
    expect(pathGlobToRegExp("tags.*").test("tags.owner")).toBe(true);
    expect(pathGlobToRegExp("tags").test("tags.owner")).toBe(true);
    expect(pathGlobToRegExp("tags").test("tagsx")).toBe(false);
    expect(
      pathGlobToRegExp("properties.securityRules[*].properties.access").test(
        "properties.securityRules[name=A].properties.access",
      ),
    ).toBe(true);
    expect(pathGlobToRegExp("properties.*").test("properties.securityRules[name=A].properties.access")).toBe(
      true,
    );
    expect(
      pathGlobToRegExp("properties.*.access").test("properties.securityRules[name=A].properties.access"),
    ).toBe(false);
    expect(pathGlobToRegExp("**.lastSyncTime").test("properties.geo.lastSyncTime")).toBe(true);
  });

  test("--min-severity drops lower changes and recomputes severities and the summary; unknown entries stay", () => {
    const report = {
      formatVersion: 1,
      id: "r",
      tenantId: "t",
      createdAt: "2026-01-01T00:00:00Z",
      base: {},
      current: {},
      summary: {
        added: 1,
        removed: 0,
        modified: 1,
        unknown: 1,
        bySeverity: { critical: 0, high: 1, medium: 0, low: 1, info: 0 },
      },
      resources: [
        {
          id: "a",
          key: "a",
          type: "T",
          status: "modified" as const,
          severity: "high" as const,
          changes: [
            { path: "p.q", kind: "changed" as const, severity: "high" as const },
            { path: "tags.x", kind: "added" as const, severity: "low" as const },
          ],
        },
        { id: "b", key: "b", type: "T", status: "added" as const, severity: "low" as const, changes: [] },
      ],
      unknown: [{ scope: "s", reason: "403" }],
      suppressed: [],
      notices: [],
    };
    const filtered = applyReportFilters(report, { minSeverity: "medium" });
    expect(filtered.resources).toEqual([
      { ...report.resources[0], changes: [report.resources[0]!.changes[0]] },
    ]);
    expect(filtered.summary).toEqual({
      added: 0,
      removed: 0,
      modified: 1,
      unknown: 1,
      bySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 },
    });
    expect(filtered.unknown).toEqual(report.unknown);
    expect(applyReportFilters(report, { ignore: ["p.*"] }).resources[0]?.severity).toBe("low");
  });
});

describe("error line", () => {
  test("exactly one line, with the server's control characters shown as U+FFFD", () => {
    const error = new DriftError(
      "E_NETWORK",
      "ARM answered:\n  \u001b[2Jcleared\tscreen\u0007 ; check the endpoint.",
    );
    expect(errorLine(error)).toBe(
      "azure-drift: E_NETWORK: ARM answered: \ufffd[2Jcleared screen\ufffd ; check the endpoint.",
    );
  });
});
