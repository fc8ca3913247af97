// The child side of measureInChild: imports the task, times it, reports peak RSS as JSON on stdout.
import { resourceUsage } from "node:process";
import { pathToFileURL } from "node:url";

const [modulePath, exportName, rawArgs] = process.argv.slice(2);
const task = (await import(pathToFileURL(modulePath ?? "").href))[exportName ?? "default"];
const cpuBefore = resourceUsage();
const started = performance.now();
const result = await task(JSON.parse(rawArgs ?? "null"));
const wallMs = performance.now() - started;
const usage = resourceUsage();
// CPU time (µs, every thread of the process) reads truer than wall time on a machine others load.
const cpuMs =
  (usage.userCPUTime + usage.systemCPUTime - cpuBefore.userCPUTime - cpuBefore.systemCPUTime) / 1000;
// maxRSS is in kilobytes on Linux.
process.stdout.write(`\n${JSON.stringify({ wallMs, cpuMs, peakRssBytes: usage.maxRSS * 1024, result })}\n`);
