// Runs a log text search (logTextScan.ts) in worker threads, one search at a time: starting a new search, or
// cancel(), stops the one before mid-scan (its workers are terminated), so a query typed over another never waits
// for it. A large log is split in two by bytes, one worker each (two cores); the workers read the files
// themselves, and this thread only receives the hits. Workers that finished a search stay for the next one, and
// warm() starts them ahead, so a search does not wait for a worker's start-up. Memory: per worker a Node isolate,
// its 1 MiB read buffer and the lower-cased copy; the ids matched while a search runs.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LOG_SEARCH_TASK_MARK, type LogSearchMessage, type LogSearchShare, type LogSearchTask, type WarmUpReport } from './logSearchWorker';
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
  for (let index = 0; index < count; index++) {
    const from = Math.floor((total * index) / count);
    const to = index === count - 1 ? total : Math.floor((total * (index + 1)) / count);
    const pieces: LogSearchShare['pieces'] = [];
    let offset = 0;
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
  /** Started workers waiting for a search (warm(), or back from one that ended): a search needs no start-up. */
  private idle: Worker[] = [];
  /** The running search's workers, and how to end it (cancelled: resolved without a last progress call). */
  private running: { workers: Worker[]; end: (error?: Error) => void } | undefined;
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
   * Starts the workers a search will use, ahead of it: a worker's start-up and its code's compiling (~0.1 s and
   * ~0.5 s of a first search, several times that on a busy machine) are then not part of the first results. Each
   * worker runs a search over a made-up log in memory before it says it is ready (logSearchWorker.ts: warmUp), so
   * a user's first query runs optimized code. Idle workers do not keep the process alive. Resolves when they are
   * up, with what the warm-up search of each worker started here did.
   */
  warm(): Promise<WarmUpReport[]> {
    const started: Array<Promise<WarmUpReport | undefined>> = [];
    while (this.idle.length < this.workerCount) {
      const worker = this.spawn();
      this.idle.push(worker);
      started.push(new Promise((resolve) => {
        const ready = (message: LogSearchMessage): void => {
          if (message.type !== 'ready') return;
          worker.off('message', ready);
          resolve(message.warmUp);
        };
        worker.on('message', ready);
        worker.once('exit', () => resolve(undefined));
      }));
    }
    return Promise.all(started).then((reports) => reports.filter((report): report is WarmUpReport => report !== undefined));
  }

  private spawn(): Worker {
    const entry = workerEntry(this.workerScript);
    const worker = new Worker(entry.script, { eval: entry.eval });
    // Kept alive until it is up and warmed up (so warm() can be awaited), then only while it runs a search.
    const ready = (message: LogSearchMessage): void => {
      if (message.type !== 'ready') return;
      worker.off('message', ready);
      if (this.idle.includes(worker)) worker.unref();
    };
    worker.on('message', ready);
    // One that stops while idle is dropped (a running one's stop ends its search: run()).
    worker.once('exit', () => (this.idle = this.idle.filter((other) => other !== worker)));
    worker.on('error', () => undefined);
    return worker;
  }

  /**
   * Searches `files` for `query`, calling `progress` with each batch of hits and once more at the end
   * (`done`). Resolves when the scan ended or was cancelled; rejects when a worker failed.
   */
  run(task: LogSearchTask, progress: (update: LogSearchProgress) => void): Promise<void> {
    this.cancel();
    const totalBytes = task.files.reduce((sum, file) => sum + file.size, 0);
    const shares = shareOut(task, totalBytes >= this.splitFromBytes ? this.workerCount : 1);
    if (shares.length === 0) shares.push({ query: task.query, pieces: [] });
    const workers = shares.map(() => this.idle.pop() ?? this.spawn());
    // An exchange's request and response may fall to two workers: matched counts ids once.
    const matched = new Set<string>();
    const scanned = workers.map(() => 0);
    const finished = workers.map(() => false);
    let running = workers.length;
    let slowest = 0;
    return new Promise((resolveRun, rejectRun) => {
      const listeners: Array<() => void> = [];
      let settled = false;
      const end = (error?: Error, reuse = false): void => {
        if (settled) return;
        settled = true;
        if (this.running?.workers === workers) this.running = undefined;
        for (const detach of listeners) detach();
        for (const worker of workers) {
          // A worker that ended its share waits for the next search; one cut off mid-scan is stopped.
          if (reuse && this.idle.length < this.workerCount) {
            worker.unref();
            this.idle.push(worker);
          } else void worker.terminate();
        }
        if (error) rejectRun(error);
        else resolveRun();
      };
      this.running = { workers, end };
      workers.forEach((worker, index) => {
        const onMessage = (message: LogSearchMessage): void => {
          if (settled || message.type === 'ready') return;
          if (message.type === 'error') return end(new Error(`log search: ${message.message}`));
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
          end(undefined, true);
        };
        const onError = (error: Error): void => end(error);
        const onExit = (code: number): void => {
          if (!finished[index]) end(new Error(`log search: a worker stopped (exit code ${code})`));
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        listeners.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
        // While it runs, the search keeps the process alive.
        worker.ref();
        worker.postMessage({ [LOG_SEARCH_TASK_MARK]: shares[index] });
      });
    });
  }

  /** Stops the running search (its run() resolves without a last progress call). */
  cancel(): void {
    this.running?.end();
  }

  /** Stops the running search and the idle workers. */
  dispose(): void {
    this.cancel();
    for (const worker of this.idle.splice(0)) void worker.terminate();
  }
}
