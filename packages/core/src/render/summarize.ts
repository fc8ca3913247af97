import type { JsonObject, JsonValue } from "../model.js";

/** Most fields an object summary lists; the rest are counted (`+3 more`). */
const MAX_FIELDS = 12;
/** How deep nested objects are flattened into dotted fields (`sku.name`) before they are counted. */
const MAX_DEPTH = 2;
/** Keys that identify or stamp an object rather than configure it: shown as its label, or not at all. */
const IDENTITY_KEYS = new Set(["id", "name", "type", "etag"]);

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** An ARM id (`/subscriptions/…`, `/providers/…`): shown by its last segment, the resource's name. */
export function isArmId(value: string): boolean {
  return /^\/(subscriptions|providers)\/[^/]+\/\S+$/i.test(value);
}

/** The name at the end of an ARM id: `…/networkSecurityGroups/nsg-data` → `nsg-data`. */
export function armIdName(id: string): string {
  const trimmed = id.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || id;
}

/** A string as a report shows it: an id by its name, blanks collapsed, an empty string as `""`. */
function stringText(value: string): string {
  if (value === "") return '""';
  if (isArmId(value)) return armIdName(value);
  return value.replace(/\s+/g, " ");
}

/** A string inside an object summary, quoted when its own commas or colons would blur the fields. */
function fieldString(value: string): string {
  const text = stringText(value);
  return /[\s,:()]/.test(text) ? JSON.stringify(text) : text;
}

/** What names an object: its `name`, else the name in its `id`. */
function labelOf(object: JsonObject): string | undefined {
  if (typeof object.name === "string" && object.name !== "") return stringText(object.name);
  if (typeof object.id === "string" && object.id !== "") return armIdName(object.id);
  return undefined;
}

/** An object that only points at another resource (`{ id }`), as ARM writes references. */
function isReference(object: JsonObject): boolean {
  const keys = Object.keys(object);
  return keys.length > 0 && keys.every((key) => key === "id") && typeof object.id === "string";
}

function arrayText(items: JsonValue[]): string {
  if (items.length === 0) return "[]";
  if (items.every((item) => !isObject(item) && !Array.isArray(item))) {
    return `[${items.map((item) => (typeof item === "string" ? fieldString(item) : String(item))).join(", ")}]`;
  }
  // Named objects are listed by name; anonymous ones are counted.
  const labels = items.map((item) => (isObject(item) ? labelOf(item) : undefined));
  if (labels.every((label) => label !== undefined)) return `[${labels.join(", ")}]`;
  return `${items.length} item${items.length === 1 ? "" : "s"}`;
}

/** The scalar fields of an object, `properties` merged into the top (the ARM shape), nested ones dotted. */
function fields(object: JsonObject, prefix: string, depth: number, out: [string, string][]): void {
  for (const [key, value] of Object.entries(object)) {
    if (depth === 0 && IDENTITY_KEYS.has(key)) continue;
    if (depth === 0 && key === "properties" && isObject(value)) {
      fields(value, prefix, depth, out);
      continue;
    }
    const name = `${prefix}${key}`;
    // Empty values say nothing about what a rule or setting does.
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    if (isObject(value) && Object.keys(value).length === 0) continue;
    if (typeof value !== "object") {
      out.push([name, typeof value === "string" ? fieldString(value) : String(value)]);
    } else if (Array.isArray(value)) {
      out.push([name, arrayText(value)]);
    } else if (isReference(value)) {
      out.push([name, armIdName(value.id as string)]);
    } else if (depth + 1 < MAX_DEPTH) {
      fields(value, `${name}.`, depth + 1, out);
    } else {
      const label = labelOf(value);
      const count = Object.keys(value).length;
      out.push([name, label ?? `${count} field${count === 1 ? "" : "s"}`]);
    }
  }
}

/**
 * A JSON value from a change as a report shows it, on one line and never as raw JSON: a scalar as
 * itself, an ARM id by the name at its end, a reference (`{ id }`) by that name, an array as its
 * items (or the names of its objects), and an object as its name followed by its meaningful scalar
 * fields, `properties` merged in (an added NSG rule reads `AllowSSH (access: Allow, direction:
 * Inbound, destinationPortRange: 22, protocol: Tcp, sourceAddressPrefix: *)`). It is generic on
 * purpose: every collector's shapes read the same way without a summarizer of their own. Nothing
 * is cut; renderers wrap long values.
 */
export function summarizeValue(value: JsonValue | undefined): string {
  if (value === undefined) return "(none)";
  if (value === null) return "null";
  if (typeof value === "string") return stringText(value);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) return arrayText(value);
  if (isReference(value)) return armIdName(value.id as string);
  const label = labelOf(value);
  const found: [string, string][] = [];
  fields(value, "", 0, found);
  // Settings first, free text (descriptions, quoted because they hold blanks) after them.
  found.sort((a, b) => Number(a[1].startsWith('"')) - Number(b[1].startsWith('"')));
  if (found.length === 0) return label ?? "{}";
  const shown = found.slice(0, MAX_FIELDS).map(([key, text]) => `${key}: ${text}`);
  if (found.length > MAX_FIELDS) shown.push(`+${found.length - MAX_FIELDS} more`);
  return label ? `${label} (${shown.join(", ")})` : shown.join(", ");
}
