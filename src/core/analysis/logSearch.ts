// Runs a log text search (logTextScan.ts) in a worker thread, one at a time: starting a new search, or
// cancel(), terminates the one before, so a query typed over another never waits for it. The worker reads the
// files itself; this thread only receives the hits. Memory: the worker's 16 MiB read buffer, one chunk as a
// one-byte string, and the ids it matched; it is gone when the search ends.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LOG_SEARCH_TASK_MARK, type LogSearchMessage, type LogSearchTask } from './logSearchWorker';
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

/** The worker script: dist/logSearchWorker.js next to the bundle, or the TS source under tsx (tests). */
function workerEntry(explicit?: string): { script: string; eval: boolean } {
  if (explicit !== undefined) return { script: explicit, eval: false };
  const built = join(__dirname, 'logSearchWorker.js');
  if (existsSync(built)) return { script: built, eval: false };
  const source = join(__dirname, 'logSearchWorker.ts');
  const tsxApi = require.resolve(['tsx', 'cjs', 'api'].join('/'));
  return { script: `require(${JSON.stringify(tsxApi)}).register();\nrequire(${JSON.stringify(source)});`, eval: true };
}

export class LogSearch {
  private worker: Worker | undefined;

  /** `workerScript`: a built logSearchWorker.js (benchmarks run the bundle, not the TypeScript source). */
  constructor(private readonly workerScript?: string) {}

  /**
   * Searches `files` for `query`, calling `progress` with each batch of hits and once more at the end
   * (`done`). Resolves when the scan ended or was cancelled; rejects when the worker failed.
   */
  run(task: LogSearchTask, progress: (update: LogSearchProgress) => void): Promise<void> {
    this.cancel();
    const entry = workerEntry(this.workerScript);
    const worker = new Worker(entry.script, { eval: entry.eval, workerData: { [LOG_SEARCH_TASK_MARK]: task } });
    this.worker = worker;
    const totalBytes = task.files.reduce((sum, file) => sum + file.size, 0);
    return new Promise((resolveRun, rejectRun) => {
      const finish = (error?: Error): void => {
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
        if (error) rejectRun(error);
        else resolveRun();
      };
      worker.on('message', (message: LogSearchMessage) => {
        if (this.worker !== worker) return;
        if (message.type === 'hits') progress({ hits: message.hits, matched: message.matched, scannedBytes: message.scannedBytes, totalBytes, done: false });
        else if (message.type === 'done') {
          progress({ hits: [], matched: message.matched, scannedBytes: message.scannedBytes, totalBytes, done: true, ms: message.ms });
          finish();
        } else finish(new Error(`log search: ${message.message}`));
      });
      worker.once('error', (error) => finish(error));
      // Terminated by cancel() or a newer run(): resolves without a last progress call.
      worker.once('exit', () => finish());
    });
  }

  cancel(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
  }
}
