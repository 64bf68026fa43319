// Worker-thread entry: runs a CaptureRecorder off the relay's event loop.
// Built as its own bundle (dist/captureWorker.js) next to the CLI and extension bundles.

import { parentPort, workerData } from 'node:worker_threads';
import { CaptureRecorder, type RecorderEvent, type RecorderOptions } from './captureRecorder';
import { decodeWorkerBatch, type WorkerBatch } from './recorderBatch';
import { lowerThisThreadPriority, RECORDER_NICE_STEPS } from './threadPriority';

/**
 * How long events (lines written, body buffers handed back) gather before they go to the relay in one message:
 * each message wakes the relay's thread, and nothing there waits for them (the editor's view of a record written,
 * a buffer for a later body).
 */
const EVENT_WINDOW_MS = 20;

const port = parentPort;
if (port) {
  let pending: RecorderEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Body buffers going back to the relay move, they are not copied.
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const events = pending;
    pending = [];
    if (events.length) port.postMessage(events, events.flatMap((event) => (event.type === 'body-done' ? [event.buffer] : [])));
  };
  const recorder = new CaptureRecorder((event) => {
    pending.push(event);
    // What the relay waits for (ready, closed) and problems go at once; the rest after the window.
    if (event.type === 'written' || event.type === 'body-done') timer ??= setTimeout(flush, EVENT_WINDOW_MS);
    else flush();
  });
  void recorder.open(workerData as RecorderOptions).then(() => {
    // Only now: libuv's file threads may have been started by the log's opening just above, and they inherit
    // the priority of the thread that starts them; they stay at the relay's (the relay resolves names on them).
    lowerThisThreadPriority(RECORDER_NICE_STEPS);
    port.on('message', (batch: WorkerBatch) => {
      recorder.handleBatch(decodeWorkerBatch(batch));
    });
  });
}
