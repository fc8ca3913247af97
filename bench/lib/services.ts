// The servers of .ci/services for the benchmarks that need one: a variable already set in the
// environment wins (MONGODB_URI=… a real MongoDB), else .ci/services starts what is missing and its
// .services/env says where each listens.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Where the named server listens (`MONGODB_URI`, `REDIS_URL`); starts the servers when needed. */
export function serviceUrl(name: "MONGODB_URI" | "REDIS_URL", bench: string): string {
  const set = process.env[name];
  if (set) return set;
  const started = spawnSync("bash", [`${root}.ci/services`], { stdio: ["ignore", "inherit", "inherit"] });
  if (started.status !== 0) throw new Error(`${bench}: .ci/services could not start the test servers`);
  const value = new RegExp(`^${name}=(.*)$`, "m").exec(readFileSync(`${root}.services/env`, "utf8"))?.[1];
  if (!value) throw new Error(`${bench}: .ci/services gave no ${name}`);
  return value;
}
