import { join } from "node:path";
import { type Compression, extensionOf } from "./codec.js";
import { encodeName, shardOf } from "./names.js";

/** The file at the root that says "this folder is an azure-drift file store" and its version. */
export const MARKER_FILE = "azure-drift-store.json";
export const STORE_FORMAT = "azure-drift/file-store";
/**
 * The on-disk layout version this release writes: 5 since pack indexes are binary (4 had them as
 * compressed JSON, 3 one DEFLATE stream per block, 2 JSON-column record indexes, 1 one file per
 * document).
 */
export const STORE_FORMAT_VERSION = 5;
/** The layout versions this release reads: stores written in versions 1 to 4 open and read as they are. */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2, 3, 4, 5];

/** What each layout version brought, for the message logged when an older store is upgraded. */
const FORMAT_CHANGES: Record<number, string> = {
  2: "pack files",
  3: "record indexes of slots and rows",
  4: "pack blocks that decompress in runs",
  5: "binary pack indexes",
};

/** What new snapshots get that a store in `version` did not have, in words. */
export function formatChangesSince(version: number): string {
  return Object.entries(FORMAT_CHANGES)
    .filter(([to]) => Number(to) > version)
    .map(([, change]) => change)
    .join(", ");
}
export const MANIFEST_FORMAT = "azure-drift/snapshot-manifest";
export const REPORT_FORMAT = "azure-drift/report";
export const BASELINE_FORMAT = "azure-drift/baseline";

/** Paths of one tenant's folder. Every caller-supplied name goes through {@link encodeName}. */
export class TenantLayout {
  readonly root: string;
  constructor(
    storeRoot: string,
    readonly tenantId: string,
  ) {
    this.root = join(storeRoot, "tenants", encodeName(tenantId, "tenant id"));
  }
  get snapshots() {
    return join(this.root, "snapshots");
  }
  /** Loose documents of format 1, one file each (read, and swept by prune, never written any more). */
  get docs() {
    return join(this.root, "docs");
  }
  /** Pack files: many documents each, one per snapshot that brought new documents (format 2). */
  get packs() {
    return join(this.root, "packs");
  }
  get reports() {
    return join(this.root, "reports");
  }
  get baselines() {
    return join(this.root, "baselines");
  }
  /** Snapshots set aside by `quarantineSnapshot`: never listed, read, pruned or swept. */
  get quarantine() {
    return join(this.root, "quarantine");
  }
  /** Writers' folders, atomic-write temporaries and pruned snapshots on their way out. */
  get tmp() {
    return join(this.root, "tmp");
  }
  /** The file proper-lockfile locks (as `tenant.lock`, a folder). */
  get lockTarget() {
    return join(this.root, "tenant");
  }
  snapshot(snapshotId: string) {
    return join(this.snapshots, encodeName(snapshotId, "snapshot id"));
  }
  report(reportId: string) {
    return join(this.reports, `${encodeName(reportId, "report id")}.ndjson.gz`);
  }
  baseline(name: string) {
    return join(this.baselines, `${encodeName(name, "baseline name")}.json`);
  }
  /** Where the format-1 document with this record hash lives. */
  doc(hash: string, compression: Compression) {
    const name = encodeName(hash, "record hash");
    return join(this.docs, shardOf(name), `${name}.json${extensionOf(compression)}`);
  }
}

/** Files inside one snapshot's folder. */
export const MANIFEST_FILE = "manifest.json";
