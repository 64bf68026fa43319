// Worker-thread entry: the capture proxy (listeners, relay, and the recorder it starts on a worker of its own)
// on a thread of its own, so the agent's traffic never waits for whatever else the owning thread does (the
// extension host runs every extension's code on one thread). Driven by RelayHost (relayHost.ts); built as its
// own bundle (dist/relayWorker.js) next to the CLI and extension bundles.

import { parentPort } from 'node:worker_threads';
import { errorText } from '../errorText';
import { InterludeProxy } from './proxy';
import { HOST_EVENT_WINDOW_MS, type RelayCommand, type RelayEvent } from './relayProtocol';

const port = parentPort;
if (port) {
  // Each message wakes the owning thread (on this 2-core machine ~0.1 ms of CPU per wake-up on both sides), so
  // what only updates the editor (exchange started, record written, exchanges in flight) is gathered for
  // HOST_EVENT_WINDOW_MS and goes in one message; answers to the host's commands (started, stopped) and problems
  // go at the end of this turn. Only the latest count of exchanges in flight is sent: the host shows the count.
  let pending: RelayEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate = false;
  const send = (event: RelayEvent): void => {
    const last = pending[pending.length - 1];
    if (event.type === 'exchanges' && last?.type === 'exchanges') pending[pending.length - 1] = event;
    else pending.push(event);
    if (event.type === 'request' || event.type === 'record' || event.type === 'exchanges') {
      timer ??= setTimeout(flush, HOST_EVENT_WINDOW_MS);
    } else if (!immediate) {
      immediate = true;
      setImmediate(flush);
    }
  };
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    immediate = false;
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
