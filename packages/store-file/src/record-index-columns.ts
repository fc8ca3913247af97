/**
 * Record indexes of store format 2 (`"AZDRIDX1"`): frames of compressed JSON column chunks, the
 * hash as hex text. Read only: format 3 writes `"AZDRIDX2"` (see record-index.ts).
 */
import { corruptSnapshotFile as corrupt } from "./io.js";

/** One index entry: a ResourceRecord without its `config`. */
export type RecordLine = Record<string, unknown> & { key: string; hash: string };

export interface ColumnChunk {
  n: number;
  strings: string[];
  /** Characters each id shares with the previous id of the chunk (absent: none). */
  idp?: number[];
  id: string[];
  key: (string | null)[];
  name: (string | null)[];
  type: number[];
  sub: number[];
  rg: number[];
  loc: number[];
  dom: number[];
  col: number[];
  tags: (Record<string, unknown> | null)[];
  hash: string[];
  raw?: (Record<string, unknown> | null)[];
}

export const lastSegment = (id: string) => id.slice(id.lastIndexOf("/") + 1);

/** The entries of one format-2 column chunk, in write order. */
export function decodeColumnChunk(chunk: ColumnChunk, file: string): RecordLine[] {
  const { n, strings, idp, id, key, name, type, sub, rg, loc, dom, col, tags, hash, raw } = chunk;
  if (
    typeof n !== "number" ||
    !Array.isArray(strings) ||
    (idp !== undefined && (!Array.isArray(idp) || idp.length !== n)) ||
    [id, key, name, type, sub, rg, loc, dom, col, tags, hash].some(
      (column) => !Array.isArray(column) || column.length !== n,
    )
  ) {
    throw corrupt(file, "a chunk has missing or uneven columns");
  }
  const entries: RecordLine[] = new Array(n);
  let previousId = "";
  for (let index = 0; index < n; index++) {
    const whole = raw?.[index];
    if (whole) {
      entries[index] = { ...whole, hash: hash[index]! } as RecordLine;
      continue;
    }
    const shared = idp?.[index] ?? 0;
    const recordId = shared === 0 ? id[index]! : previousId.slice(0, shared) + id[index]!;
    previousId = recordId;
    const entry: RecordLine = {
      id: recordId,
      key: key[index] ?? recordId.toLowerCase(),
      type: strings[type[index]!],
      name: name[index] ?? lastSegment(recordId),
      subscriptionId: strings[sub[index]!],
      domain: strings[dom[index]!],
      collector: strings[col[index]!],
      hash: hash[index]!,
    };
    if (rg[index]! >= 0) entry.resourceGroup = strings[rg[index]!];
    if (loc[index]! >= 0) entry.location = strings[loc[index]!];
    const recordTags = tags[index];
    if (recordTags) entry.tags = recordTags;
    entries[index] = entry;
  }
  return entries;
}
