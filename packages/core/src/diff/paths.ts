/**
 * The change-path syntax of {@link FieldChange.path}: dot-separated property names, `[k=v]` (or
 * `[k1=v1,k2=v2]`) for an element of a keyed array, `[n]` for an element of an ordered array without
 * a key. A property name that contains `.`, `[` or `]` (some tag names) is written as a JSON string in
 * brackets: `tags["cost.center"]`.
 */

/** One step of a change path. */
export type ChangePathStep =
  | { kind: "property"; name: string }
  | { kind: "key"; fields: Array<[field: string, value: string]> }
  | { kind: "index"; index: number };

const PLAIN_NAME = /^[^.[\]"]+$/;

/** Appends a property name to a change path. */
export function appendProperty(path: string, name: string): string {
  if (!PLAIN_NAME.test(name)) return `${path}[${JSON.stringify(name)}]`;
  return path === "" ? name : `${path}.${name}`;
}

/** Appends a keyed-array selector (`name=AllowSSH`) to a change path. */
export function appendKey(path: string, key: string): string {
  return `${path}[${key}]`;
}

/** Appends an index selector to a change path. */
export function appendIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Formats steps as a change path. */
export function formatChangePath(steps: readonly ChangePathStep[]): string {
  let path = "";
  for (const step of steps) {
    if (step.kind === "property") path = appendProperty(path, step.name);
    else if (step.kind === "index") path = appendIndex(path, step.index);
    else path = appendKey(path, step.fields.map(([field, value]) => `${field}=${value}`).join(","));
  }
  return path;
}

/**
 * Parses a change path into steps. A key selector ends at the first `]` followed by `.`, `[` or the
 * end, so key values may contain `]`; a composite key splits on commas that start another `field=`.
 */
export function parseChangePath(path: string): ChangePathStep[] {
  const steps: ChangePathStep[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === "[") {
      if (path[i + 1] === '"') {
        // A quoted property name: a JSON string up to the closing quote not preceded by a backslash.
        let end = i + 2;
        while (end < path.length && !(path[end] === '"' && path[end - 1] !== "\\")) end++;
        steps.push({ kind: "property", name: JSON.parse(path.slice(i + 1, end + 1)) as string });
        i = end + 2;
      } else {
        let end = path.indexOf("]", i + 1);
        while (end !== -1 && end + 1 < path.length && path[end + 1] !== "." && path[end + 1] !== "[") {
          end = path.indexOf("]", end + 1);
        }
        if (end === -1) end = path.length;
        const text = path.slice(i + 1, end);
        if (/^\d+$/.test(text)) steps.push({ kind: "index", index: Number(text) });
        else {
          const fields = text.split(/,(?=[A-Za-z_$][\w$]*=)/).map((pair): [string, string] => {
            const eq = pair.indexOf("=");
            return [pair.slice(0, eq), pair.slice(eq + 1)];
          });
          steps.push({ kind: "key", fields });
        }
        i = end + 1;
      }
    } else {
      let end = i;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      if (end > i) steps.push({ kind: "property", name: path.slice(i, end) });
      i = end;
    }
    if (path[i] === ".") i++;
  }
  return steps;
}
