#!/usr/bin/env node
// The installed `azure-drift` command. It is kept in the repository (not built) so that `npm ci`
// on a fresh clone links the command before the first build; it loads the built CLI.
import("../dist/bin.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist")) {
    process.stderr.write("azure-drift: the CLI is not built yet: run `npm run build` first.\n");
    process.exitCode = 1;
    return;
  }
  throw error;
});
