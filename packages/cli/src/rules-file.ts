import { parseRuleFile } from "@azure-drift/core";
import { readInputFile } from "./options.js";

/** Reads and parses a `--rules` file (core says what is wrong with it, with the file name). */
export async function loadRules(path: string, cwd: string) {
  const text = await readInputFile("--rules", path, cwd);
  return parseRuleFile(text, path);
}
