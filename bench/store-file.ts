// File store benchmark (issues #3 and #15): 100 snapshots of a 10k-resource tenant with 1 % churn
// each (bytes on disk against 100 full JSON copies; target ≤ 3 % in allocated blocks), write/read
// throughput against plain JSON.stringify + writeFile + fsync and readFile + JSON.parse of the same
// snapshot (targets: first snapshot ≤ 2.5×, readRecords ≤ 1.5×; reads taken turn about 5 times, the
// first and the median shown), peak RSS while writing and reading
// a 100k snapshot (target ≤ 1.5× one snapshot's JSON), codec sizes, and extra SIGKILL crash
// trials. `--quick` for smaller sizes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureInChild } from "./lib/child.js";
import { selected } from "./lib/select.js";
import type { Timing } from "./lib/stopwatch.js";
import { formatMb, formatMs, markdownTable, median, ratio } from "./lib/table.js";
import type { HistoryResult } from "./tasks/store-file-tasks.js";

const quick = process.argv.includes("--quick");
const tasks = fileURLToPath(new URL("./tasks/store-file-tasks.ts", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
const sizes = quick
  ? { records: 2000, snapshots: 20, large: 20_000, crashTrials: 0 }
  : { records: 10_000, snapshots: 100, large: 100_000, crashTrials: 100 };
const work = mkdtempSync(join(tmpdir(), "azd-bench-store-"));
const medianOf = (timings: Timing[], key: keyof Timing) => median(timings.map((timing) => timing[key]));
const perSecond = (records: number, ms: number) =>
  `${Math.round((records / ms) * 1000).toLocaleString("en-US")}/s`;

try {
  if (selected("codecs")) await codecTable();
  if (selected("history")) await historyTable();
  if (selected("large")) await memoryTable();
  if (selected("crash")) crashTrials();
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function codecTable() {
  const codecs = await measureInChild<
    {
      name: string;
      docBytes: number;
      docBlocks: number;
      docMs: number;
      manifestBytes: number;
      manifestMs: number;
      rawDocs: number;
      rawManifest: number;
    }[]
  >(tasks, "compression", { records: sizes.records });
  console.log(`### Codecs on one ${sizes.records.toLocaleString("en-US")}-resource snapshot\n`);
  console.log(
    markdownTable(
      [
        "codec",
        "documents (bytes)",
        "documents (4 KB blocks)",
        "documents time",
        "record index",
        "record index time",
      ],
      codecs.result.map((row) => [
        row.name,
        `${formatMb(row.docBytes)} (${ratio(row.docBytes, row.rawDocs)})`,
        `${formatMb(row.docBlocks)}`,
        formatMs(row.docMs),
        `${(row.manifestBytes / 1024).toFixed(0)} KB (${ratio(row.manifestBytes, row.rawManifest)})`,
        formatMs(row.manifestMs),
      ]),
    ),
  );
}

async function historyTable() {
  const run = await measureInChild<HistoryResult>(
    tasks,
    "history",
    { directory: join(work, "history"), records: sizes.records, snapshots: sizes.snapshots, churn: 0.01 },
    ["--expose-gc"],
  );
  const h = run.result;
  console.log(
    `\n### ${h.snapshots} snapshots of ${h.records.toLocaleString("en-US")} resources, 1 % churn each\n`,
  );
  console.log(
    markdownTable(
      ["measure", "value", "against", "time or size vs plain", "CPU time vs plain"],
      [
        [
          "bytes on disk (file sizes)",
          formatMb(h.disk.bytes),
          `${h.snapshots} full JSON copies: ${formatMb(h.naiveBytes)}`,
          `${((h.disk.bytes / h.naiveBytes) * 100).toFixed(2)} %`,
          "",
        ],
        [
          "bytes on disk (allocated blocks)",
          formatMb(h.disk.allocated),
          `${formatMb(h.naiveBytes)}`,
          `${((h.disk.allocated / h.naiveBytes) * 100).toFixed(2)} %`,
          "",
        ],
        ["files", h.disk.files.toLocaleString("en-US"), "", "", ""],
        [
          "write, first snapshot of the history (all documents new)",
          perSecond(h.records, h.firstWriteMs),
          `JSON.stringify + writeFile + fsync: ${perSecond(h.records, h.plainWriteSyncMs)}`,
          ratio(h.firstWriteMs, h.plainWriteSyncMs),
          ratio(h.cpu.firstWrite, h.cpu.plainWriteSync),
        ],
        [
          `write, first snapshot, median of ${h.firstWrites.store.length} (a new store each)`,
          perSecond(h.records, medianOf(h.firstWrites.store, "ms")),
          `JSON.stringify + writeFile + fsync: ${perSecond(h.records, medianOf(h.firstWrites.plain, "ms"))}`,
          ratio(medianOf(h.firstWrites.store, "ms"), medianOf(h.firstWrites.plain, "ms")),
          ratio(medianOf(h.firstWrites.store, "cpuMs"), medianOf(h.firstWrites.plain, "cpuMs")),
        ],
        [
          "write, 1 % churn snapshot (median)",
          perSecond(h.records, median(h.churnWriteMs)),
          `JSON.stringify + writeFile + fsync: ${perSecond(h.records, h.plainWriteSyncMs)}`,
          ratio(median(h.churnWriteMs), h.plainWriteSyncMs),
          "",
        ],
        [
          "read, readRecords (configs), first read of the process",
          perSecond(h.records, h.readMs),
          `readFile + JSON.parse: ${perSecond(h.records, h.plainReadMs)}`,
          ratio(h.readMs, h.plainReadMs),
          ratio(h.cpu.read, h.cpu.plainRead),
        ],
        [
          `read, readRecords (configs), median of ${h.reads.store.length} (a new store instance each)`,
          perSecond(h.records, medianOf(h.reads.store, "ms")),
          `readFile + JSON.parse: ${perSecond(h.records, medianOf(h.reads.plain, "ms"))}`,
          ratio(medianOf(h.reads.store, "ms"), medianOf(h.reads.plain, "ms")),
          ratio(medianOf(h.reads.store, "cpuMs"), medianOf(h.reads.plain, "cpuMs")),
        ],
        [
          "read, readIndex (keys and hashes)",
          perSecond(h.records, h.readIndexMs),
          `readFile + JSON.parse: ${perSecond(h.records, h.plainReadMs)}`,
          ratio(h.readIndexMs, h.plainReadMs),
          ratio(h.cpu.readIndex, h.cpu.plainRead),
        ],
      ],
    ),
  );
  console.log(
    `\nOne snapshot as JSON: ${formatMb(h.snapshotJsonBytes)}. Whole run: ${formatMs(run.wallMs)}, peak RSS ${formatMb(run.peakRssBytes)}.`,
  );
}

async function memoryTable() {
  const write = await measureInChild<{ count: number; jsonBytes: number }>(tasks, "writeLarge", {
    directory: join(work, "large"),
    records: sizes.large,
  });
  const read = await measureInChild<{ count: number }>(tasks, "readLarge", {
    directory: join(work, "large"),
  });
  console.log(`\n### Memory: one ${sizes.large.toLocaleString("en-US")}-resource snapshot\n`);
  console.log(
    markdownTable(
      ["operation", "wall", "records/s", "peak RSS", "snapshot as JSON", "RSS / JSON (target ≤ 1.5×)"],
      [
        [
          "write (records generated on the fly)",
          formatMs(write.wallMs),
          perSecond(write.result.count, write.wallMs),
          formatMb(write.peakRssBytes),
          formatMb(write.result.jsonBytes),
          ratio(write.peakRssBytes, write.result.jsonBytes),
        ],
        [
          "read (readRecords)",
          formatMs(read.wallMs),
          perSecond(read.result.count, read.wallMs),
          formatMb(read.peakRssBytes),
          formatMb(write.result.jsonBytes),
          ratio(read.peakRssBytes, write.result.jsonBytes),
        ],
      ],
    ),
  );
}

function crashTrials() {
  if (sizes.crashTrials > 0) {
    const started = performance.now();
    const crash = spawnSync(
      process.execPath,
      [
        join(root, "node_modules/vitest/vitest.mjs"),
        "run",
        "packages/store-file/test/crash.test.ts",
        "-t",
        "SIGKILL",
        "--reporter=dot",
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          AZD_CRASH_TRIALS: String(sizes.crashTrials),
          AZD_CRASH_SEED: String(Date.now() % 100_000),
        },
        encoding: "utf8",
      },
    );
    console.log(
      `\n### Crash trials\n\n${sizes.crashTrials} SIGKILLs at random moments of a snapshot write: ${crash.status === 0 ? "all passed" : "FAILED"} in ${formatMs(performance.now() - started)}.`,
    );
    if (crash.status !== 0) {
      console.log(crash.stdout.slice(-3000));
      process.exitCode = 1;
    }
  }
}
