// Streaming line reader for JSONL capture logs: reads a byte range of a file in large chunks, splits on
// '\n' bytes without decoding (lines are handed over as byte ranges of a shared buffer), and tracks each
// line's byte offset. Blank lines are counted, never handed over. Bytes after the last newline are not
// consumed: the writer may still be appending that record, so the next read starts again at its first byte.

import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Read size; a line longer than the buffer grows it (a line is always handed over whole). */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A complete, non-blank line: bytes [start, end) of `buf` (without its newline, and without a '\r'
 * before it), whose first byte is at byte `offset` of the file. `buf` is reused after the call returns.
 */
export type LineVisitor = (buf: Buffer, start: number, end: number, offset: number) => void;

export interface ReadSummary {
  /** File offset just after the last newline read: where the next read must start. */
  consumed: number;
  /** Non-blank complete lines handed to the visitor. */
  lines: number;
  blank: number;
  /** Bytes after the last newline (a record being written, or torn); not consumed. */
  tailBytes: number;
}

export interface ReadRange {
  /** First byte to read (a line start). */
  from: number;
  /** Read up to this byte (exclusive), normally the file's size when the read began. */
  to: number;
  chunkBytes?: number;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at++) {
    const byte = buf[at];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d && byte !== 0x0b && byte !== 0x0c) return false;
  }
  return true;
}

/** Splits what is in `buf[0, filled)` into lines; returns how many bytes were consumed. */
function splitLines(buf: Buffer, filled: number, baseOffset: number, summary: ReadSummary, visit: LineVisitor): number {
  let start = 0;
  for (;;) {
    const newline = buf.indexOf(0x0a, start);
    if (newline === -1 || newline >= filled) return start;
    let end = newline;
    if (end > start && buf[end - 1] === 0x0d) end--;
    if (end === start || isBlank(buf, start, end)) {
      summary.blank++;
    } else {
      summary.lines++;
      visit(buf, start, end, baseOffset + start);
    }
    start = newline + 1;
  }
}

/** The chunk loop shared by the synchronous and asynchronous readers. */
class ChunkedLines {
  buf: Buffer;
  /** Bytes of an unfinished line kept at the start of `buf`. */
  carried = 0;
  /** File offset of buf[0]. */
  bufOffset: number;
  readonly summary: ReadSummary;

  constructor(
    readonly range: ReadRange,
    private readonly visit: LineVisitor,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, Math.min(range.chunkBytes ?? DEFAULT_CHUNK_BYTES, range.to - range.from || 1)));
    this.bufOffset = range.from;
    this.summary = { consumed: range.from, lines: 0, blank: 0, tailBytes: 0 };
  }

  /** Where the next read goes and how much it may read; undefined when the range is done. */
  nextRead(): { position: number; at: number; length: number } | undefined {
    const position = this.bufOffset + this.carried;
    if (position >= this.range.to) return undefined;
    if (this.carried === this.buf.length) {
      // One line longer than the buffer: grow it, keeping what was read.
      const grown = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(grown, 0, 0, this.carried);
      this.buf = grown;
    }
    return { position, at: this.carried, length: Math.min(this.buf.length - this.carried, this.range.to - position) };
  }

  /** `bytesRead` new bytes landed at `carried`; hand over the complete lines and keep the rest. */
  take(bytesRead: number): boolean {
    if (bytesRead <= 0) return false; // The file shrank under us; stop at what we have.
    const filled = this.carried + bytesRead;
    const used = splitLines(this.buf, filled, this.bufOffset, this.summary, this.visit);
    this.summary.consumed = this.bufOffset + used;
    if (used > 0 && used < filled) this.buf.copyWithin(0, used, filled);
    this.carried = filled - used;
    this.bufOffset += used;
    return true;
  }

  finish(): ReadSummary {
    this.summary.tailBytes = this.carried;
    return this.summary;
  }
}

/** Reads the lines of [from, to) of an open file descriptor, synchronously (worker threads, small reads). */
export function readLinesSync(fd: number, range: ReadRange, visit: LineVisitor): ReadSummary {
  const lines = new ChunkedLines(range, visit);
  for (let next = lines.nextRead(); next; next = lines.nextRead()) {
    if (!lines.take(readSync(fd, lines.buf, next.at, next.length, next.position))) break;
  }
  return lines.finish();
}

/** Reads the lines of [from, to) of `path`, yielding to the event loop between chunks. */
export async function readLines(path: string, range: ReadRange, visit: LineVisitor): Promise<ReadSummary> {
  const handle = await open(path, 'r');
  try {
    const lines = new ChunkedLines(range, visit);
    for (let next = lines.nextRead(); next; next = lines.nextRead()) {
      const { bytesRead } = await handle.read(lines.buf, next.at, next.length, next.position);
      if (!lines.take(bytesRead)) break;
    }
    return lines.finish();
  } finally {
    await handle.close();
  }
}

/** Synchronous variant by path. */
export function readFileLinesSync(path: string, range: ReadRange, visit: LineVisitor): ReadSummary {
  const fd = openSync(path, 'r');
  try {
    return readLinesSync(fd, range, visit);
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits [0, size) of a file into `parts` byte ranges that each start at a line start, for parallel
 * indexing. A boundary is moved forward to just after the next newline; ranges may come out empty.
 */
export function splitAtLines(fd: number, from: number, size: number, parts: number): Array<{ from: number; to: number }> {
  const ranges: Array<{ from: number; to: number }> = [];
  const probe = Buffer.allocUnsafe(64 * 1024);
  let start = from;
  for (let part = 1; part <= parts && start < size; part++) {
    let boundary = part === parts ? size : Math.max(start, from + Math.floor(((size - from) * part) / parts));
    if (part < parts) {
      // Find the first newline at or after the nominal boundary.
      let found = -1;
      for (let at = boundary; at < size && found === -1; at += probe.length) {
        const read = readSync(fd, probe, 0, Math.min(probe.length, size - at), at);
        if (read <= 0) break;
        const newline = probe.subarray(0, read).indexOf(0x0a);
        if (newline !== -1) found = at + newline;
      }
      boundary = found === -1 ? size : found + 1;
    }
    ranges.push({ from: start, to: boundary });
    start = boundary;
  }
  return ranges;
}
