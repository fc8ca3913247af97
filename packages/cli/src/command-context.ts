import type { ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";

/** What every command's action gets: the run's IO and a way to set the exit code. */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: ExitCode): void;
}
