// Worker-thread entry: runs a CaptureRecorder off the relay's event loop.
// Built as its own bundle (dist/captureWorker.js) next to the CLI and extension bundles.

import { parentPort, workerData } from 'node:worker_threads';
import { CaptureRecorder, type RecorderOptions } from './captureRecorder';
import { decodeWorkerBatch, type WorkerBatch } from './recorderBatch';

const port = parentPort;
if (port) {
  const recorder = new CaptureRecorder((event) => port.postMessage(event));
  void recorder.open(workerData as RecorderOptions).then(() => {
    port.on('message', (batch: WorkerBatch) => {
      for (const command of decodeWorkerBatch(batch)) recorder.handle(command);
    });
  });
}
