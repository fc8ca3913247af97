import { DriftError } from "../errors.js";
import type { JsonValue } from "../model.js";

/** One segment of a change path: a property name or an array selector (`[name=X]`, `[k=a,j=b]`, `[3]`). */
export type PathSegment =
  | { kind: "name"; name: string }
  | { kind: "selector"; text: string; index?: number; keys?: [field: string, value: string][] };

/**
 * Splits a change path (`properties.securityRules[name=AllowSSH].properties.access`) into segments.
 * A property name with `.`, `[` or `]` comes quoted (`tags["cost.center"]`). A selector ends at the first `]` followed by `.`, `[` or the end, so key values may contain `]`.
 */
export function parseChangePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === "[" && path[i + 1] === '"') {
      // A quoted property name (`tags["cost.center"]`): a JSON string up to its unescaped closing quote.
      let end = i + 2;
      while (end < path.length && !(path[end] === '"' && path[end - 1] !== "\\")) end++;
      let name: string;
      try {
        name = JSON.parse(path.slice(i + 1, end + 1)) as string;
      } catch {
        name = path.slice(i + 2, end);
      }
      segments.push({ kind: "name", name });
      i = end + 2;
    } else if (path[i] === "[") {
      let end = path.indexOf("]", i + 1);
      while (end !== -1 && end + 1 < path.length && path[end + 1] !== "." && path[end + 1] !== "[") {
        end = path.indexOf("]", end + 1);
      }
      if (end === -1) end = path.length;
      segments.push(parseSelector(path.slice(i + 1, end)));
      i = end + 1;
    } else {
      let end = i;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      if (end > i) segments.push({ kind: "name", name: path.slice(i, end) });
      i = end;
    }
    if (path[i] === ".") i++;
  }
  return segments;
}

function parseSelector(text: string): PathSegment {
  if (/^\d+$/.test(text)) return { kind: "selector", text, index: Number(text) };
  // A composite key is `k1=v1,k2=v2`: split only on commas that start another `field=`.
  const keys = text.split(/,(?=[A-Za-z_$][\w.$]*=)/).flatMap((pair): [string, string][] => {
    const eq = pair.indexOf("=");
    return eq > 0 ? [[pair.slice(0, eq), pair.slice(eq + 1)]] : [];
  });
  return { kind: "selector", text, keys };
}

/** One compiled token of a path glob. */
type GlobToken =
  | { kind: "any-depth" }
  | { kind: "name"; test: (name: string) => boolean }
  | { kind: "selector"; test: (text: string) => boolean };

/** A compiled path glob: tests a parsed change path. */
export type PathMatcher = (segments: readonly PathSegment[]) => boolean;

/**
 * Compiles a path glob: `*` matches one property name (or part of one: `enable*`), `**` any number of
 * segments (zero included), `[*]` any array selector, `[name=X]` that selector. Names and selector
 * values compare case-insensitively. `where` names the glob in errors.
 */
export function compilePathGlob(glob: string, where: string): PathMatcher {
  if (glob.trim() === "")
    throw new DriftError("E_INPUT", `${where}: the path glob is empty; omit it instead.`);
  if (glob.lastIndexOf("[") > glob.lastIndexOf("]")) {
    throw new DriftError("E_INPUT", `${where}: unbalanced brackets in path glob "${glob}".`);
  }
  const tokens: GlobToken[] = parseChangePath(glob).map((segment): GlobToken => {
    if (segment.kind === "name") {
      if (segment.name === "**") return { kind: "any-depth" };
      return { kind: "name", test: wildcardTest(segment.name) };
    }
    if (segment.text === "*") return { kind: "selector", test: () => true };
    return { kind: "selector", test: wildcardTest(segment.text) };
  });
  return (segments) => matchTokens(tokens, 0, segments, 0);
}

function matchTokens(
  tokens: readonly GlobToken[],
  t: number,
  segments: readonly PathSegment[],
  s: number,
): boolean {
  if (t === tokens.length) return s === segments.length;
  const token = tokens[t]!;
  if (token.kind === "any-depth") {
    for (let next = s; next <= segments.length; next++) {
      if (matchTokens(tokens, t + 1, segments, next)) return true;
    }
    return false;
  }
  const segment = segments[s];
  if (!segment) return false;
  if (token.kind === "name") {
    if (segment.kind !== "name" || !token.test(segment.name)) return false;
  } else if (segment.kind !== "selector" || !token.test(segment.text)) {
    return false;
  }
  return matchTokens(tokens, t + 1, segments, s + 1);
}

/**
 * A case-insensitive test for a string with `*` wildcards (any run of characters) and `?` (one).
 * Plain strings compare without a regular expression.
 */
export function wildcardTest(pattern: string): (value: string) => boolean {
  const lowered = pattern.toLowerCase();
  if (!/[*?]/.test(pattern)) return (value) => value.toLowerCase() === lowered;
  if (pattern === "*") return () => true;
  const source = lowered
    .split("")
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, "is");
  return (value) => regex.test(value);
}

/** Reads a dotted sub-path (`properties.access`) of a JSON value; undefined when absent. */
export function readDotted(value: JsonValue | undefined, dotted: string): JsonValue | undefined {
  let current = value;
  for (const name of dotted.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = current[name];
  }
  return current;
}

/** The element of `array` a selector designates: by index, or by key values (case-insensitive fallback). */
function selectElement(
  array: JsonValue[],
  selector: Extract<PathSegment, { kind: "selector" }>,
): JsonValue | undefined {
  if (selector.index !== undefined) return array[selector.index];
  const keys = selector.keys ?? [];
  if (keys.length === 0) return undefined;
  const matches = (element: JsonValue, loose: boolean) =>
    keys.every(([field, expected]) => {
      const actual = readDotted(element, field);
      if (actual === undefined || actual === null || typeof actual === "object") return false;
      const text = String(actual);
      return loose ? text.toLowerCase() === expected.toLowerCase() : text === expected;
    });
  return array.find((element) => matches(element, false)) ?? array.find((element) => matches(element, true));
}

/**
 * The innermost array element that encloses (or is) the value at `segments` in `root`: for
 * `properties.securityRules[name=X].properties.access`, the whole rule `X`. Undefined when the path
 * has no selector or the element is absent from `root`.
 */
export function enclosingElement(
  root: JsonValue | undefined,
  segments: readonly PathSegment[],
): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  let element: JsonValue | undefined;
  for (const segment of segments) {
    if (current === undefined || current === null || typeof current !== "object") return element;
    if (segment.kind === "name") {
      current = Array.isArray(current) ? undefined : current[segment.name];
    } else {
      current = Array.isArray(current) ? selectElement(current, segment) : undefined;
      element = current;
    }
  }
  return element;
}

/** The key value of the innermost selector of a path (`AllowSSH` for `…[name=AllowSSH].properties.access`). */
export function innermostSelectorLabel(segments: readonly PathSegment[]): string | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    if (segment.kind === "selector") {
      return segment.keys && segment.keys.length > 0
        ? segment.keys.map(([, value]) => value).join(",")
        : segment.text;
    }
  }
  return undefined;
}
