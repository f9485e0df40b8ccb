import type { DestinationStream, pino } from 'pino';

/** pino's file descriptor writer (sonic-boom). */
type Writer = ReturnType<typeof pino.destination>;

/** Every batch with lines still waiting, flushed when the process exits. */
const waiting = new Set<LineBatch>();
let exitHooked = false;

/**
 * Collects log lines and hands them to the file descriptor's writer as one string per batch:
 * one write of up to `batchChars` characters, at least every `lingerMs`. sonic-boom's own
 * batching (minLength) measures its whole pending buffer again for every line it appends, which
 * copies that buffer each time: up to 16 KB of garbage per line under load.
 */
export class LineBatch implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;

  constructor(
    private readonly sink: Writer,
    private readonly batchChars: number,
    lingerMs: number,
  ) {
    setInterval(() => this.flush(), lingerMs).unref();
    if (!exitHooked) {
      exitHooked = true;
      process.on('beforeExit', () => {
        for (const batch of waiting) batch.flush();
      });
      process.once('exit', () => {
        for (const batch of waiting) batch.flushSync();
      });
    }
  }

  write(line: string): void {
    if (this.lines.length === 0) waiting.add(this);
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.batchChars) this.flush();
  }

  /** Hands the waiting lines to the writer, which writes them out asynchronously. */
  flush(done?: (err?: Error) => void): void {
    const batch = this.take();
    if (batch !== '') this.sink.write(batch);
    if (done !== undefined) this.sink.flush(done);
  }

  /** Writes what the writer holds, then the waiting lines, before this call returns. */
  flushSync(): void {
    const batch = this.take();
    if (batch === '') return this.sink.flushSync();
    // A write on an idle writer would start asynchronously, and an exiting process never sees
    // it finish: with a minimum length it cannot reach, the batch only queues, and flushSync
    // writes it out with the rest, retrying a busy pipe as the writer does for its own.
    // minLength is a plain field of sonic-boom that its type declarations leave out.
    (this.sink as Writer & { minLength: number }).minLength = Number.POSITIVE_INFINITY;
    this.sink.write(batch);
    this.sink.flushSync();
  }

  private take(): string {
    if (this.lines.length === 0) return '';
    waiting.delete(this);
    const batch = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    return batch;
  }
}
