/**
 * An unbounded queue between one producer and several consumers: `take` waits for the next item
 * and resolves `undefined` once the queue is closed and empty. Lets the identities' listing hand
 * each identity to the credential listings while it is still paging.
 */
export class WorkQueue<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((item: T | undefined) => void)[] = [];
  private closed = false;

  /** Adds an item, handing it straight to a waiting consumer if there is one. */
  push(item: T): void {
    if (this.closed) throw new Error("WorkQueue: push after close");
    const consumer = this.waiting.shift();
    if (consumer) consumer(item);
    else this.items.push(item);
  }

  /** No more items: consumers get what is queued, then `undefined`. */
  close(): void {
    this.closed = true;
    for (const consumer of this.waiting.splice(0)) consumer(undefined);
  }

  /** The next item, or `undefined` once the queue is closed and drained. */
  take(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
