/**
 * `@azure-drift/cli`: the `azure-drift` command line, also callable in-process.
 *
 * @packageDocumentation
 */

import { type CliIo, processIo } from "./io.js";
import { runProgram } from "./program.js";

export { defaultCollectors } from "./collectors.js";
export { type ResolvedConnection, resolveConnection } from "./connection.js";
export { ACCESS_TOKEN_ENV, resolveCredential } from "./credential.js";
export { EXIT_CODES, type ExitCode } from "./exit-codes.js";
export type { CliIo, CliOutput } from "./io.js";
export { VERSION } from "./version.js";

/**
 * Runs the `azure-drift` command line in-process and resolves to its exit code: 0 no drift, 2 drift
 * (or parts that could not be compared), 1 error. It never calls `process.exit` and never throws
 * for a failed command: errors are printed as one line on `io.stderr` and give exit code 1.
 *
 * @param argv - the arguments after the program name, e.g. `["diff", "before.json", "after.json"]`.
 * @param io - where to write and what environment to read; any part left out is the process's own.
 *
 * @example
 * ```ts
 * import { run } from "@azure-drift/cli";
 * const code = await run(["diff", "before.json", "after.json", "--format", "json"]);
 * ```
 */
export async function run(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  return runProgram(argv, { ...processIo(), ...io });
}
