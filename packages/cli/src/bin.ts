import { errorLine } from "./errors.js";
import { EXIT_CODES } from "./exit-codes.js";
import { processIo } from "./io.js";
import { runProgram } from "./program.js";

// Ctrl-C cancels the running command through its AbortSignal; a second one exits at once.
const controller = new AbortController();
process.once("SIGINT", () => {
  controller.abort(new Error("interrupted"));
  process.once("SIGINT", () => process.exit(130));
});

runProgram(process.argv.slice(2), processIo(controller.signal)).then(
  (code) => {
    process.exitCode = code;
    // After Ctrl-C, do not wait for connections or timers a cancelled collection left behind.
    if (controller.signal.aborted) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`${errorLine(error)}\n`);
    process.exitCode = EXIT_CODES.error;
  },
);
