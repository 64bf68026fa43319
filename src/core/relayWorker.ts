// Worker-thread entry: the capture proxy (listeners, relay, and the recorder it starts on a worker of its own)
// on a thread of its own, so the agent's traffic never waits for whatever else the owning thread does (the
// extension host runs every extension's code on one thread). Driven by RelayHost (relayHost.ts); built as its
// own bundle (dist/relayWorker.js) next to the CLI and extension bundles.

import { parentPort } from 'node:worker_threads';
import { errorText } from './errorText';
import { InterludeProxy } from './proxy';
import type { RelayCommand, RelayEvent } from './relayProtocol';

const port = parentPort;
if (port) {
  // Each message wakes the owning thread: events of one turn (many exchanges' records under load) go together.
  let pending: RelayEvent[] = [];
  const send = (event: RelayEvent): void => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(event);
  };
  const flush = (): void => {
    const events = pending;
    pending = [];
    if (events.length) port.postMessage(events);
  };
  // The relay must outlive a bug in the capture path: report it and keep serving (as the CLI always did).
  process.on('uncaughtException', (error) => {
    send({ type: 'problem', message: `internal error (please report): ${error.stack ?? error.message}` });
  });

  let proxy: InterludeProxy | undefined;
  port.on('message', (command: RelayCommand) => {
    if (command.type === 'start') {
      const started = new InterludeProxy(command.options);
      proxy = started;
      started.on('request', (exchange) => send({ type: 'request', exchange }));
      started.on('record', (record) => send({ type: 'record', record }));
      started.on('problem', (message) => send({ type: 'problem', message }));
      started.on('exchanges', (active) => send({ type: 'exchanges', active }));
      started.start().then(
        (listeners) => send({ type: 'started', listeners, logPath: started.logPath }),
        (error: unknown) => send({ type: 'startFailed', message: errorText(error) }),
      );
    } else if (command.type === 'stop') {
      const stopping = proxy?.stop() ?? Promise.resolve();
      stopping
        .catch((error: unknown) => send({ type: 'problem', message: `error while stopping: ${errorText(error)}` }))
        .finally(() => {
          send({ type: 'stopped' });
          flush();
          // Nothing is left to run here; closing the port lets the thread end on its own.
          setImmediate(() => port.close());
        });
    }
  });
}
