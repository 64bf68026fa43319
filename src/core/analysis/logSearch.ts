// Runs a log text search (logTextScan.ts) in worker threads, one search at a time: starting a new search, or
// cancel(), terminates the one before, so a query typed over another never waits for it. A large log is split
// in two by bytes, one worker each (two cores: the scan of 1 GiB takes about half the time); the workers read
// the files themselves, and this thread only receives the hits. Memory: each worker's 1 MiB read buffer and
// its lower-cased copy, and the ids matched; gone when the search ends.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LOG_SEARCH_TASK_MARK, type LogSearchMessage, type LogSearchShare, type LogSearchTask } from './logSearchWorker';
import type { ScanHit } from './logTextScan';

export interface LogSearchProgress {
  /** Hits since the previous call. */
  hits: ScanHit[];
  /** Exchanges with a hit so far. */
  matched: number;
  scannedBytes: number;
  totalBytes: number;
  done: boolean;
  /** Scan time in ms, when done. */
  ms?: number;
}

/** Below this, one worker: a second one's start costs more than it saves. */
const SPLIT_FROM_BYTES = 32 * 1024 * 1024;

/** The worker script: dist/logSearchWorker.js next to the bundle, or the TS source under tsx (tests). */
function workerEntry(explicit?: string): { script: string; eval: boolean } {
  if (explicit !== undefined) return { script: explicit, eval: false };
  const built = join(__dirname, 'logSearchWorker.js');
  if (existsSync(built)) return { script: built, eval: false };
  const source = join(__dirname, 'logSearchWorker.ts');
  const tsxApi = require.resolve(['tsx', 'cjs', 'api'].join('/'));
  return { script: `require(${JSON.stringify(tsxApi)}).register();\nrequire(${JSON.stringify(source)});`, eval: true };
}

/** The task cut into `count` shares of about equal bytes, at byte offsets (each worker finds its records' starts). */
export function shareOut(task: LogSearchTask, count: number): LogSearchShare[] {
  const total = task.files.reduce((sum, file) => sum + file.size, 0);
  const shares: LogSearchShare[] = [];
  let offset = 0;
  for (let index = 0; index < count; index++) {
    const from = Math.floor((total * index) / count);
    const to = index === count - 1 ? total : Math.floor((total * (index + 1)) / count);
    const pieces: LogSearchShare['pieces'] = [];
    offset = 0;
    for (const file of task.files) {
      const start = Math.max(from, offset) - offset;
      const end = Math.min(to, offset + file.size) - offset;
      if (end > start) pieces.push({ path: file.path, size: file.size, start, end });
      offset += file.size;
    }
    if (pieces.length > 0) shares.push({ query: task.query, pieces });
  }
  return shares;
}

export class LogSearch {
  private workers: Worker[] = [];

  private readonly workerCount: number;
  private readonly splitFromBytes: number;

  /**
   * `workerScript`: a built logSearchWorker.js (benchmarks run the bundle, not the TypeScript source);
   * `workers`: how many for a log of at least `splitFromBytes` (default: two, or one on a single core, from 32 MiB).
   */
  constructor(
    private readonly workerScript?: string,
    options: { workers?: number; splitFromBytes?: number } = {},
  ) {
    this.workerCount = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
    this.splitFromBytes = options.splitFromBytes ?? SPLIT_FROM_BYTES;
  }

  /**
   * Searches `files` for `query`, calling `progress` with each batch of hits and once more at the end
   * (`done`). Resolves when the scan ended or was cancelled; rejects when a worker failed.
   */
  run(task: LogSearchTask, progress: (update: LogSearchProgress) => void): Promise<void> {
    this.cancel();
    const entry = workerEntry(this.workerScript);
    const totalBytes = task.files.reduce((sum, file) => sum + file.size, 0);
    const shares = shareOut(task, totalBytes >= this.splitFromBytes ? this.workerCount : 1);
    if (shares.length === 0) shares.push({ query: task.query, pieces: [] });
    const workers = shares.map((share) => new Worker(entry.script, { eval: entry.eval, workerData: { [LOG_SEARCH_TASK_MARK]: share } }));
    this.workers = workers;
    // An exchange's request and response may fall to two workers: matched counts ids once.
    const matched = new Set<string>();
    const scanned = workers.map(() => 0);
    const finished = workers.map(() => false);
    let running = workers.length;
    let slowest = 0;
    return new Promise((resolveRun, rejectRun) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        if (this.workers === workers) this.workers = [];
        for (const worker of workers) void worker.terminate();
        if (error) rejectRun(error);
        else resolveRun();
      };
      workers.forEach((worker, index) => {
        worker.on('message', (message: LogSearchMessage) => {
          if (this.workers !== workers || settled) return;
          if (message.type === 'error') return finish(new Error(`log search: ${message.message}`));
          scanned[index] = message.scannedBytes;
          const scannedBytes = scanned.reduce((sum, bytes) => sum + bytes, 0);
          if (message.type === 'hits') {
            for (const hit of message.hits) matched.add(hit.id);
            progress({ hits: message.hits, matched: matched.size, scannedBytes, totalBytes, done: false });
            return;
          }
          finished[index] = true;
          slowest = Math.max(slowest, message.ms);
          if (--running > 0) return;
          progress({ hits: [], matched: matched.size, scannedBytes, totalBytes, done: true, ms: slowest });
          finish();
        });
        worker.once('error', (error) => finish(error));
        // Terminated by cancel() or a newer run(): resolves without a last progress call.
        worker.once('exit', (code) => {
          if (this.workers !== workers) finish();
          else if (!finished[index]) finish(new Error(`log search: a worker stopped (exit code ${code})`));
        });
      });
    });
  }

  cancel(): void {
    const workers = this.workers;
    this.workers = [];
    for (const worker of workers) void worker.terminate();
  }
}
