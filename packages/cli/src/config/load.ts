import { readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DriftError } from "@azure-drift/core";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import type { z } from "zod";
import { configSchema, type DriftConfig } from "./schema.js";

/** The file names looked for in the working directory, in this order. */
export const CONFIG_FILES = ["azure-drift.config.json", "azure-drift.config.mjs"] as const;

/** A configuration file, parsed and checked, with the directory its relative paths are relative to. */
export interface LoadedConfig {
  path: string;
  directory: string;
  config: DriftConfig;
}

/**
 * The configuration: the file `--config` names, else the first of {@link CONFIG_FILES} in `cwd`,
 * else none. A `.json` file may carry comments (JSONC, as tsconfig.json); a `.mjs` file exports the
 * object, or a function returning it, as its default export.
 *
 * @throws DriftError `E_INPUT` for a file that is missing (when named), unreadable, not parseable,
 * or not valid: the message names each bad key by its path and what was expected.
 */
export async function loadConfig(
  explicit: string | undefined,
  cwd: string,
): Promise<LoadedConfig | undefined> {
  const path = explicit ? resolve(cwd, explicit) : await findConfig(cwd);
  if (!path) return undefined;
  const shown = explicit ?? relative(cwd, path);
  const raw =
    path.endsWith(".mjs") || path.endsWith(".js")
      ? await importConfig(path, shown)
      : await readJsonc(path, shown);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DriftError(
      "E_INPUT",
      `${shown}: ${describeIssues(parsed.error.issues)}. Fix the file (its schema: azure-drift.config.schema.json).`,
    );
  }
  return { path, directory: dirname(path), config: parsed.data };
}

async function findConfig(cwd: string): Promise<string | undefined> {
  for (const name of CONFIG_FILES) {
    const candidate = resolve(cwd, name);
    if (await isFile(candidate)) return candidate;
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJsonc(path: string, shown: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? "unreadable");
    throw new DriftError("E_INPUT", `Cannot read the configuration file ${shown}: ${why}. Check --config.`, {
      cause: error,
    });
  }
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset);
    const line = before.split("\n").length;
    const column = first.offset - before.lastIndexOf("\n");
    throw new DriftError(
      "E_INPUT",
      `${shown}:${line}:${column}: ${printParseErrorCode(first.error)}. Fix the JSON (comments and trailing commas are allowed).`,
    );
  }
  return value;
}

async function importConfig(path: string, shown: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    throw new DriftError("E_INPUT", `Cannot load the configuration module ${shown}: ${reason}.`, {
      cause: error,
    });
  }
  const exported = module.default;
  if (exported === undefined) {
    throw new DriftError(
      "E_INPUT",
      `${shown} has no default export: export default { … } (the configuration).`,
    );
  }
  return typeof exported === "function" ? await (exported as () => unknown)() : exported;
}

/** `subscriptions[1]: expected a subscription id (…); minSeverty: unknown key (known keys: …)`. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return flatten(issues, [])
    .slice(0, 6)
    .map(({ issue, path }) => {
      const at = issuePath(path);
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => `${at ? `${at}.` : ""}${key}: unknown key${suggest()}`).join("; ");
      }
      return `${at || "(top level)"}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * The issues with each union resolved to the branch the value was meant for: the branch whose
 * complaint is not "wrong type here" (a rules object is judged as an object, not as a path).
 */
function flatten(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
): { issue: z.core.$ZodIssue; path: PropertyKey[] }[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [{ issue, path }];
    const meant =
      issue.errors.find(
        (branch) =>
          !(branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0),
      ) ?? issue.errors[0];
    return flatten(meant ?? [], path);
  });
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    "",
  );
}

const TOP_LEVEL_KEYS = Object.keys(configSchema.shape).filter((key) => key !== "$schema");

function suggest(): string {
  return ` (known keys: ${TOP_LEVEL_KEYS.join(", ")})`;
}

/** A path from the configuration, relative to its file's directory; URIs and absolute paths as they are. */
export function configPath(directory: string, value: string): string {
  if (isAbsolute(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  return resolve(directory, value);
}
