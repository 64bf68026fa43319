// Worker-thread entry: runs a CaptureRecorder off the relay's event loop.
// Built as its own bundle (dist/captureWorker.js) next to the CLI and extension bundles.

import { parentPort, workerData } from 'node:worker_threads';
import { CaptureRecorder, type RecorderCommand, type RecorderOptions } from './captureRecorder';

const port = parentPort;
if (port) {
  const recorder = new CaptureRecorder((event) => port.postMessage(event));
  void recorder.open(workerData as RecorderOptions).then(() => {
    port.on('message', (batch: RecorderCommand[]) => {
      for (const command of batch) recorder.handle(command);
    });
  });
}
