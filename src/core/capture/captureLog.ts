// The JSONL writer. One file per launch; each record is serialized whole and handed
// to a single append stream, so concurrent exchanges never interleave inside a line
// and a crash can at worst tear the last line. A write failure is reported once and
// never reaches the relay: the agent's traffic matters more than our log.

import { createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CaptureRecord } from '../records';
import type { KnownValue } from '../secrets/secretScanner';

const NEWLINE = Buffer.from('\n');

export const DEFAULT_CAPTURE_DIR = '.agent-interlude';

/** `log-YYYYMMDDTHHMMSSZ.jsonl`, the original's name, so both tools' files sort together. */
export function logFileName(date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `log-${stamp}.jsonl`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the capture directory if needed. Captures hold whole prompts (code, maybe
 * secrets), so the directory ignores itself in git from the moment it exists.
 */
export async function prepareCaptureDir(directory: string): Promise<string> {
  const absolute = resolve(directory);
  await mkdir(absolute, { recursive: true });
  const gitignore = join(absolute, '.gitignore');
  if (!(await exists(gitignore))) await writeFile(gitignore, '*\n', { flag: 'wx' }).catch(() => undefined);
  return absolute;
}

export interface CaptureLogEvents {
  onWriteError?: (error: Error) => void;
  /**
   * The last look at a record's JSON before it is written (secrets are flagged or masked here): its UTF-8 bytes
   * as pieces, without the newline, and the objects in it already known by a digest (a spliced request's
   * messages, see KnownValue). Returns the pieces to write; the same array when it changes nothing.
   */
  transformLine?: (json: Uint8Array[], known?: readonly KnownValue[]) => Uint8Array[];
}

export class CaptureLog {
  private failed?: Error;
  private droppedRecords = 0;
  private readonly stream: WriteStream;

  private constructor(
    readonly path: string,
    private readonly events: CaptureLogEvents,
  ) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (error) => this.fail(error));
  }

  /** Opens a new log file in `directory`, or appends to `filePath` when given. */
  static async open(directory: string, events: CaptureLogEvents = {}, filePath?: string): Promise<CaptureLog> {
    const path = filePath ?? join(await prepareCaptureDir(directory), logFileName());
    const log = new CaptureLog(path, events);
    await new Promise<void>((resolveOpen, rejectOpen) => {
      log.stream.once('ready', () => resolveOpen());
      log.stream.once('error', rejectOpen);
    });
    return log;
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    this.events.onWriteError?.(error);
  }

  get writeError(): Error | undefined {
    return this.failed;
  }

  get dropped(): number {
    return this.droppedRecords;
  }

  write(record: CaptureRecord, done?: () => void): void {
    let line: string | Uint8Array[];
    try {
      const json = JSON.stringify(record);
      line = this.events.transformLine ? [...this.events.transformLine([Buffer.from(json)]), NEWLINE] : `${json}\n`;
    } catch (error) {
      this.events.onWriteError?.(new Error(`record ${record.id} could not be serialized: ${(error as Error).message}`));
      done?.();
      return;
    }
    this.writePieces(line, done);
  }

  /**
   * Appends one finished line (a record's JSON and its newline), whole or as pieces written back to back (one
   * writev; the pieces are views of a body, not copies). `done` runs once the stream has written it (or failed),
   * so the caller can account for the memory it held. `known`: objects of the line known by a digest, for the hook.
   */
  writeLine(line: string | Uint8Array[], done?: () => void, known?: readonly KnownValue[]): void {
    if (this.failed) {
      this.droppedRecords += 1;
      done?.();
      return;
    }
    if (typeof line !== 'string' && this.events.transformLine) {
      // A spliced line gets the same last look as a serialized one, on its bytes (never decoded whole). The hook
      // returns its input when it changes nothing (the usual case), and then the pieces go out as they are.
      const last = line[line.length - 1];
      const json = last.byteLength > 1 ? [...line.slice(0, -1), last.subarray(0, last.byteLength - 1)] : line.slice(0, -1);
      const transformed = this.events.transformLine(json, known);
      if (transformed !== json) line = [...transformed, NEWLINE];
    }
    this.writePieces(line, done);
  }

  private writePieces(line: string | Uint8Array[], done?: () => void): void {
    if (this.failed) {
      this.droppedRecords += 1;
      done?.();
      return;
    }
    if (typeof line === 'string') {
      this.stream.write(line, done);
      return;
    }
    this.stream.cork();
    line.forEach((piece, index) => this.stream.write(piece, index === line.length - 1 ? done : undefined));
    this.stream.uncork();
  }

  /**
   * Lines written until uncork() go to the file in one writev: each write is a wake-up of one of libuv's threads
   * and then of this one, so a batch of commands (a request line and its response's, several exchanges' under
   * load) costs one.
   */
  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.stream.uncork();
  }

  /** Resolves once everything written so far is on disk (or the log has failed). */
  async close(): Promise<void> {
    if (this.stream.closed) return;
    await new Promise<void>((resolveClose) => {
      this.stream.end(() => resolveClose());
      this.stream.once('error', () => resolveClose());
    });
  }
}
