import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import packages by name; resolve them to source so a test run does not depend on a fresh build.
const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

/**
 * Where the servers of `.ci/services` listen (`npm test` runs it first; it writes .services/env).
 * A variable already set in the environment wins: MONGODB_URI=… points the tests at your own server.
 */
function servicesEnv(): Record<string, string> {
  const file = fileURLToPath(new URL("./.services/env", import.meta.url));
  if (!existsSync(file)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match && process.env[match[1]!] === undefined) env[match[1]!] = match[2]!;
  }
  return env;
}

export default defineConfig({
  resolve: {
    alias: [{ find: /^@azure-drift\/([a-z-]+)$/, replacement: pkg("$1") }],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: servicesEnv(),
    // The JSON report is what .ci/run reads to print its closing "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
  },
});
