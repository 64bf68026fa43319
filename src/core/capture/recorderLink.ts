// The relay's side of the recorder: posts commands to a worker thread running
// captureWorker, or, when no worker entry can be found, to an inline recorder.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CaptureRecorder, type RecorderCommand, type RecorderEvent, type RecorderOptions } from './captureRecorder';
import { encodeWorkerBatch } from './recorderBatch';

export interface RecorderLink {
  readonly logPath?: string;
  readonly openError?: string;
  readonly onWorker: boolean;
  /**
   * Hands a command to the recorder; a request's body buffer is transferred, not copied. Commands wait up to
   * BATCH_WINDOW_MS to go with others; `soon` sends them at the end of this turn (the shared ring filling up).
   */
  post(command: RecorderCommand, soon?: boolean): void;
  /** Resolves when every posted command is written and the log is closed. */
  close(): Promise<void>;
}

/**
 * How long commands gather before they go to the recorder's thread in one message. Each message wakes that thread
 * (on this 2-core machine ~0.1 ms of CPU per wake-up, both sides); nothing waits for the recorder (a request's
 * record is written after its response's first bytes anyway), so one message per exchange, or per several under
 * load, is what this buys: a 40 KB exchange through the bench's local upstream takes about 5 ms end to end.
 */
const BATCH_WINDOW_MS = 10;

/** dist/captureWorker.js next to a bundle, or the TypeScript source when run through tsx. */
function workerEntry(): string | undefined {
  return [join(__dirname, 'captureWorker.js'), join(__dirname, 'captureWorker.ts')].find((path) => existsSync(path));
}

export async function startRecorder(
  options: RecorderOptions & { useWorker?: boolean },
  onEvent: (event: RecorderEvent) => void,
): Promise<RecorderLink> {
  const entry = options.useWorker === false ? undefined : workerEntry();
  let ready!: (event: Extract<RecorderEvent, { type: 'ready' }>) => void;
  const opened = new Promise<Extract<RecorderEvent, { type: 'ready' }>>((resolveReady) => (ready = resolveReady));
  let closed!: () => void;
  const finished = new Promise<void>((resolveClosed) => (closed = resolveClosed));
  const route = (event: RecorderEvent) => {
    if (event.type === 'ready') ready(event);
    else if (event.type === 'closed') closed();
    else onEvent(event);
  };

  if (entry) {
    const workerData: RecorderOptions = {
      captureDir: options.captureDir,
      logFile: options.logFile,
      ring: options.ring,
      budget: options.budget,
      budgetLimitBytes: options.budgetLimitBytes,
      recording: options.recording,
    };
    // From source (tests, development) the entry is TypeScript: load it through tsx's
    // require hook, since loader hooks given to the parent do not reach workers on Node 20.
    // The recorder's garbage is short-lived strings and parsed events: a small young
    // generation collects them as well as a large one and keeps the proxy's RSS flat.
    const resourceLimits = { maxYoungGenerationSizeMb: 8 };
    const worker = entry.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`, {
          eval: true,
          workerData,
          resourceLimits,
        })
      : new Worker(entry, { workerData, resourceLimits });
    worker.on('message', (events: RecorderEvent[]) => events.forEach(route));
    worker.on('error', (error) => {
      route({ type: 'problem', message: `the capture recorder stopped: ${error.message}; traffic is still relayed` });
      route({ type: 'ready', error: `the capture recorder could not start: ${error.message}` });
      closed();
    });
    worker.on('exit', () => closed());
    const { logPath, error } = await opened;
    // Commands are batched (one message carries every exchange's commands) and sent as
    // one JSON string, which V8 clones far faster than objects; request bodies travel
    // beside it as transferred buffers.
    let batch: RecorderCommand[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let immediate = false;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      immediate = false;
      if (!batch.length) return;
      const message = encodeWorkerBatch(batch);
      worker.postMessage(message, message.bodies.map((body) => body.buffer as ArrayBuffer));
      batch = [];
    };
    return {
      logPath,
      openError: error,
      onWorker: true,
      post(command, soon) {
        batch.push(command);
        if (soon) {
          if (!immediate) {
            immediate = true;
            setImmediate(flush);
          }
        } else {
          timer ??= setTimeout(flush, BATCH_WINDOW_MS);
        }
      },
      async close() {
        batch.push({ type: 'close' });
        flush();
        await finished;
        await worker.terminate();
      },
    };
  }

  const recorder = new CaptureRecorder(route);
  await recorder.open(options);
  const { logPath, error } = await opened;
  return {
    logPath,
    openError: error,
    onWorker: false,
    post: (command) => recorder.handle(command),
    async close() {
      recorder.handle({ type: 'close' });
      await finished;
    },
  };
}
