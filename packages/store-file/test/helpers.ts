import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary folder; removed by {@link removeTemporaryFolders} after the file's tests. */
const made: string[] = [];
export function temporaryFolder(prefix = "azd-store-"): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  made.push(folder);
  return folder;
}

export function removeTemporaryFolders(): void {
  for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** Every file under `folder`, relative, sorted (for side-effect checks). */
export function filesUnder(folder: string): string[] {
  return (readdirSync(folder, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(
        folder.length + 1,
      ),
    )
    .sort();
}

/** Decodes a document file name back to its record hash (`[a-z0-9-]` kept, `_xx` escapes). */
export function hashOfDocument(fileName: string): string {
  const name = fileName.replace(/\.json(\.gz|\.br)?$/, "");
  return Buffer.from(
    name.replace(/_([0-9a-f]{2})/g, (_, byte: string) => String.fromCharCode(Number.parseInt(byte, 16))),
    "latin1",
  ).toString("utf8");
}
