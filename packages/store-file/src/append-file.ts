import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { DriftError } from "@azure-drift/core";

/** Pieces queued but not yet on disk before a producer waits: bounds memory while zlib catches up. */
const MAX_PENDING = 16;

/**
 * A new file written front to back from pieces that become ready out of order (compressed in zlib's
 * thread pool while the main thread goes on): each piece lands after the previous one, and `finish`
 * fsyncs the file once.
 */
export class AppendFile {
  private position: number;
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private failure: unknown;
  private waiting: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    headerLength: number,
  ) {
    this.position = headerLength;
  }

  /** Creates `file` (it must not exist) and writes its header. */
  static async create(file: string, header: Buffer): Promise<AppendFile> {
    const handle = await open(file, "wx");
    try {
      await handle.write(header, 0, header.length, 0);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    return new AppendFile(file, handle, header.length);
  }

  /** Throws the first write failure, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Queues a piece; `placed` learns its offset once the pieces before it are written. */
  append(piece: Promise<Buffer>, placed?: (offset: number, length: number) => void): void {
    this.check();
    piece.catch(() => {});
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        const bytes = await piece;
        if (this.failure !== undefined) return;
        const offset = this.position;
        this.position += bytes.length;
        placed?.(offset, bytes.length);
        await this.handle.write(bytes, 0, bytes.length, offset);
      } catch (error) {
        this.failure ??= error;
      } finally {
        this.pending--;
        for (const wake of this.waiting.splice(0)) wake();
      }
    });
  }

  /** Resolves once fewer pieces than the limit are in flight. */
  async waitForRoom(): Promise<void> {
    while (this.pending >= MAX_PENDING && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.check();
  }

  /** Writes `last` after every queued piece, fsyncs and closes. Returns the file's size. */
  async finish(last?: (offset: number) => Promise<Buffer>): Promise<number> {
    await this.tail;
    this.check();
    this.closed = true;
    try {
      if (last) {
        const bytes = await last(this.position);
        await this.handle.write(bytes, 0, bytes.length, this.position);
        this.position += bytes.length;
      }
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    return this.position;
  }

  /** Stops: queued pieces are dropped and the handle closed; removing the file is the caller's. */
  async abort(): Promise<void> {
    this.failure ??= new DriftError("E_ABORTED", `The write of ${this.file} was aborted.`);
    await this.tail;
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => {});
    }
  }
}
