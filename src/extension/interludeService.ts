// Owns the one relay of this window (the capture proxy on its own thread, through RelayHost): start, stop and
// what is running now. No UI here; the extension entry turns its results into the status bar, notifications
// and the output channel.
import { EventEmitter } from 'node:events';
import * as l10n from '@vscode/l10n';
import type { ListenerStatus, RecordWritten } from '../core/capture/proxy';
import { RelayHost } from '../core/capture/relayHost';
import type { RecordingOptions } from '../core/capture/captureRecorder';
import { validateListener, ListenerSpecError, type ListenerSpec } from '../core/capture/listeners';

export interface RunningState {
  listeners: ListenerStatus[];
  captureDir: string;
  logPath: string | undefined;
}

export interface StartRequest {
  listeners: readonly ListenerSpec[];
  captureDir: string;
  /** Secrets flagged or masked; OpenTelemetry push. */
  recording?: RecordingOptions;
}

export type StartOutcome =
  | { kind: 'started'; state: RunningState }
  | { kind: 'alreadyRunning'; state: RunningState }
  | { kind: 'invalid'; reason: string }
  | { kind: 'noneListening'; listeners: ListenerStatus[] };

export interface ServiceEvents {
  onRequest(line: string): void;
  onProblem(message: string): void;
  /** An exchange started or ended, or a record landed: captures or the busy state may have changed. */
  onActivity?(): void;
  /** The relay thread ended unexpectedly; nothing listens any more (the state has already changed to stopped). */
  onCrashed?(message: string): void;
}

/** What views follow: start/stop (`state`) and every record the running proxy writes. */
export interface ServiceChangeMap {
  state: [RunningState | undefined];
  record: [RecordWritten];
  /** Exchanges relaying right now. */
  exchanges: [number];
}

export class InterludeService {
  readonly changes = new EventEmitter<ServiceChangeMap>();
  private proxy?: RelayHost;
  private state?: RunningState;
  private responses = 0;
  // Start and stop run one at a time, so a quick Start → Stop never leaves a listener behind.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly events: ServiceEvents) {}

  get running(): RunningState | undefined {
    return this.state;
  }

  /** Responses recorded since this run started. */
  get captures(): number {
    return this.responses;
  }

  /** Exchanges relaying right now (a streamed response still flowing). */
  get activeExchanges(): number {
    return this.proxy?.activeExchanges ?? 0;
  }

  /** Resolves once no exchange is relaying, or after `maxWaitMs`: for work that must not cut a stream (restarting the listeners). */
  whenIdle(maxWaitMs: number): Promise<void> {
    if (this.activeExchanges === 0) return Promise.resolve();
    return new Promise((resolveIdle) => {
      const done = (): void => {
        clearTimeout(timer);
        this.changes.off('exchanges', onExchanges);
        this.changes.off('state', done);
        resolveIdle();
      };
      const onExchanges = (active: number): void => {
        if (active === 0) done();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.changes.on('exchanges', onExchanges);
      this.changes.on('state', done);
    });
  }

  /** Ends the relay thread as a crash would (the internal command that exercises the crash handling). */
  async killRelay(): Promise<void> {
    await this.proxy?.kill();
  }

  start(request: StartRequest): Promise<StartOutcome> {
    return this.serialize(() => this.doStart(request));
  }

  stop(): Promise<boolean> {
    return this.serialize(() => this.doStop());
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(request: StartRequest): Promise<StartOutcome> {
    if (this.state) return { kind: 'alreadyRunning', state: this.state };
    if (request.listeners.length === 0) return { kind: 'invalid', reason: l10n.t('no listeners are configured') };
    for (const spec of request.listeners) {
      try {
        validateListener(spec);
      } catch (error) {
        if (error instanceof ListenerSpecError) return { kind: 'invalid', reason: error.message };
        throw error;
      }
    }
    // Several windows each run their own listeners: a port taken by another window moves to a free one.
    const proxy = new RelayHost({
      listeners: request.listeners,
      captureDir: request.captureDir,
      freePortWhenTaken: true,
      recording: request.recording,
    });
    this.responses = 0;
    proxy.on('problem', (message) => this.events.onProblem(message));
    proxy.on('request', (exchange) => {
      this.events.onRequest(`[${exchange.agent}] ${exchange.method} ${exchange.path} (port ${exchange.port})`);
      this.events.onActivity?.();
    });
    proxy.on('record', (record) => {
      this.changes.emit('record', record);
      if (proxy !== this.proxy) return;
      if (record.kind === 'response') this.responses += 1;
      this.events.onActivity?.();
    });
    proxy.on('exchanges', (active) => {
      if (proxy !== this.proxy) return;
      this.changes.emit('exchanges', active);
      this.events.onActivity?.();
    });
    proxy.on('crashed', (message) => {
      if (proxy !== this.proxy) return;
      this.proxy = undefined;
      this.state = undefined;
      this.changes.emit('state', undefined);
      this.events.onCrashed?.(message);
    });
    const listeners = await proxy.start();
    if (!listeners.some((listener) => listener.port !== undefined)) {
      await proxy.stop();
      return { kind: 'noneListening', listeners };
    }
    this.proxy = proxy;
    this.state = { listeners, captureDir: request.captureDir, logPath: proxy.logPath };
    this.changes.emit('state', this.state);
    return { kind: 'started', state: this.state };
  }

  private async doStop(): Promise<boolean> {
    const proxy = this.proxy;
    if (!proxy) return false;
    this.proxy = undefined;
    this.state = undefined;
    await proxy.stop();
    this.changes.emit('state', undefined);
    return true;
  }
}
