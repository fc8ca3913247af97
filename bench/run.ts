// `npm run bench`: runs every benchmark suite in bench/ in turn, each in its own process.
// Pass --quick for smaller sizes (a smoke run); suites read it from process.argv, and
// --only=TASK,… and --sizes=N,… (bench/lib/select.ts) to run a part of a suite.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { arch, cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith("--"));
const suites = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version} (${arch()}), ${new Date().toISOString().slice(0, 10)}`,
);
let failed = 0;
for (const suite of suites) {
  console.log(`\n## ${suite.replace(/\.ts$/, "")}\n`);
  const run = spawnSync(process.execPath, ["--import", "tsx", `${here}${suite}`, ...flags], {
    stdio: "inherit",
  });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
