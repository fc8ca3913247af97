// MongoDB store benchmark (issue #13): a 100k-resource snapshot, then 10 snapshots at 1 % churn;
// one read back; a diff of the last two stored snapshots. Records/s for each against the file store
// measured in the same run, BSON bytes stored per snapshot against one document per resource per
// snapshot, and commands sent (round trips) per snapshot. Against MONGODB_URI when set, else the
// FerretDB server of .ci/services (started here when needed). `--quick` for 5k resources.
import { fileURLToPath } from "node:url";
import { measureInChild } from "./lib/child.js";
import { serviceUrl } from "./lib/services.js";
import { formatMb, formatMs, markdownTable, median } from "./lib/table.js";
import type { WorkloadResult } from "./tasks/store-mongo-tasks.js";

const quick = process.argv.includes("--quick");
const tasks = fileURLToPath(new URL("./tasks/store-mongo-tasks.ts", import.meta.url));
const sizes = quick ? { records: 5000, churnSnapshots: 10 } : { records: 100_000, churnSnapshots: 10 };

const uri = serviceUrl("MONGODB_URI", "bench/store-mongo");
const server = uri.includes("@")
  ? "a MongoDB of MONGODB_URI"
  : process.env.MONGODB_URI
    ? uri
    : `FerretDB 1.24.2 (SQLite) at ${uri}`;
const mongo = (await measureInChild<WorkloadResult>(tasks, "mongoWorkload", { uri, ...sizes })).result;
const file = (await measureInChild<WorkloadResult>(tasks, "fileWorkload", sizes)).result;

const rate = (records: number, ms: number) =>
  `${Math.round((records / ms) * 1000).toLocaleString("en-US")}/s`;
const row = (what: string, records: number, mongoMs: number, fileMs: number) => [
  what,
  `${rate(records, mongoMs)} (${formatMs(mongoMs)})`,
  `${rate(records, fileMs)} (${formatMs(fileMs)})`,
  `${(fileMs / mongoMs).toFixed(2)}×`,
];
const churnRecords = sizes.records;
console.log(
  `### ${sizes.records.toLocaleString("en-US")} resources, then ${sizes.churnSnapshots} snapshots at 1 % churn; server: ${server}\n`,
);
console.log(
  markdownTable(
    ["operation", "MongoDB store", "file store (same run)", "MongoDB rate ÷ file rate"],
    [
      row("write, first snapshot (every document new)", sizes.records, mongo.firstWriteMs, file.firstWriteMs),
      row(
        "write, a 1 % churn snapshot (median)",
        churnRecords,
        median(mongo.churnWriteMs),
        median(file.churnWriteMs),
      ),
      row("read one snapshot back (readRecords)", sizes.records, mongo.readMs, file.readMs),
      row(
        `diff two stored snapshots (${mongo.diffChanges} changed)`,
        sizes.records,
        mongo.diffMs,
        file.diffMs,
      ),
    ],
  ),
);
const snapshots = sizes.churnSnapshots + 1;
const perChurn = (mongo.bytesAfterAll! - mongo.bytesAfterFirst!) / sizes.churnSnapshots;
console.log(
  `\n${markdownTable(
    ["measure", "MongoDB store", "one document per resource per snapshot", "ratio"],
    [
      [
        "bytes stored, first snapshot",
        formatMb(mongo.bytesAfterFirst!),
        formatMb(mongo.naiveBytesPerSnapshot!),
        `${((mongo.bytesAfterFirst! / mongo.naiveBytesPerSnapshot!) * 100).toFixed(1)} %`,
      ],
      [
        "bytes stored per 1 % churn snapshot",
        `${(perChurn / 1024).toFixed(0)} KB`,
        formatMb(mongo.naiveBytesPerSnapshot!),
        `${((perChurn / mongo.naiveBytesPerSnapshot!) * 100).toFixed(2)} %`,
      ],
      [
        `bytes stored, all ${snapshots} snapshots`,
        formatMb(mongo.bytesAfterAll!),
        formatMb(mongo.naiveBytesPerSnapshot! * snapshots),
        `${((mongo.bytesAfterAll! / (mongo.naiveBytesPerSnapshot! * snapshots)) * 100).toFixed(2)} %`,
      ],
      [
        "round trips, first snapshot",
        String(mongo.firstRoundTrips),
        `${sizes.records.toLocaleString("en-US")} inserts (1,000 per bulk: ${Math.ceil(sizes.records / 1000)})`,
        "",
      ],
      ["round trips, a 1 % churn snapshot (median)", String(median(mongo.churnRoundTrips!)), "", ""],
    ],
  )}`,
);
console.log(
  "\nBytes are BSON bytes of what the store keeps (configs and index chunks gzipped), before the server's own compression. Round trips are commands the driver sent (getMore included).",
);
