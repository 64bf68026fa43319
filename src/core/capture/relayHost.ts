// The owning thread's handle on the capture proxy, which runs on a worker thread of its own (relayWorker.ts):
// the extension host and the CLI both drive it through this class. Commands go to the relay thread (start, stop);
// its events come back (exchange started, record written, problem, exchanges in flight) and are re-emitted here
// with the same names and payloads as InterludeProxy's. However long this thread is busy, the relay is not held:
// only these events wait for it.

import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errorText } from '../errorText';
import type { ListenerStatus, ProxyEventMap, ProxyOptions } from './proxy';
import type { RelayCommand, RelayEvent } from './relayProtocol';

export interface RelayHostEventMap extends ProxyEventMap {
  /** The relay thread ended without being asked to (a crash): its listeners are closed. Start a new host. */
  crashed: [string];
}

/** Beyond the proxy's own stop grace: how long a stop waits for the relay thread before ending it outright. */
const STOP_MARGIN_MS = 10_000;
const DEFAULT_STOP_GRACE_MS = 2_000;

/** dist/relayWorker.js next to a bundle, or the TypeScript source when run through tsx. */
function relayWorkerEntry(): string {
  const entry = [join(__dirname, 'relayWorker.js'), join(__dirname, 'relayWorker.ts')].find((path) => existsSync(path));
  if (!entry) throw new Error(`agent-interlude is incomplete: no relayWorker.js next to ${__dirname}`);
  return entry;
}

function spawnRelayWorker(): Worker {
  const entry = relayWorkerEntry();
  // From source (tests, development) the entry is TypeScript: load it through tsx's require hook, since loader
  // hooks given to the parent do not reach workers on Node 20.
  return entry.endsWith('.ts')
    ? new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`, {
        eval: true,
        name: 'interlude-relay',
      })
    : new Worker(entry, { name: 'interlude-relay' });
}

export class RelayHost extends EventEmitter<RelayHostEventMap> {
  private worker?: Worker;
  private active = 0;
  private path?: string;
  private stopRequested = false;
  private workerError?: Error;
  private pendingStart?: { resolve(listeners: ListenerStatus[]): void; reject(error: Error): void };
  private whenStopped?: () => void;

  constructor(private readonly options: ProxyOptions) {
    super();
  }

  get logPath(): string | undefined {
    return this.path;
  }

  /** Exchanges relaying right now, as the relay thread last reported. */
  get activeExchanges(): number {
    return this.active;
  }

  /** Starts the relay thread and every listener it can; a port in use only costs that listener. */
  start(): Promise<ListenerStatus[]> {
    if (this.worker) return Promise.reject(new Error('this relay is already running'));
    this.stopRequested = false;
    this.workerError = undefined;
    this.path = undefined;
    const worker = spawnRelayWorker();
    this.worker = worker;
    const started = new Promise<ListenerStatus[]>((resolve, reject) => (this.pendingStart = { resolve, reject }));
    worker.on('message', (events: RelayEvent[]) => {
      for (const event of events) this.route(event);
    });
    worker.on('error', (error) => (this.workerError = error));
    worker.on('exit', (code) => this.exited(code));
    this.send({ type: 'start', options: this.options });
    return started;
  }

  /** Stops listening, lets in-flight exchanges finish within the grace, then cuts them and flushes the log. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.stopRequested) return;
    this.stopRequested = true;
    const stopped = new Promise<void>((resolveStopped) => (this.whenStopped = resolveStopped));
    this.send({ type: 'stop' });
    const limit = (this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS) + STOP_MARGIN_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      stopped.then(() => false),
      new Promise<boolean>((resolveLimit) => (timer = setTimeout(() => resolveLimit(true), limit))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.emit('problem', `the relay thread did not stop within ${limit} ms; it was ended (the log may miss its last records)`);
    await worker.terminate();
  }

  /**
   * Ends the relay thread at once, with no grace and no log flush: what a crash does ('problem' and 'crashed'
   * follow). For exercising the crash handling of what owns the relay; stop() is the way to end one.
   */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  private send(command: RelayCommand): void {
    this.worker?.postMessage(command);
  }

  private route(event: RelayEvent): void {
    switch (event.type) {
      case 'started':
        this.path = event.logPath;
        this.pendingStart?.resolve(event.listeners);
        this.pendingStart = undefined;
        break;
      case 'startFailed':
        this.pendingStart?.reject(new Error(event.message));
        this.pendingStart = undefined;
        break;
      case 'request':
        this.emit('request', event.exchange);
        break;
      case 'record':
        this.emit('record', event.record);
        break;
      case 'problem':
        this.emit('problem', event.message);
        break;
      case 'exchanges':
        this.setActive(event.active);
        break;
      case 'stopped':
        this.whenStopped?.();
        break;
    }
  }

  private setActive(active: number): void {
    if (active === this.active) return;
    this.active = active;
    this.emit('exchanges', active);
  }

  private exited(code: number): void {
    this.worker = undefined;
    this.setActive(0);
    this.whenStopped?.();
    const cause = this.workerError ? errorText(this.workerError) : `exit code ${code}`;
    const message = this.stopRequested
      ? 'the relay was stopped before its listeners started'
      : `the relay thread stopped unexpectedly (${cause}); its listeners are closed`;
    if (this.pendingStart) {
      this.pendingStart.reject(new Error(message));
      this.pendingStart = undefined;
      return;
    }
    if (this.stopRequested) return;
    this.emit('problem', message);
    this.emit('crashed', message);
  }
}
