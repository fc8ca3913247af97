import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { backupCollector } from "@azure-drift/collector-backup";
import { encryptionCollector } from "@azure-drift/collector-encryption";
import { governanceCollector } from "@azure-drift/collector-governance";
import { identityCollector } from "@azure-drift/collector-identity";
import { networkCollector } from "@azure-drift/collector-network";
import { securityCollector } from "@azure-drift/collector-security";
import { type Collector, DriftError } from "@azure-drift/core";
import { BUILT_IN_COLLECTOR_NAMES, type BuiltInCollectorName } from "./built-in-names.js";
import { closestName } from "./suggest.js";

/** The collectors that ship with the CLI, by the name `--collector` takes. */
const BUILT_IN: Readonly<Record<BuiltInCollectorName, () => Collector>> = {
  network: networkCollector,
  identity: identityCollector,
  security: securityCollector,
  governance: governanceCollector,
  backup: backupCollector,
  encryption: encryptionCollector,
};

/** The collectors the CLI runs (and whose types and rules `diff` applies to ARM files). */
export function defaultCollectors(): Collector[] {
  return BUILT_IN_COLLECTOR_NAMES.map((name) => BUILT_IN[name]());
}

/**
 * The collectors named by `--collector` options, or the built-in ones when there are none. Each is
 * a built-in name (`network`, `identity`, `security`, `governance`, `backup`, `encryption`…) or a module: a file path (relative to `cwd`) or an
 * installed package, optionally `#export`; without it the module's default export. The export is a
 * collector or a function that returns one when called without arguments.
 *
 * @throws DriftError `E_INPUT` for a module that cannot be loaded, an export that is not a
 * collector, or two collectors with one name.
 */
export async function resolveCollectors(specs: readonly string[], cwd: string): Promise<Collector[]> {
  if (specs.length === 0) return defaultCollectors();
  const collectors: Collector[] = [];
  for (const spec of specs) collectors.push(await resolveCollector(spec, cwd));
  const seen = new Set<string>();
  for (const collector of collectors) {
    if (seen.has(collector.name)) {
      throw new DriftError(
        "E_INPUT",
        `Two collectors are named "${collector.name}": pass each --collector once (snapshots tell collectors apart by name).`,
      );
    }
    seen.add(collector.name);
  }
  return collectors;
}

async function resolveCollector(spec: string, cwd: string): Promise<Collector> {
  const name = spec.toLowerCase();
  if (Object.hasOwn(BUILT_IN, name)) return BUILT_IN[name as BuiltInCollectorName]();
  const hash = spec.lastIndexOf("#");
  const specifier = hash > 0 ? spec.slice(0, hash) : spec;
  const exportName = hash > 0 ? spec.slice(hash + 1) : "default";
  const url = await moduleUrl(specifier, cwd);
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const reason = (error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)).replace(
      /\.+$/,
      "",
    );
    throw new DriftError(
      "E_INPUT",
      `Cannot load the collector module "${specifier}": ${reason}. Pass --collector ${BUILT_IN_COLLECTOR_NAMES.join(", ")}, a JavaScript file or an installed package.`,
      { cause: error },
    );
  }
  const exported = module[exportName];
  if (exported === undefined) {
    throw new DriftError(
      "E_INPUT",
      exportName === "default"
        ? `The collector module "${specifier}" has no default export: name the export, e.g. --collector ${specifier}#myCollector.`
        : `The collector module "${specifier}" has no export "${exportName}".`,
    );
  }
  const collector = typeof exported === "function" ? await callFactory(exported, spec) : exported;
  if (!isCollector(collector)) {
    throw new DriftError(
      "E_INPUT",
      `"${spec}" is not a collector: export a Collector (defineCollector from @azure-drift/core) or a function that returns one.`,
    );
  }
  return collector;
}

/** A file path (relative or absolute, or ending in a JS/TS extension) as a file URL, checked; else a package resolved from `cwd`. */
async function moduleUrl(specifier: string, cwd: string): Promise<string> {
  const looksLikePath =
    specifier.startsWith(".") || isAbsolute(specifier) || /\.(c|m)?(j|t)s$/i.test(specifier);
  if (looksLikePath) {
    const file = resolve(cwd, specifier);
    if (!(await isFile(file))) {
      throw new DriftError(
        "E_INPUT",
        `The collector module ${file} does not exist: check the path given to --collector (relative paths start from the current directory).`,
      );
    }
    return pathToFileURL(file).href;
  }
  try {
    return pathToFileURL(createRequire(join(cwd, "noop.js")).resolve(specifier)).href;
  } catch (error) {
    // A bare name that is no installed package is most likely a misspelt built-in collector.
    const builtIns = Object.keys(BUILT_IN);
    const suggestion = closestName(specifier, builtIns);
    if (suggestion) {
      throw new DriftError(
        "E_INPUT",
        `Unknown collector "${specifier}": did you mean ${suggestion}? The built-in collectors are ${builtIns.join(", ")}; anything else is a path to a module or an installed package.`,
        { cause: error },
      );
    }
    throw new DriftError(
      "E_INPUT",
      `Cannot find the collector package "${specifier}" from ${cwd}: install it there, or pass a path to the module.`,
      { cause: error },
    );
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function callFactory(factory: unknown, spec: string): Promise<unknown> {
  try {
    return await (factory as () => unknown)();
  } catch (error) {
    if (error instanceof DriftError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DriftError("E_INPUT", `The collector factory "${spec}" threw: ${reason}`, { cause: error });
  }
}

function isCollector(value: unknown): value is Collector {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Collector>;
  return (
    typeof candidate.name === "string" &&
    typeof candidate.version === "string" &&
    typeof candidate.domain === "string" &&
    Array.isArray(candidate.types) &&
    typeof candidate.collect === "function"
  );
}
