/**
 * The snapshot file format (docs/snapshot-format.md) and the import of plain ARM JSON.
 *
 * A snapshot file is NDJSON: the first line is a header `{"kind":"azure-drift-snapshot",
 * "formatVersion":1,"meta":{…}}`, then one {@link ResourceRecord} per line, so files of 100k resources
 * stream and a truncated file is detected (the header says how many records follow).
 * ARM JSON — an array of resources (`az resource list`, `az graph query … --query data`), an ARM list
 * page `{ "value": [...] }`, a Resource Graph answer `{ "data": [...] }` or a single resource — is
 * accepted as a snapshot whose records are normalized and redacted on the way in.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { SnapshotData } from "./diff/engine.js";
import { DriftError, isDriftError } from "./errors.js";
import { assertJsonDepth } from "./json-depth.js";
import type {
  CollectorRun,
  CoverageEntry,
  JsonObject,
  JsonValue,
  ResourceRecord,
  SnapshotMeta,
} from "./model.js";
import { createTypeRegistry, type TypeRegistry } from "./normalize/hints.js";
import { createLazyRecord } from "./record.js";
import type { RedactionOptions } from "./redact.js";
import { findJsonError, lineColumn, scanJsonArray } from "./snapshot-format-json.js";

/** The snapshot file format version this release reads and writes. */
export const SNAPSHOT_FORMAT_VERSION = 1;
/** The `kind` of a snapshot file's header line. */
export const SNAPSHOT_FILE_KIND = "azure-drift-snapshot";
/** The collector name of records imported from ARM JSON. */
export const ARM_IMPORT_COLLECTOR = "arm-import";
/** The domain of records imported from ARM JSON. */
export const ARM_IMPORT_DOMAIN = "import";

/** Options for reading a snapshot or ARM JSON. */
export interface ParseSnapshotOptions {
  /** What to call the input in error messages (a file name). */
  label?: string;
  /** Tenant of an ARM import; default the resources' `tenantId` field (Resource Graph has one), else `default`. */
  tenantId?: string;
  /** Registry to normalize ARM imports with; default core's. */
  registry?: TypeRegistry;
  /** Redaction of ARM imports. */
  redaction?: RedactionOptions;
  /**
   * What an ARM import claims to cover. `subscription` (default): each subscription it contains was
   * listed in full (`az resource list`), so a resource of a type absent from one file is added or
   * removed. `types`: only the (subscription, type) slices present are complete — for exports
   * filtered by type.
   */
  importCoverage?: "subscription" | "types";
  /** Time the import was taken (ISO); default now (a file's modification time when read from disk). */
  takenAt?: string;
  /** Snapshot id of an import; default derived from its content. */
  snapshotId?: string;
}

/** The header line of a snapshot file. */
interface SnapshotHeader {
  kind: typeof SNAPSHOT_FILE_KIND;
  formatVersion: number;
  meta: SnapshotMeta;
}

/** One line of input, wherever it came from. */
type LineSource = Iterable<{ line: number; text: string }>;

/**
 * Parses a snapshot file's text, or ARM JSON, into a snapshot.
 *
 * @throws DriftError `E_SNAPSHOT_FORMAT` (invalid JSON with its line:column, wrong shape, truncated),
 *   `E_SNAPSHOT_VERSION` (a format version this release cannot read).
 */
export function parseSnapshot(text: string, options: ParseSnapshotOptions = {}): SnapshotData {
  const label = options.label ?? "the input";
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // A JSON array (the usual ARM export) needs no sniffing of lines, which could be the whole file.
  if (firstNonSpace(text, start) === "[") return parseDocument(text, options);
  const firstLine = firstLineOf(text, start);
  const header = sniffHeader(firstLine, label);
  if (header) return parseRecordLines(header, stringLines(text, start), label);
  if (looksLikeArmLines(firstLine, text, start)) {
    return importArmResources(parseArmLines(stringLines(text, start), label), { ...options, consume: true });
  }
  return parseDocument(text, options);
}

/**
 * Reads a snapshot file or an ARM JSON file. NDJSON snapshots are parsed line by line from the
 * file's bytes, so their size is not bounded by the largest string V8 allows.
 *
 * @throws DriftError `E_INPUT` (missing or unreadable file), `E_SNAPSHOT_FORMAT`, `E_SNAPSHOT_VERSION`.
 */
