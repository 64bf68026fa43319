// The log search's worker thread (see logTextScan.ts): scans its share of the log files' bytes for one query and
// posts its hits in batches as it goes, so the caller can show results (and a growing count) before the scan ends.
// A newer query terminates this worker mid-scan: nothing to cancel inside.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { LogTextScanner, type ScanHit } from './logTextScan';

export const LOG_SEARCH_TASK_MARK = 'agentInterludeLogSearch';

export interface LogSearchTask {
  query: string;
  /** Files in log order, each scanned up to `size` bytes (what the index has read; later bytes are not indexed yet). */
  files: Array<{ path: string; size: number }>;
}

/**
 * One worker's share: the records that start in [start, end) of each file (a record running past `end` is read to
 * its end; one starting before `start` is another worker's), the file read no further than `size`.
 */
export interface LogSearchShare {
  query: string;
  pieces: Array<{ path: string; size: number; start: number; end: number }>;
}

export type LogSearchMessage =
  | { type: 'hits'; hits: ScanHit[]; scannedBytes: number }
  | { type: 'done'; scannedBytes: number; ms: number }
  | { type: 'error'; message: string }
  /** Started and warmed up: a search sent now begins at once. */
  | { type: 'ready' };

// 1 MiB: read, lower-cased and searched while it is still in the CPU cache. A fresh 16 MiB buffer (each search is
// a fresh worker) cost more in page faults than the reading: 83 ms of CPU to read a 30 MiB log, against 13 ms in
// 1 MiB reads (load 3.4). A record longer than this grows the buffer.
const CHUNK_BYTES = 1024 * 1024;
/** Hits are held back at most this long, so the first ones show at once and later ones in few messages. */
const BATCH_MS = 100;

/** The first record start at or after `offset` (just after a newline), or `size`. */
function recordStartFrom(fd: number, offset: number, size: number): number {
  if (offset <= 0) return 0;
  const probe = Buffer.allocUnsafe(64 * 1024);
  for (let position = offset - 1; position < size; ) {
    const read = readSync(fd, probe, 0, Math.min(probe.length, size - position), position);
    if (read === 0) break;
    const newline = probe.subarray(0, read).indexOf(10);
    if (newline >= 0) return position + newline + 1;
    position += read;
  }
  return size;
}

function run(share: LogSearchShare, post: (message: LogSearchMessage) => void): void {
  const started = performance.now();
  // One buffer for the whole scan: each read lands after the part of a record the previous chunk ended in (moved
  // to the front), so no chunk is copied again; it grows only for a record longer than itself.
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let scannedBytes = 0;
  let pending: ScanHit[] = [];
  let lastPost = 0;
  const flush = (force: boolean): void => {
    if (pending.length === 0 || (!force && performance.now() - lastPost < BATCH_MS)) return;
    post({ type: 'hits', hits: pending, scannedBytes });
    pending = [];
    lastPost = performance.now();
  };
  // One scanner for all files (an exchange's request and response may sit in two); each piece ends on a record's
  // end, as a record never spans two files.
  const scanner = new LogTextScanner(share.query);
  for (const piece of share.pieces) {
    const fd = openSync(piece.path, 'r');
    let carry = 0;
    try {
      const from = recordStartFrom(fd, piece.start, piece.size);
      const to = piece.end >= piece.size ? piece.size : recordStartFrom(fd, piece.end, piece.size);
      for (let position = from; position < to; ) {
        if (carry === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, carry);
          buffer = bigger;
        }
        const read = readSync(fd, buffer, carry, Math.min(buffer.length - carry, to - position), position);
        if (read === 0) break;
        position += read;
        scannedBytes += read;
        const filled = carry + read;
        const lastNewline = buffer.lastIndexOf(10, filled - 1);
        if (lastNewline < 0) {
          carry = filled;
          continue;
        }
        pending.push(...scanner.scanRecords(buffer, lastNewline + 1));
        carry = filled - (lastNewline + 1);
        buffer.copyWithin(0, lastNewline + 1, filled);
        flush(lastPost === 0);
      }
      // A last record without its newline (one being written): scanned as it is.
      if (carry > 0) pending.push(...scanner.scanRecords(buffer, carry));
    } finally {
      closeSync(fd);
    }
  }
  flush(true);
  post({ type: 'done', scannedBytes, ms: Math.round(performance.now() - started) });
}

/**
 * Runs the scanner over a made-up log once, as the worker starts: its code is compiled before the first real
 * search, which otherwise ran its first ~100 MiB in the interpreter (a first search of a 100 MiB log took 0.86 s
 * against 0.22–0.27 s for the next ones, load 2.3).
 */
function warmUp(): void {
  const words = 'the quick naïve café said “hello” and\nthen wrote a file named report.txt; ÉTÉ 日本語 '.repeat(40);
  // Text blocks that end and start with a piece of a query of two words: the path that joins blocks runs too.
  const body = { system: [{ type: 'text', text: words }], messages: [{ role: 'user', content: [{ type: 'text', text: words }, { type: 'text', text: `${words} naïve` }, { type: 'text', text: `café ${words}` }] }] };
  const request = JSON.stringify({ id: 'warm', kind: 'request', agent: 'claude', request: body, extract: body, schema: 1, request_bytes: 1 });
  const response = JSON.stringify({ id: 'warm', kind: 'response', agent: 'claude', reconstructed: { text: words, tool_uses: [] }, schema: 1 });
  const log = Buffer.from(`${request}\n${response}\n`.repeat(16));
  for (const query of ['the', 'naïve café', 'zzqq-not-there']) {
    for (let round = 0; round < 3; round++) new LogTextScanner(query).scanRecords(log, log.length);
  }
}

// Shares come as messages, one search after another: the worker outlives a search, so the next one does not wait
// for a start-up (logSearch.ts keeps it).
if (parentPort) {
  const port = parentPort;
  warmUp();
  port.postMessage({ type: 'ready' } satisfies LogSearchMessage);
  port.on('message', (message: Record<string, unknown>) => {
    const share = message[LOG_SEARCH_TASK_MARK] as LogSearchShare | undefined;
    if (!share) return;
    try {
      run(share, (reply) => port.postMessage(reply));
    } catch (error) {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies LogSearchMessage);
    }
  });
}
