import { Worker } from "node:worker_threads";
import { DriftError } from "@azure-drift/core";

// The worker's whole program, plain CommonJS run by `eval`: no file to find next to the bundle,
// whichever of the ESM, CJS or source builds loaded this module. It compresses each block of a
// batch as its own chained raw DEFLATE stream (level 1, ending with a sync flush), exactly as
// `compressPackBlock` does on the calling thread.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { constants, deflateRawSync } = require("node:zlib");
const options = { level: 1, finishFlush: constants.Z_SYNC_FLUSH };
parentPort.on("message", ({ id, data, lengths }) => {
  try {
    const input = Buffer.from(data);
    const outputs = [];
    let at = 0;
    for (const length of lengths) {
      outputs.push(deflateRawSync(input.subarray(at, at + length), options));
      at += length;
    }
    const joined = Buffer.concat(outputs);
    const buffer = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.length);
    parentPort.postMessage({ id, data: buffer, lengths: outputs.map((output) => output.length) }, [buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
`;

/** Blocks sent to the worker in one message: few enough to keep it busy while the next fill. */
const BATCH_BLOCKS = 8;

interface Waiting {
  resolve: (compressed: Buffer) => void;
  reject: (error: unknown) => void;
}

/**
 * Compresses chained "gzip" pack blocks on a worker thread, a batch of blocks per message, so a
 * first snapshot's writer spends its own thread on serializing documents while the other core
 * compresses them. One per pack writer: `close` ends the thread.
 */
export class BlockCompressor {
  private readonly worker: Worker;
  private batch: Buffer[] = [];
  private batchWaiting: Waiting[] = [];
  private readonly sent = new Map<number, Waiting[]>();
  private nextId = 0;
  private failure: unknown;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Never what keeps a process alive: a writer left unfinished must not hang its exit.
    this.worker.unref();
    this.worker.on(
      "message",
      (message: { id: number; data?: ArrayBuffer; lengths?: number[]; error?: string }) =>
        this.receive(message),
    );
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => {
      if (this.sent.size > 0 || this.batchWaiting.length > 0)
        this.fail(new Error(`the compression thread exited (code ${code})`));
    });
  }

  /** The block compressed; batches go out as they fill, or at {@link flush}. */
  compress(raw: Buffer): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const done = new Promise<Buffer>((resolve, reject) => this.batchWaiting.push({ resolve, reject }));
    this.batch.push(raw);
    if (this.batch.length >= BATCH_BLOCKS) this.flush();
    return done;
  }

  /** Sends the blocks not sent yet. */
  flush(): void {
    if (this.batch.length === 0) return;
    const id = this.nextId++;
    const joined = Buffer.concat(this.batch);
    const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.length);
    this.sent.set(id, this.batchWaiting);
    const lengths = this.batch.map((raw) => raw.length);
    this.batch = [];
    this.batchWaiting = [];
    this.worker.postMessage({ id, data, lengths }, [data]);
  }

  /** Ends the thread; blocks still waiting fail. */
  async close(): Promise<void> {
    this.fail(new DriftError("E_ABORTED", "The pack's compression thread was closed."));
    await this.worker.terminate();
  }

  private receive(message: { id: number; data?: ArrayBuffer; lengths?: number[]; error?: string }): void {
    const waiting = this.sent.get(message.id);
    if (!waiting) return;
    this.sent.delete(message.id);
    if (message.error !== undefined || !message.data || !message.lengths) {
      const error = new Error(`compressing a pack block failed: ${message.error}`);
      for (const { reject } of waiting) reject(error);
      return;
    }
    const joined = Buffer.from(message.data);
    let at = 0;
    for (const [index, { resolve }] of waiting.entries()) {
      const length = message.lengths[index]!;
      resolve(joined.subarray(at, at + length));
      at += length;
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const waiting of [...this.sent.values(), this.batchWaiting])
      for (const { reject } of waiting) reject(error);
    this.sent.clear();
    this.batchWaiting = [];
    this.batch = [];
  }
}
