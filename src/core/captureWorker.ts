// Worker-thread entry: runs a CaptureRecorder off the relay's event loop.
// Built as its own bundle (dist/captureWorker.js) next to the CLI and extension bundles.

import { parentPort, workerData } from 'node:worker_threads';
import { CaptureRecorder, type RecorderEvent, type RecorderOptions } from './captureRecorder';
import { decodeWorkerBatch, type WorkerBatch } from './recorderBatch';

const port = parentPort;
if (port) {
  // Events go back in one message per batch handled: each message wakes the relay's thread.
  let pending: RecorderEvent[] | undefined;
  const recorder = new CaptureRecorder((event) => {
    if (pending) pending.push(event);
    else port.postMessage([event]);
  });
  void recorder.open(workerData as RecorderOptions).then(() => {
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
