// Issue #2's benchmark: the diff engine against the floor (reading + JSON.parse) and a naive
// microdiff, on a synthetic tenant with 1 % modified, 0.2 % added and removed, and 5 % noise that
// is not drift. Every row runs in fresh processes; median of the runs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureInChild } from "./lib/child.js";
import { selected, sizesOr } from "./lib/select.js";
import { formatMb, formatMs, markdownTable, median, ratio } from "./lib/table.js";
import type { Args, Ingestion, Scored } from "./tasks/diff-tasks.js";

const quick = process.argv.includes("--quick");
// The floor holds both files and their parsed objects at once: at 100k that passes Node's default heap.
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=12288`.trim();
const sizes = sizesOr(quick ? [2_000, 10_000] : [10_000, 100_000]);
const runs = 3;
const tasks = fileURLToPath(new URL("./tasks/diff-tasks.ts", import.meta.url));
const rows = [
  { name: "(a) floor: read + JSON.parse both (NDJSON)", task: "floor" },
  { name: "(b) naive: (a) + microdiff per id", task: "naive" },
  { name: "(c) engine on two files", task: "engineFiles" },
  { name: "(d) engine on two stored snapshots", task: "engineStored" },
].filter((row) => row.task === "floor" || selected(row.task));
// The floor is every ratio's baseline: it runs when any other row does.
if (rows.length === 1) rows.length = 0;

for (const resources of sizes) {
  const dir = await mkdtemp(join(tmpdir(), "azd-bench-diff-"));
  try {
    const args: Args = { dir, resources, seed: 42 };
    const prepared = await measureInChild<{ bytes: number; truth: number }>(tasks, "setup", args);
    const table: (string | number)[][] = [];
    let floorMs = 0;
    let floorCpuMs = 0;
    for (const row of rows) {
      const measured = [];
      for (let run = 0; run < runs; run++) measured.push(await measureInChild<Scored>(tasks, row.task, args));
      const ms = median(measured.map((m) => m.result.ms));
      const cpuMs = median(measured.map((m) => m.result.cpuMs));
      if (row.task === "floor") {
        floorMs = ms;
        floorCpuMs = cpuMs;
      }
      const last = measured[measured.length - 1]?.result;
      table.push([
        row.name,
        formatMs(ms),
        ratio(ms, floorMs),
        formatMs(cpuMs),
        ratio(cpuMs, floorCpuMs),
        ((ms * 1e6) / resources).toFixed(0),
        formatMb(median(measured.map((m) => m.peakRssBytes))),
        last?.falsePositives == null || Number.isNaN(last.falsePositives) ? "–" : String(last.falsePositives),
        last?.falseNegatives == null || Number.isNaN(last.falseNegatives) ? "–" : String(last.falseNegatives),
      ]);
    }
    console.log(
      `\nN = ${resources.toLocaleString("en")} resources, ${formatMb(prepared.result.bytes)} of ARM JSON as NDJSON (both files), ${prepared.result.truth} true changes; median of ${runs} runs\n`,
    );
    if (table.length > 0) {
      console.log(
        markdownTable(
          ["row", "median", "× floor", "CPU", "CPU × floor", "ns/resource", "peak RSS", "false +", "false −"],
          table,
        ),
      );
    }
    if (!selected("ingest")) continue;
    const ingestion = [];
    for (let run = 0; run < runs; run++)
      ingestion.push(await measureInChild<Ingestion>(tasks, "ingest", args));
    const recordUs = median(ingestion.map((m) => m.result.recordUs));
    const normalizeUs = median(ingestion.map((m) => m.result.normalizeUs));
    const recordCpuUs = median(ingestion.map((m) => m.result.recordCpuUs));
    const normalizeCpuUs = median(ingestion.map((m) => m.result.normalizeCpuUs));
    console.log(
      `\n(e) Ingestion of the same ${resources.toLocaleString("en")} resources (the "before" file, parsed first, not timed; after a warm-up on 1,000 of them); median of ${runs} runs\n`,
    );
    console.log(
      markdownTable(
        [
          "row",
          "µs/resource",
          "of which normalization (and redaction)",
          "CPU µs/resource",
          "of which normalization",
          "goal",
        ],
        [
          [
            "createRecord: normalize, redact, canonical JSON, SHA-256",
            recordUs.toFixed(1),
            `${normalizeUs.toFixed(1)} µs`,
            recordCpuUs.toFixed(1),
            `${normalizeCpuUs.toFixed(1)} µs`,
            "≤ 30 µs",
          ],
        ],
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
