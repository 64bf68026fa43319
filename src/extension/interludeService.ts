// Owns the one InterludeProxy of this window: start, stop and what is running now. No UI here; the
// extension entry turns its results into the status bar, notifications and the output channel.
import { EventEmitter } from 'node:events';
import { InterludeProxy, type ListenerStatus, type RecordWritten } from '../core/proxy';
import type { RecordingOptions } from '../core/captureRecorder';
import { validateListener, ListenerSpecError, type ListenerSpec } from '../core/listeners';

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
  /** An exchange started or a record landed: captures or the busy state may have changed. */
  onActivity?(): void;
}

/** What views follow: start/stop (`state`) and every record the running proxy writes. */
export interface ServiceChangeMap {
  state: [RunningState | undefined];
  record: [RecordWritten];
}

export class InterludeService {
  readonly changes = new EventEmitter<ServiceChangeMap>();
  private proxy?: InterludeProxy;
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

  /**
   * Resolves once no exchange is relaying, or after `maxWaitMs`. For work that must not cut a stream (restarting
   * the listeners) or would hold one back (a long synchronous pass on the thread the listeners share).
   */
  async whenIdle(maxWaitMs: number, pollMs = 100): Promise<void> {
    for (let waited = 0; this.activeExchanges > 0 && waited < maxWaitMs; waited += pollMs) {
      await new Promise((resolvePoll) => setTimeout(resolvePoll, pollMs));
    }
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
    if (request.listeners.length === 0) return { kind: 'invalid', reason: 'no listeners are configured' };
    for (const spec of request.listeners) {
      try {
        validateListener(spec);
      } catch (error) {
        if (error instanceof ListenerSpecError) return { kind: 'invalid', reason: error.message };
        throw error;
      }
    }
    // Several windows each run their own listeners: a port taken by another window moves to a free one.
    const proxy = new InterludeProxy({
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
