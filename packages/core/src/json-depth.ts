import { DriftError } from "./errors.js";

/**
 * How deeply JSON input may nest (objects and arrays). ARM documents nest a few dozen levels at
 * most; normalization, hashing, diffing and rendering walk documents recursively, so a deeper
 * input would exhaust the call stack instead of failing with a message.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Throws `E_INPUT` when `value` nests objects or arrays deeper than {@link MAX_JSON_DEPTH}. Walks
 * with an explicit stack, so the check itself cannot overflow.
 *
 * @param label what the value came from (a file name, `file:line`), for the message.
 */
export function assertJsonDepth(value: unknown, label: string): void {
  if (typeof value !== "object" || value === null) return;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (depth > MAX_JSON_DEPTH) {
      throw new DriftError(
        "E_INPUT",
        `${label} nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep, the limit for JSON input (no ARM document, snapshot or rules file comes near it): fix the file or export it again.`,
        { details: { label, maxDepth: MAX_JSON_DEPTH } },
      );
    }
    const children = Array.isArray(node) ? node : Object.values(node as object);
    for (const child of children) {
      if (typeof child === "object" && child !== null) pending.push([child, depth + 1]);
    }
  }
}