export async function readSnapshotFile(
  path: string,
  options: ParseSnapshotOptions = {},
): Promise<SnapshotData> {
  const label = options.label ?? path;
  let bytes: Buffer;
  let takenAt: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new DriftError(
        "E_INPUT",
        `${path} is a directory; give the path of a snapshot or ARM JSON file.`,
      );
    }
    takenAt = info.mtime.toISOString();
    bytes = await readFile(path);
  } catch (error) {
    if (isDriftError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? `Snapshot file ${path} does not exist; check the path.`
        : `Cannot read snapshot file ${path} (${code ?? String(error)}); check the path and its permissions.`;
    throw new DriftError("E_INPUT", message, { cause: error, details: { path } });
  }
  const withDefaults: ParseSnapshotOptions = { takenAt, ...options, label };
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let first = start;
  while (
    first < bytes.length &&
    (bytes[first] === 32 || bytes[first] === 9 || bytes[first] === 10 || bytes[first] === 13)
  ) {
    first++;
  }
  const newline = bytes[first] === 0x5b ? -2 : bytes.indexOf(10, start);
  const firstLine =
    newline === -2 ? "[" : bytes.toString("utf8", start, newline === -1 ? bytes.length : newline);
  const header = sniffHeader(firstLine, label);
  if (header) return parseRecordLines(header, bufferLines(bytes, start), label);
  if (newline === -2) {
    // A JSON array: split it into elements and parse each, keeping each element's text.
    const ranges = scanJsonArray(bytes, start);
    if (ranges) {
      const [resources, parsed] = parseRanges(bytes, ranges, label);
      return importArmResources(resources, { ...withDefaults, ...parsed });
    }
  } else if (newline !== -1 && looksLikeArmLine(firstLine)) {
    const lines = [...bufferLines(bytes, start)].filter((line) => line.text.trim() !== "");
    const resources = lines.map(({ line, text }) => parseLine(text, line, label) as JsonValue);
    return importArmResources(resources, {
      ...withDefaults,
      consume: true,
      texts: lines.map((line) => line.text),
    });
  }
  let text: string;
  try {
    text = bytes.toString("utf8");
  } catch (error) {
    throw new DriftError(
      "E_INPUT",
      `${path} is too large to read as one JSON document; export it as NDJSON (one resource per line) instead.`,
      { cause: error, details: { path } },
    );
  }
  return parseSnapshot(text, withDefaults);
}

/** The NDJSON text of a snapshot: the header line, then one record per line. For small snapshots; files use {@link writeSnapshotFile}. */
export function serializeSnapshot(data: SnapshotData): string {
  const records = [...data.records];
  const lines = [headerLine(data.meta, records.length)];
  for (const record of records) lines.push(JSON.stringify(record));
  return `${lines.join("\n")}\n`;
}

/**
 * Writes a snapshot file atomically: into a temporary file next to `path`, flushed to disk, then
 * renamed over `path`. A reader sees the old file or the new one, never half of one.
 *
 * @throws DriftError `E_INPUT` when the file cannot be written (the temporary file is removed).
 */
export async function writeSnapshotFile(path: string, data: SnapshotData): Promise<void> {
  const records = Array.isArray(data.records) ? (data.records as ResourceRecord[]) : [...data.records];
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temporary, "wx");
    let chunk = `${headerLine(data.meta, records.length)}\n`;
    for (const record of records) {
      chunk += `${JSON.stringify(record)}\n`;
      if (chunk.length > 1 << 20) {
        await handle.write(chunk);
        chunk = "";
      }
    }
    await handle.write(chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    throw new DriftError(
      "E_INPUT",
      `Cannot write snapshot file ${path} (${code ?? String(error)}); check that its directory exists and is writable.`,
      { cause: error, details: { path } },
    );
  }
}

/**
 * Turns ARM resource objects into a snapshot: records normalized and redacted with
 * `options.registry`, collector `arm-import`, domain `import`, coverage complete per subscription
 * (or per subscription and type; see {@link ParseSnapshotOptions.importCoverage}).
 *
 * @throws DriftError `E_SNAPSHOT_FORMAT` when an element is not an object or lacks `id`/`type`.
 */
