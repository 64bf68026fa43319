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

const CHUNK_BYTES = 16 * 1024 * 1024;
/** Hits are held back at most this long, so the first ones show at once and later ones in few messages. */
const BATCH_MS = 100;

function run(task: LogSearchTask, post: (message: LogSearchMessage) => void): void {
  const started = performance.now();
  const totalBytes = task.files.reduce((sum, file) => sum + file.size, 0);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
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
    try {
      for (let position = 0; position < file.size; ) {
        const read = readSync(fd, buffer, 0, Math.min(CHUNK_BYTES, file.size - position), position);
        if (read === 0) break;
        position += read;
        scannedBytes += read;
        pending.push(...scanner.push(buffer.subarray(0, read)));
        matched = scanner.matched;
        flush(lastPost === 0);
      }
      pending.push(...scanner.end());
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
