// Worker-thread entry: runs a CaptureRecorder off the relay's event loop.
// Built as its own bundle (dist/captureWorker.js) next to the CLI and extension bundles.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CaptureRecorder, type RecorderEvent, type RecorderOptions } from './captureRecorder';
import { decodeWorkerBatch, type WorkerBatch } from './recorderBatch';

/**
 * The recorder's work can wait a little; the relay's cannot. On a 2-core machine the relay's thread, the agent and
 * the upstream all compete with the recorder for a core, and every millisecond the recorder holds one is added to the
 * agent's first event. Linux gives each thread its own nice value, so this thread alone steps back: the recorder then
 * runs on whatever the relay leaves idle. Nice 10 still gets about a tenth of a contended core, and the ring and the
 * budget absorb the catch-up. Elsewhere (or if the kernel refuses) the thread keeps its normal priority.
 */
const RECORDER_NICE = 10;
function yieldToTheRelay(): void {
  if (process.platform !== 'linux') return;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>": the kernel's id of this very thread.
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, RECORDER_NICE);
  } catch {
    // No procfs, or a sandbox that forbids it: recording is unaffected, only less polite.
  }
}

const port = parentPort;
if (port) {
  // Events go back in one message per batch handled: each message wakes the relay's thread.
  let pending: RecorderEvent[] | undefined;
  const recorder = new CaptureRecorder((event) => {
    if (pending) pending.push(event);
    else port.postMessage([event]);
  });
  void recorder.open(workerData as RecorderOptions).then(() => {
    // Only now: threads a thread starts inherit its nice value, and opening the log is what may have started
    // libuv's pool (file writes, and the relay's DNS lookups) — that pool keeps the normal priority.
    yieldToTheRelay();
    port.on('message', (batch: WorkerBatch) => {
      pending = [];
      try {
        for (const command of decodeWorkerBatch(batch)) recorder.handle(command);
      } finally {
        const events = pending;
        pending = undefined;
        if (events.length) port.postMessage(events);
      }
    });
  });
}
