/**
 * Where invalid JSON goes wrong. `JSON.parse` in Node 20 names a position for some errors and not
 * for others, so after it fails, a small scanner finds the offset of the first error and reports it
 * as line:column. It only runs on the failure path, so it is written for clarity, not speed.
 */

/** A JSON syntax error's position (1-based line and column) and what was expected. */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
  problem: string;
}

class ScanError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** Finds the first syntax error of `text`, or undefined if it is valid JSON. */
export function findJsonError(text: string): JsonErrorPosition | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const fail = (problem: string): never => {
    throw new ScanError(i, i >= text.length ? `unexpected end of input (${problem})` : problem);
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe(text[i])}`);
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const char = text[i]!;
      if (char === '"') {
        i++;
        return;
      }
      if (char === "\\") {
        const next = text[i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape in a string");
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else {
          i++;
          fail("bad escape in a string");
        }
        continue;
      }
      if (char.charCodeAt(0) < 0x20) fail("a control character (a raw line break?) inside a string");
      i++;
    }
    fail("a string is not closed");
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0].length === 0) fail(`unexpected ${describe(text[i])}`);
    i += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail("nesting too deep");
    ws();
    const char = text[i];
    if (char === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe(text[i])}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ':' after a property name, found ${describe(text[i])}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected ',' or '}' in an object, found ${describe(text[i])}`);
      }
    }
    if (char === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected ',' or ']' in an array, found ${describe(text[i])}`);
      }
    }
    if (char === '"') string();
    else if (char === "t") literal("true");
    else if (char === "f") literal("false");
    else if (char === "n") literal("null");
    else if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) number();
    else fail(char === undefined ? "expected a value" : `unexpected ${describe(char)}`);
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${describe(text[i])} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    return { ...lineColumn(text, Math.min(error.offset, text.length)), problem: error.problem };
  }
}

function describe(char: string | undefined): string {
  if (char === undefined) return "end of input";
  return JSON.stringify(char);
}

/** The 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { offset: number; line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/**
 * The byte ranges of the top-level elements of a JSON array held in a buffer, found without parsing:
 * strings are skipped with `indexOf` (native speed), so a 400 MB `az resource list` file is split in a
 * fraction of the time `JSON.parse` takes, each element can be parsed on its own (a file larger than
 * V8's longest string can still be read), and each element's own text is at hand. Returns undefined
 * when the buffer is not a well-formed array at this level; the caller then reports the error.
 */
export function scanJsonArray(
  bytes: Uint8Array & { indexOf(value: number, from: number): number },
  start: number,
): Array<[number, number]> | undefined {
  const isSpace = (byte: number | undefined) => byte === 32 || byte === 10 || byte === 13 || byte === 9;
  let position = start;
  while (isSpace(bytes[position])) position++;
  if (bytes[position] !== 0x5b) return undefined;
  position++;
  const ranges: Array<[number, number]> = [];
  let depth = 0;
  let elementStart = -1;
  let lastEnd = -1;
  while (position < bytes.length) {
    const byte = bytes[position]!;
    if (byte === 0x22) {
      if (elementStart < 0) elementStart = position;
      let quote = bytes.indexOf(0x22, position + 1);
      for (;;) {
        if (quote === -1) return undefined;
        let backslashes = 0;
        while (bytes[quote - 1 - backslashes] === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        quote = bytes.indexOf(0x22, quote + 1);
      }
      position = quote + 1;
      lastEnd = position;
      continue;
    }
    if (isSpace(byte)) {
      position++;
      continue;
    }
    if (depth === 0 && (byte === 0x2c || byte === 0x5d)) {
      if (elementStart >= 0) ranges.push([elementStart, lastEnd]);
      else if (byte === 0x2c || ranges.length > 0) return undefined; // `[,` or `,]`
      elementStart = -1;
      if (byte === 0x5d) {
        position++;
        while (isSpace(bytes[position])) position++;
        return position === bytes.length ? ranges : undefined;
      }
      position++;
      continue;
    }
    if (elementStart < 0) elementStart = position;
    if (byte === 0x7b || byte === 0x5b) depth++;
    else if (byte === 0x7d || byte === 0x5d) {
      if (depth === 0) return undefined;
      depth--;
    }
    position++;
    lastEnd = position;
  }
  return undefined;
}
