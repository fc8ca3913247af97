import { expect, test } from "vitest";
import { mergeBounded } from "../src/merge.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function* numbers(from: number, count: number, log?: string[]): AsyncGenerator<number> {
  log?.push(`start ${from}`);
  for (let i = 0; i < count; i++) {
    await tick();
    yield from + i;
  }
  log?.push(`end ${from}`);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

test("yields every item of every source", async () => {
  const merged = await collect(
    mergeBounded([() => numbers(0, 3), () => numbers(10, 2), () => numbers(20, 0)], 2),
  );
  expect(merged.sort((a, b) => a - b)).toEqual([0, 1, 2, 10, 11]);
});

test("runs at most `concurrency` sources at once, starting the next when one ends", async () => {
  const log: string[] = [];
  await collect(
    mergeBounded(
      [0, 10, 20, 30].map((from) => () => numbers(from, 2, log)),
      2,
    ),
  );
  // The third source starts only after one of the first two ended.
  const thirdStart = log.indexOf("start 20");
  expect(log.slice(0, thirdStart).filter((line) => line.startsWith("end")).length).toBeGreaterThanOrEqual(1);
  expect(log.slice(0, 2)).toEqual(["start 0", "start 10"]);
  expect(log.filter((line) => line.startsWith("end"))).toHaveLength(4);
});

test("the first error stops the merge and is rethrown, and other sources are returned", async () => {
  let returned = false;
  async function* failing(): AsyncGenerator<number> {
    yield -1;
    await tick();
    throw new Error("boom");
  }
  async function* slow(): AsyncGenerator<number> {
    try {
      for (let i = 0; ; i++) {
        await tick();
        yield i;
      }
    } finally {
      returned = true;
    }
  }
  await expect(collect(mergeBounded([slow, failing]))).rejects.toThrow("boom");
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(returned).toBe(true);
});

test("no sources: nothing", async () => {
  expect(await collect(mergeBounded<number>([]))).toEqual([]);
});