export function importArmResources(
  resources: readonly JsonValue[],
  options: ParseSnapshotOptions & { incompleteReason?: string; consume?: boolean; texts?: string[] } = {},
): SnapshotData {
  const label = options.label ?? "the input";
  const registry = options.registry ?? defaultRegistry();
  const source = { collector: ARM_IMPORT_COLLECTOR, domain: ARM_IMPORT_DOMAIN };
  const records: ResourceRecord[] = [];
  const slices = new Map<string, { scope: string; type: string }>();
  const perScope = new Map<string, number>();
  let tenantId = options.tenantId;
  for (let index = 0; index < resources.length; index++) {
    const resource = resources[index]!;
    if (resource === null || typeof resource !== "object" || Array.isArray(resource)) {
      throw new DriftError(
        "E_SNAPSHOT_FORMAT",
        `${label}: element ${index + 1} is not a JSON object; ARM JSON must be an array of resource objects.`,
        { details: { label, index } },
      );
    }
    let record: ResourceRecord;
    try {
      record = createLazyRecord(resource, source, registry, options.redaction, options.texts?.[index]);
    } catch (error) {
      if (isDriftError(error, "E_SNAPSHOT_FORMAT")) {
        throw new DriftError("E_SNAPSHOT_FORMAT", `${label}: resource ${index + 1}: ${error.message}`, {
          cause: error,
          details: { label, index },
        });
      }
      throw error;
    }
    records.push(record);
    if (tenantId === undefined && typeof resource.tenantId === "string") tenantId = resource.tenantId;
    slices.set(`${record.subscriptionId}\u0000${record.type.toLowerCase()}`, {
      scope: record.subscriptionId,
      type: record.type,
    });
    perScope.set(record.subscriptionId, (perScope.get(record.subscriptionId) ?? 0) + 1);
    // A document parsed here is ours: letting go of each raw resource keeps the live heap small.
    if (options.consume) (resources as JsonValue[])[index] = null;
  }
  const takenAt = options.takenAt ?? new Date().toISOString();
  const scopes = [...perScope.keys()].sort();
  const complete = options.incompleteReason === undefined;
  const reason = complete ? {} : { reason: options.incompleteReason! };
  const coverage: CoverageEntry[] =
    options.importCoverage === "types"
      ? [...slices.values()]
          .sort((a, b) => (a.scope + a.type < b.scope + b.type ? -1 : 1))
          .map(({ scope, type }) => ({ scope, collector: ARM_IMPORT_COLLECTOR, type, complete, ...reason }))
      : scopes.map((scope) => ({ scope, collector: ARM_IMPORT_COLLECTOR, type: "*", complete, ...reason }));
  const collectors: CollectorRun[] = scopes.map((scope) => ({
    name: ARM_IMPORT_COLLECTOR,
    version: String(SNAPSHOT_FORMAT_VERSION),
    scope,
    outcome: complete ? "succeeded" : "partial",
    ...(complete ? {} : { error: options.incompleteReason! }),
    records: perScope.get(scope) ?? 0,
    startedAt: takenAt,
    finishedAt: takenAt,
  }));
  const meta: SnapshotMeta = {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    id: options.snapshotId ?? `arm-import-${randomBytes(8).toString("hex")}`,
    tenantId: tenantId ?? "default",
    scopes,
    startedAt: takenAt,
    finishedAt: takenAt,
    collectors,
    coverage,
    resourceCount: records.length,
    source: ARM_IMPORT_COLLECTOR,
  };
  return { meta, records };
}

let registry: TypeRegistry | undefined;
function defaultRegistry(): TypeRegistry {
  registry ??= createTypeRegistry();
  return registry;
}

function headerLine(meta: SnapshotMeta, resourceCount: number): string {
  const header: SnapshotHeader = {
    kind: SNAPSHOT_FILE_KIND,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    meta: { ...meta, formatVersion: SNAPSHOT_FORMAT_VERSION, resourceCount },
  };
  return JSON.stringify(header);
}

function firstNonSpace(text: string, start: number): string | undefined {
  for (let i = start; i < text.length; i++) {
    const char = text[i]!;
    if (char !== " " && char !== "\t" && char !== "\n" && char !== "\r") return char;
  }
  return undefined;
}

function firstLineOf(text: string, start: number): string {
  const newline = text.indexOf("\n", start);
  return text.slice(start, newline === -1 ? text.length : newline);
}

