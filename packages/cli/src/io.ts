/** Where the CLI reads its environment and writes its output: the process, or a test's buffers. */

/** The part of a writable stream the CLI uses. */
export interface CliOutput {
  write(chunk: string): unknown;
  /** True when the stream is a terminal: tables, colours and a progress line then apply. */
  isTTY?: boolean;
  /** Terminal width in columns, when known. */
  columns?: number;
}

/** The process facilities a CLI run uses, injected so tests can run the CLI in-process. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** Environment variables (`AZURE_DRIFT_ACCESS_TOKEN`, `AZURE_TENANT_ID`, `NO_COLOR`, …). */
  env: Record<string, string | undefined>;
  /** The directory relative paths are resolved against. */
  cwd: string;
  /** Cancels a running command (Ctrl-C in the bin); it then exits with code 1. */
  signal?: AbortSignal;
}

/** The real process's streams, environment and working directory. */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    ...(signal ? { signal } : {}),
  };
}

/** Whether colours are wanted on `output`: a terminal, and neither NO_COLOR nor TERM=dumb set. */
export function wantsColor(output: CliOutput, env: CliIo["env"]): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return output.isTTY === true;
}
