import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DriftReport } from "@azure-drift/core";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

// Debian's Chromium, installed by .ci/services (CHROMIUM_PATH); the screenshots are CI artifacts.
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const artifacts = join(import.meta.dirname, "..", "..", "..", "test-artifacts");
/** The page's document, as far as these tests read it (the CLI's tsconfig has no DOM types). */
interface PageDocument {
  scripts: { length: number };
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
}

let dir: string;
let browser: Browser;
let report: DriftReport;

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: run .ci/services (it installs Debian's chromium) or set CHROMIUM_PATH.`,
    );
  }
  dir = await mkdtemp(join(tmpdir(), "azure-drift-browser-"));
  const demo = await runCli(
    [
      "demo",
      "--format",
      "json",
      "--output",
      "report.html",
      "--output",
      "report.xml",
      "--output",
      "report.sarif",
    ],
    { cwd: dir },
  );
  expect(demo.code, demo.stderr).toBe(0);
  report = JSON.parse(demo.stdout) as DriftReport;
  browser = await chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await mkdir(artifacts, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the demo's reports in headless Chromium", { timeout: 60_000 }, () => {
  test("the HTML page shows every finding, fetches nothing and runs no script", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const url = pathToFileURL(join(dir, "report.html")).href;
    await page.goto(url);
    await page.screenshot({ path: join(artifacts, "demo-report.png"), fullPage: true });
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's rendered text is what a reader sees (collapsed parts left out).
    const text = await page.locator("body").innerText();
    expect(report.resources.length).toBeGreaterThan(3);
    for (const resource of report.resources) {
      expect(text, resource.id).toContain(resource.name ?? "");
      for (const change of resource.changes) {
        if (change.message) expect(text, `${resource.name}: ${change.ruleId}`).toContain(change.message);
      }
    }
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: PageDocument }).document.scripts.length,
      ),
    ).toBe(0);
    await page.close();
  });

  test("the JUnit XML parses in the browser's XML parser, one case per drifted resource", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, "report.xml")).href);
    await page.screenshot({ path: join(artifacts, "demo-report-junit.png") });
    // Navigated to, the file is the browser's own XML document; a syntax error would insert <parsererror>.
    const parsed = await page.evaluate(() => ({
      error:
        (globalThis as unknown as { document: PageDocument }).document.querySelector("parsererror")
          ?.textContent ?? null,
      cases: (globalThis as unknown as { document: PageDocument }).document.querySelectorAll("testcase")
        .length,
      failures: (globalThis as unknown as { document: PageDocument }).document.querySelectorAll(
        "testcase > failure",
      ).length,
    }));
    expect(parsed.error).toBeNull();
    expect(parsed.cases).toBe(report.resources.length + report.unknown.length);
    expect(parsed.failures).toBe(report.resources.length);
    await page.close();
  });

  test("the SARIF file is the JSON the browser reads, one result per finding", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, "report.sarif")).href);
    // biome-ignore lint/performance/useDomNodeTextContent: the text Chromium shows for a JSON file.
    const shown = JSON.parse(await page.locator("body").innerText());
    expect(shown).toEqual(JSON.parse(await readFile(join(dir, "report.sarif"), "utf8")));
    const findings = report.resources.reduce(
      (sum, resource) => sum + Math.max(1, resource.changes.length),
      0,
    );
    expect(shown.runs[0].results).toHaveLength(findings);
    await page.close();
  });
});