/** The header when the first line is a snapshot header; undefined when the input is something else. */
function sniffHeader(firstLine: string, label: string): SnapshotHeader | undefined {
  const trimmed = firstLine.trim();
  if (!trimmed.startsWith("{") || !trimmed.includes('"formatVersion"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.kind !== SNAPSHOT_FILE_KIND) return undefined;
  assertJsonDepth(parsed, label);
  checkVersion(parsed.formatVersion, label);
  const meta = parsed.meta;
  if (
    !isObject(meta) ||
    typeof meta.id !== "string" ||
    !Array.isArray(meta.coverage) ||
    !Array.isArray(meta.scopes)
  ) {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${label}: the header line has no valid "meta" (id, scopes, coverage); the file is damaged, export the snapshot again.`,
      { details: { label } },
    );
  }
  return parsed as unknown as SnapshotHeader;
}

function checkVersion(version: unknown, label: string): void {
  if (version === SNAPSHOT_FORMAT_VERSION) return;
  if (typeof version === "number" && Number.isInteger(version) && version > SNAPSHOT_FORMAT_VERSION) {
    throw new DriftError(
      "E_SNAPSHOT_VERSION",
      `${label} has snapshot formatVersion ${version}, but this release of azure-drift reads formatVersion ${SNAPSHOT_FORMAT_VERSION}; upgrade azure-drift to read it.`,
      { details: { label, formatVersion: version } },
    );
  }
  throw new DriftError(
    "E_SNAPSHOT_VERSION",
    `${label} has an unknown snapshot formatVersion ${JSON.stringify(version)}; this release reads formatVersion ${SNAPSHOT_FORMAT_VERSION}. Export the snapshot again with azure-drift.`,
    { details: { label, formatVersion: version } },
  );
}

function* stringLines(text: string, start: number): Generator<{ line: number; text: string }> {
  let line = 1;
  let position = start;
  while (position < text.length) {
    const newline = text.indexOf("\n", position);
    const end = newline === -1 ? text.length : newline;
    yield { line, text: text.slice(position, end) };
    line++;
    position = end + 1;
  }
}

function* bufferLines(bytes: Buffer, start: number): Generator<{ line: number; text: string }> {
  let line = 1;
  let position = start;
  while (position < bytes.length) {
    const newline = bytes.indexOf(10, position);
    const end = newline === -1 ? bytes.length : newline;
    yield { line, text: bytes.toString("utf8", position, end) };
    line++;
    position = end + 1;
  }
}

function parseLine(text: string, line: number, label: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = findJsonError(text);
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${label}:${line}:${position?.column ?? 1}: invalid JSON (${position?.problem ?? "syntax error"}); fix or re-export the file.`,
      { cause: error, details: { label, line, column: position?.column } },
    );
  }
  assertJsonDepth(value, `${label}:${line}`);
  return value;
}

const RECORD_STRINGS = ["id", "key", "type", "subscriptionId", "collector", "domain", "hash"] as const;

function parseRecordLines(header: SnapshotHeader, lines: LineSource, label: string): SnapshotData {
  const records: ResourceRecord[] = [];
  for (const { line, text } of lines) {
    if (line === 1 || text.trim() === "") continue;
    records.push(checkRecord(parseLine(text, line, label), `${label}:${line}`));
  }
  return checkCount(header, records, label);
}

function checkRecord(record: unknown, where: string): ResourceRecord {
  if (
    !isObject(record) ||
    !RECORD_STRINGS.every((field) => typeof record[field] === "string") ||
    !isObject(record.config)
  ) {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${where}: not a resource record (it needs string ${RECORD_STRINGS.join(", ")} and an object "config"); the file is damaged, export the snapshot again.`,
      { details: { where } },
    );
  }
  return record as unknown as ResourceRecord;
}

function checkCount(header: SnapshotHeader, records: ResourceRecord[], label: string): SnapshotData {
  if (records.length !== header.meta.resourceCount) {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${label}: the header announces ${header.meta.resourceCount} records but the file holds ${records.length}; the file is truncated or damaged, export the snapshot again.`,
      { details: { label, expected: header.meta.resourceCount, found: records.length } },
    );
  }
  return { meta: { ...header.meta, resourceCount: records.length }, records };
}

/** Parses each element of a scanned JSON array; an error names its line and column in the file. */
function parseRanges(
  bytes: Buffer,
  ranges: Array<[number, number]>,
  label: string,
): [JsonValue[], ParseSnapshotOptions & { consume: boolean; texts: string[] }] {
  const resources: JsonValue[] = [];
  const texts: string[] = [];
  for (const [from, to] of ranges) {
    const text = bytes.toString("utf8", from, to);
    try {
      resources.push(JSON.parse(text) as JsonValue);
    } catch (error) {
      const inner = findJsonError(text);
      const before = bytes.toString("utf8", 0, from);
      const at = lineColumn(before + text, before.length + (inner?.offset ?? 0));
      throw new DriftError(
        "E_SNAPSHOT_FORMAT",
        `${label}:${at.line}:${at.column}: invalid JSON (${inner?.problem ?? "syntax error"}); fix the file or export it again.`,
        { cause: error, details: { label, line: at.line, column: at.column } },
      );
    }
    assertJsonDepth(resources.at(-1), label);
    texts.push(text);
  }
  return [resources, { consume: true, texts }];
}

