import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { DriftError } from "@azure-drift/core";

/** Pieces queued but not yet placed before a producer waits: bounds memory while writes catch up. */
const MAX_PENDING = 16;
/**
 * Placed pieces are gathered and written with one call once this many bytes (or pieces) wait:
 * thousands of small blocks written one by one, each a round trip to the thread pool, bounded
 * the speed of a whole first snapshot.
 */
const WRITE_GATHER = 512 * 1024;
const WRITE_GATHER_PIECES = 256;

/**
 * A new file written front to back from pieces that may become ready out of order: each piece
 * lands after the previous one, and `finish` fsyncs the file once.
 */
export class AppendFile {
  private position: number;
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private failure: unknown;
  private waiting: (() => void)[] = [];
  private closed = false;
  /** Placed pieces not written yet, and where the first of them goes. */
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private gatheredAt = 0;

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
        if (this.gathered.length === 0) this.gatheredAt = offset;
        this.gathered.push(bytes);
        this.gatheredBytes += bytes.length;
        if (this.gatheredBytes >= WRITE_GATHER || this.gathered.length >= WRITE_GATHER_PIECES)
          await this.writeGathered();
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

  /** Writes the gathered pieces with one call. */
  private async writeGathered(): Promise<void> {
    const pieces = this.gathered;
    const at = this.gatheredAt;
    this.gathered = [];
    this.gatheredBytes = 0;
    let written = 0;
    let total = 0;
    for (const piece of pieces) total += piece.length;
    // writev may write less than asked, like write: the rest goes again.
    while (written < total) {
      const { bytesWritten } = await this.handle.writev(
        written === 0 ? pieces : [Buffer.concat(pieces).subarray(written)],
        at + written,
      );
      written += bytesWritten;
    }
  }

  /** Writes `last` after every queued piece, fsyncs and closes. Returns the file's size. */
  async finish(last?: (offset: number) => Promise<Buffer>): Promise<number> {
    await this.tail;
    this.check();
    this.closed = true;
    try {
      await this.writeGathered();
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
