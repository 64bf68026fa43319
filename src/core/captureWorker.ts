// Worker-thread entry: runs a CaptureRecorder off the relay's event loop.
// Built as its own bundle (dist/captureWorker.js) next to the CLI and extension bundles.

import { parentPort, workerData } from 'node:worker_threads';
import { CaptureRecorder, type RecorderEvent, type RecorderOptions } from './captureRecorder';
import { decodeWorkerBatch, type WorkerBatch } from './recorderBatch';

const port = parentPort;
if (port) {
  // Events go back in one message per batch handled: each message wakes the relay's thread.
  let pending: RecorderEvent[] | undefined;
  // Body buffers going back to the relay move, they are not copied.
  const post = (events: RecorderEvent[]) =>
    port.postMessage(events, events.flatMap((event) => (event.type === 'body-done' ? [event.buffer] : [])));
  const recorder = new CaptureRecorder((event) => {
    if (pending) pending.push(event);
    else post([event]);
  });
  void recorder.open(workerData as RecorderOptions).then(() => {
    port.on('message', (batch: WorkerBatch) => {
      pending = [];
      try {
        for (const command of decodeWorkerBatch(batch)) recorder.handle(command);
      } finally {
        const events = pending;
        pending = undefined;
        if (events.length) post(events);
      }
    });
  });
}
