// The log search's worker thread (see logTextScan.ts): scans the given log files' bytes for one query and posts
// its hits in batches as it goes, so the caller can show results (and a growing count) before the scan ends.
// A newer query terminates this worker: nothing to cancel inside.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LogTextScanner, type ScanHit } from './logTextScan';

export const LOG_SEARCH_TASK_MARK = 'agentInterludeLogSearch';

export interface LogSearchTask {
  query: string;
  /** Files in log order, each scanned up to `size` bytes (what the index has read; later bytes are not indexed yet). */
  files: Array<{ path: string; size: number }>;
}

export type LogSearchMessage =
  | { type: 'hits'; hits: ScanHit[]; scannedBytes: number; totalBytes: number; matched: number }
  | { type: 'done'; scannedBytes: number; matched: number; ms: number }
  | { type: 'error'; message: string };

// 1 MiB: read, lower-cased and searched while it is still in the CPU cache; a fresh 16 MiB buffer cost more in
// page faults than the scan of a 100 MiB log (records longer than this grow the buffer).
const CHUNK_BYTES = 1024 * 1024;
/** Hits are held back at most this long, so the first ones show at once and later ones in few messages. */
const BATCH_MS = 100;

function run(task: LogSearchTask, post: (message: LogSearchMessage) => void): void {
  const started = performance.now();
  const totalBytes = task.files.reduce((sum, file) => sum + file.size, 0);
  // One buffer for the whole scan: each read lands after the part of a record the previous chunk ended in (moved
  // to the front), so no chunk is copied again; it grows only for a record longer than itself.
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let scannedBytes = 0;
  let matched = 0;
  let pending: ScanHit[] = [];
  let lastPost = 0;
  const flush = (force: boolean): void => {
    if (pending.length === 0 || (!force && performance.now() - lastPost < BATCH_MS)) return;
    post({ type: 'hits', hits: pending, scannedBytes, totalBytes, matched });
    pending = [];
    lastPost = performance.now();
  };
  // One scanner for all files (an exchange's request and response may sit in two); end() at each file's end,
  // as a record never spans two files.
  const scanner = new LogTextScanner(task.query);
  for (const file of task.files) {
    const fd = openSync(file.path, 'r');
    let carry = 0;
    try {
      for (let position = 0; position < file.size; ) {
        if (carry === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, carry);
          buffer = bigger;
        }
        const read = readSync(fd, buffer, carry, Math.min(buffer.length - carry, file.size - position), position);
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
        matched = scanner.matched;
        flush(lastPost === 0);
      }
      // A last record without its newline (one being written): scanned as it is.
      if (carry > 0) pending.push(...scanner.scanRecords(buffer, carry));
      matched = scanner.matched;
    } finally {
      closeSync(fd);
    }
  }
  flush(true);
  post({ type: 'done', scannedBytes, matched, ms: Math.round(performance.now() - started) });
}

const task = (workerData as Record<string, unknown> | undefined)?.[LOG_SEARCH_TASK_MARK] as LogSearchTask | undefined;
if (parentPort && task) {
  const port = parentPort;
  try {
    run(task, (message) => port.postMessage(message));
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies LogSearchMessage);
  }
}
