import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { DocumentTable } from "../src/document-table.js";
import type { PackIndex } from "../src/pack.js";
import { decodeTrailer, encodeTrailer, hashOf, type TrailerEntries } from "../src/pack-trailer.js";

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

function entries(hashes: string[]): TrailerEntries {
  return {
    blocks: [
      [16, 700, 8200, 0xfedcba98],
      [2 ** 33, 300, 900, 7],
    ],
    hashes,
    block: hashes.map((_, index) => index % 2),
    offset: hashes.map((_, index) => index * 10),
    length: hashes.map((_, index) => index + 1),
  };
}

describe("binary pack index (store format 5)", () => {
  test.each([
    {
      kind: "SHA-256 digests, 32 bytes each",
      hashes: [digest("a"), digest("b"), digest("c")],
      bytes: 12 + 40 + 36 + 96,
    },
    {
      kind: "other hashes, as strings",
      hashes: [digest("a"), "h-1", "ünïcode"],
      bytes: 12 + 40 + 36 + (2 + 64) + (2 + 3) + (2 + 9),
    },
  ])("$kind: decodes to what was encoded", ({ hashes, bytes }) => {
    const encoded = encodeTrailer(entries(hashes));
    expect(encoded.length).toBe(bytes);
    const decoded = decodeTrailer(encoded);
    expect(decoded.blocks).toEqual([
      { offset: 16, length: 700, rawLength: 8200, crc: 0xfedcba98 },
      { offset: 2 ** 33, length: 300, rawLength: 900, crc: 7 },
    ]);
    expect(decoded.count).toBe(3);
    expect(Array.from(decoded.block)).toEqual([0, 1, 0]);
    expect(Array.from(decoded.offset)).toEqual([0, 10, 20]);
    expect(Array.from(decoded.length)).toEqual([1, 2, 3]);
    expect([0, 1, 2].map((index) => hashOf(decoded, index))).toEqual(hashes);
    expect(decoded.digests === undefined).toBe(hashes.some((hash) => hash.length !== 64));
  });

  test.each([
    ["a length that does not match its counts", (bytes: Buffer) => bytes.subarray(0, bytes.length - 1)],
    ["an unknown hash kind", (bytes: Buffer) => Buffer.concat([Buffer.from([9]), bytes.subarray(1)])],
    ["fewer bytes than its counts", (bytes: Buffer) => bytes.subarray(0, 8)],
  ])("%s is an error", (_what, damage) => {
    expect(() => decodeTrailer(damage(encodeTrailer(entries([digest("a")]))))).toThrow(Error);
  });
});

/** A pack index holding `hashes`, as the document table sees it. */
function pack(name: string, hashes: string[], binary = true): PackIndex {
  const contents = decodeTrailer(encodeTrailer(entries(hashes)));
  return {
    ...contents,
    digests: binary ? contents.digests : undefined,
    hashes,
    name,
    file: name,
    compression: "gzip",
    chained: true,
    bytes: 0,
  };
}

describe("document table", () => {
  const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map(digest) as [string, string, string, string, string];

  // p3 stands for a pack of format 4 or older, or one with other hashes: its hashes are strings.
  test("finds each document in the first pack that holds it, by digest and by any other hash", () => {
    const packs = [pack("p1", [a, b]), pack("p2", [b, c]), pack("p3", ["x-1", d], false), pack("p4", [d, e])];
    const table = new DocumentTable(packs);
    const where = (hash: string) => {
      const document = table.find(hash);
      return document < 0 ? undefined : [table.packOf(document).name, table.indexOf(document)];
    };
    expect([a, b, c, d, "x-1", e].map(where)).toEqual([
      ["p1", 0],
      ["p1", 1],
      ["p2", 1],
      ["p3", 1],
      ["p3", 0],
      ["p4", 1],
    ]);
    expect(table.size).toBe(6);
    expect(where(digest("f"))).toBeUndefined();
    expect(where(a.toUpperCase())).toBeUndefined();
    expect(where(`${a.slice(0, 63)}g`)).toBeUndefined();
  });

  test("digests that share their first four bytes (one table start) are told apart", () => {
    // Same first 8 hex digits, different rest: they probe the same slots.
    const hashes = Array.from({ length: 40 }, (_, index) => `00000000${digest(String(index)).slice(8)}`);
    const table = new DocumentTable([pack("p1", hashes.slice(0, 20)), pack("p2", hashes.slice(20))]);
    expect(hashes.map((hash) => table.find(hash))).toEqual(hashes.map((_, index) => index));
    expect(hashes.map((hash) => table.packOf(table.find(hash)).name)).toEqual(
      hashes.map((_, index) => (index < 20 ? "p1" : "p2")),
    );
    expect(table.find(`00000000${digest("other").slice(8)}`)).toBe(-1);
    expect(table.size).toBe(40);
  });
});
