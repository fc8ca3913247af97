import { defineConfig } from "tsup";

// Built like azure-drift's own packages: ESM + CJS + .d.ts. Dependencies and the core peer stay
// imports (tsup leaves what package.json lists), so the collector shares the CLI's @azure-drift/core.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
});