function looksLikeArmLine(line: string): boolean {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return false;
  try {
    const first = JSON.parse(trimmed) as unknown;
    return isObject(first) && typeof first.id === "string" && typeof first.type === "string";
  } catch {
    return false;
  }
}

/** NDJSON of ARM resources: the first line is a resource object and more lines follow. */
function looksLikeArmLines(firstLine: string, text: string, start: number): boolean {
  const trimmed = firstLine.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return false;
  const rest = text.slice(start + firstLine.length).trim();
  if (rest === "" || !rest.startsWith("{")) return false;
  try {
    const first = JSON.parse(trimmed) as unknown;
    return isObject(first) && typeof first.id === "string" && typeof first.type === "string";
  } catch {
    return false;
  }
}

function parseArmLines(lines: LineSource, label: string): JsonValue[] {
  const resources: JsonValue[] = [];
  for (const { line, text } of lines) {
    if (text.trim() === "") continue;
    resources.push(parseLine(text, line, label) as JsonValue);
  }
  return resources;
}

function parseDocument(text: string, options: ParseSnapshotOptions): SnapshotData {
  const label = options.label ?? "the input";
  if (text.trim() === "") {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${label} is empty; give a snapshot file or ARM JSON (an array of resources, or an object with "value": [...]).`,
      { details: { label } },
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const position = findJsonError(text);
    const where = position ? `${label}:${position.line}:${position.column}` : label;
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${where}: invalid JSON (${position?.problem ?? "syntax error"}); fix the file or export it again.`,
      { cause: error, details: { label, line: position?.line, column: position?.column } },
    );
  }
  assertJsonDepth(document, label);
  if (Array.isArray(document))
    return importArmResources(document as JsonValue[], { ...options, consume: true });
  if (isObject(document)) {
    if (document.kind === SNAPSHOT_FILE_KIND || ("formatVersion" in document && "records" in document)) {
      checkVersion(document.formatVersion, label);
      return parseJsonSnapshot(document, label);
    }
    for (const [field, next] of [
      ["value", "nextLink"],
      ["data", "skipToken"],
    ] as const) {
      const list = document[field];
      if (!Array.isArray(list)) continue;
      const more = document[next] ?? document.skip_token ?? document.$skipToken;
      const incompleteReason =
        typeof more === "string" && more.length > 0
          ? `the file is one page of a longer listing (it has "${next}"); follow the links and give all pages`
          : undefined;
      return importArmResources(list as JsonValue[], {
        ...options,
        consume: true,
        ...(incompleteReason ? { incompleteReason } : {}),
      });
    }
    if (typeof document.id === "string" && typeof document.type === "string") {
      return importArmResources([document as JsonValue], options);
    }
  }
  throw new DriftError(
    "E_SNAPSHOT_FORMAT",
    `${label} is neither an azure-drift snapshot nor ARM JSON; expected a JSON array of resources (az resource list), an object with "value": [...] (an ARM list page), or a snapshot file.`,
    { details: { label } },
  );
}

/** The single-document JSON form: `{ kind, formatVersion, meta, records: [...] }`. */
function parseJsonSnapshot(document: Record<string, unknown>, label: string): SnapshotData {
  const meta = document.meta;
  const records = document.records;
  if (!isObject(meta) || !Array.isArray(records)) {
    throw new DriftError(
      "E_SNAPSHOT_FORMAT",
      `${label}: a JSON snapshot needs "meta" and "records": [...]; export the snapshot again.`,
      { details: { label } },
    );
  }
  const header = {
    kind: SNAPSHOT_FILE_KIND,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    meta,
  } as unknown as SnapshotHeader;
  if (header.meta.resourceCount === undefined) header.meta.resourceCount = records.length;
  const checked = records.map((record, index) => checkRecord(record, `${label}: record ${index + 1}`));
  return checkCount(header, checked, label);
}

function isObject(value: unknown): value is Record<string, unknown> & JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
