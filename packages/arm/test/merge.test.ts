import { describe, expect, test } from "vitest";
import { mergeListings } from "../src/index.js";
import { collectAll } from "./helpers.js";

async function* delayed<T>(items: T[], delayMs: number, onClose?: () => void): AsyncIterable<T> {
  try {
    for (const item of items) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      yield item;
    }
  } finally {
    onClose?.();
  }
}

describe("mergeListings", () => {
  test("yields every item of every source, interleaved as they arrive", async () => {
    const merged = await collectAll(
      mergeListings([delayed(["a1", "a2", "a3"], 15), delayed(["b1", "b2"], 4)]),
    );
    expect([...merged].sort()).toEqual(["a1", "a2", "a3", "b1", "b2"]);
    // The fast source does not wait for the slow one.
    expect(merged.indexOf("b2")).toBeLessThan(merged.indexOf("a2"));
  });

  test("with a concurrency, only that many sources are open at once; later ones start as earlier ones end", async () => {
    let open = 0;
    let maxOpen = 0;
    async function* tracked(items: number[]): AsyncIterable<number> {
      open++;
      maxOpen = Math.max(maxOpen, open);
      try {
        for (const item of items) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          yield item;
        }
      } finally {
        open--;
      }
    }
    const sources = [[1, 2], [3], [4, 5, 6], [7], [8, 9]].map((items) => tracked(items));
    const merged = await collectAll(mergeListings(sources, { concurrency: 2 }));
    expect([...merged].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxOpen).toBe(2);
  });

  test("an empty list of sources yields nothing", async () => {
    expect(await collectAll(mergeListings<string>([]))).toEqual([]);
  });

  test("a failing source fails the merge and the other sources are closed", async () => {
    let closed = false;
    async function* failing(): AsyncIterable<string> {
      yield "x";
      throw new Error("boom");
    }
    const error = await collectAll(
      mergeListings([failing(), delayed(["slow1", "slow2", "slow3"], 20, () => (closed = true))]),
    ).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe("boom");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  test("stopping early closes the sources", async () => {
    let closed = 0;
    for await (const item of mergeListings([
      delayed([1, 2, 3], 2, () => closed++),
      delayed([4, 5, 6], 3, () => closed++),
    ])) {
      expect(typeof item).toBe("number");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(2);
  });
});
