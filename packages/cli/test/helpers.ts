import { run } from "@azure-drift/cli";

/** What one in-process CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A buffer that looks like a stream to the CLI. */
function capture(tty: boolean) {
  const chunks: string[] = [];
  return {
    stream: { write: (chunk: string) => chunks.push(chunk), isTTY: tty, columns: 120 },
    text: () => chunks.join(""),
  };
}

/** Runs the CLI in-process with captured output, a clean environment and no terminal. */
export async function runCli(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; tty?: boolean; signal?: AbortSignal } = {},
): Promise<CliResult> {
  const stdout = capture(options.tty ?? false);
  const stderr = capture(options.tty ?? false);
  const code = await run(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Parses JSON log lines from stderr. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The arguments of a `check` of one subscription against a replay server whose CA is in
 * `dir/ca.pem`, into `store`, printing JSON.
 */
export function replayCheckArgs(
  serverUrl: string,
  dir: string,
  store: string,
  subscription: string,
): string[] {
  return [
    "check",
    ...["--arm-endpoint", serverUrl, "--ca-cert", `${dir}/ca.pem`, "--store", store],
    ...["--subscription", subscription, "--format", "json"],
  ];
}
