import type { ProgressEvent } from "@azure-drift/core";
import type { CliOutput } from "./io.js";

/** Counters shown on the progress line. */
interface ProgressState {
  subscriptions: number;
  subscriptionsDone: Set<string>;
  collectorsRunning: number;
  collectorsDone: number;
  collectorsTotal: number;
  /** Items of ARM list pages: resources as Azure lists them. */
  listed: number;
  pages: number;
  /** Records the finished collectors kept: what the snapshot will hold. */
  records: number;
  retries: number;
  phase: string;
}

/**
 * One updating line on a terminal (stderr): subscriptions and collectors done, the items ARM listed
 * (in how many pages), the records the finished collectors kept (what the snapshot holds; a
 * collector may fold child resources into a parent's record or fetch some by GET), and retries.
 * `clear()` removes the line so a log line can be written; the next event redraws it.
 */
export interface ProgressLine {
  onProgress(event: ProgressEvent): void;
  clear(): void;
  /** Clears the line for good. */
  stop(): void;
}

/** A progress line on `output`, redrawn at most every `intervalMs` (always on phase changes). */
export function createProgressLine(
  output: CliOutput,
  options: { collectorsPerSubscription: number; intervalMs?: number; now?: () => number },
): ProgressLine {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const state: ProgressState = {
    subscriptions: 0,
    subscriptionsDone: new Set(),
    collectorsRunning: 0,
    collectorsDone: 0,
    collectorsTotal: 0,
    listed: 0,
    pages: 0,
    records: 0,
    retries: 0,
    phase: "starting",
  };
  let shown = false;
  let stopped = false;
  let lastDraw = 0;
  let lastText = "";
  const perSubscription = new Map<string, number>();

  const draw = (force: boolean) => {
    if (stopped) return;
    const t = now();
    if (!force && t - lastDraw < interval) return;
    lastDraw = t;
    const width = output.columns && output.columns > 20 ? output.columns - 1 : 120;
    const text = [
      state.phase,
      `subscriptions ${state.subscriptionsDone.size}/${state.subscriptions}`,
      `collectors ${state.collectorsDone}/${state.collectorsTotal}`,
      `ARM items listed ${state.listed} (${state.pages} page${state.pages === 1 ? "" : "s"})`,
      `records kept ${state.records}`,
      `retries ${state.retries}`,
    ].join(" · ");
    if (shown && text === lastText) return;
    lastText = text;
    output.write(`\r\x1b[2K${text.slice(0, width)}`);
    shown = true;
  };

  return {
    onProgress(event) {
      switch (event.type) {
        case "check-started":
          state.subscriptions = event.subscriptions.length;
          state.collectorsTotal = event.subscriptions.length * options.collectorsPerSubscription;
          state.phase = "collecting";
          break;
        case "collector-started":
          state.collectorsRunning++;
          break;
        case "page":
          state.pages++;
          state.listed += event.items;
          break;
        case "retry":
          state.retries++;
          break;
        case "collector-finished": {
          state.collectorsRunning--;
          state.collectorsDone++;
          state.records += event.records;
          const done = (perSubscription.get(event.subscriptionId) ?? 0) + 1;
          perSubscription.set(event.subscriptionId, done);
          if (done >= options.collectorsPerSubscription) state.subscriptionsDone.add(event.subscriptionId);
          break;
        }
        // A check compares before it saves (nothing is saved when it cannot compare).
        case "diff-finished":
          state.phase = "saving";
          break;
        case "snapshot-saved":
          state.phase = "done";
          break;
      }
      draw(event.type !== "page");
    },
    clear() {
      if (shown) output.write("\r\x1b[2K");
      shown = false;
    },
    stop() {
      this.clear();
      stopped = true;
    },
  };
}
