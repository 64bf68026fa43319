// The capture proxy: one loopback HTTP listener per upstream API. Request bodies are
// forwarded as they arrive and response bytes reach the agent as they arrive; a
// bounded copy of each side is parsed on the way into the JSONL log.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { headerText, loggedRequestHeaders, relayedResponseHeaders, upstreamRequestHeaders } from './headers';
import { LOOPBACK_HOST, validateListener, type ListenerSpec } from './listeners';
import type { RecordingOptions, RequestMeta, ResponseEnd } from './captureRecorder';
import { CaptureRing } from './captureRing';
import { errorText } from '../errorText';
import { BodyBufferPool } from './bodyPool';
import { CaptureBudget } from './captureBudget';
import { CAPTURE_MEMORY_BUDGET_BYTES, TEE_CAP_BYTES } from '../limits';
import { startRecorder, type RecorderLink } from './recorderLink';
import { SCHEMA_VERSION, type CaptureRecord } from '../records';
import { BodyTee } from './requestCapture';
import { refusalReason } from './requestGuard';
import { detectWire } from '../wire/wire';
import { type Wire } from '../wire/common';

export interface ProxyOptions {
  listeners: readonly ListenerSpec[];
  /** Where the new log file goes; created with a `.gitignore` if missing. */
  captureDir: string;
  /** Extra CA certificates (PEM) trusted for https upstreams, on top of Node's own. */
  extraCa?: string | Buffer | Array<string | Buffer>;
  /** Append to this file instead of a new log in captureDir (tests, or a chosen file). */
  logFile?: string;
  /** How long stop() lets in-flight exchanges finish before cutting them. */
  stopGraceMs?: number;
  /** Build and write records on a worker thread (default) so the relay never waits for them. */
  recordOnWorker?: boolean;
  /** Bytes the capture may buffer in memory at once (CAPTURE_MEMORY_BUDGET_BYTES unless given; tests shrink it). */
  memoryBudgetBytes?: number;
  /**
   * A configured port already in use (often another VS Code window's Interlude) makes that listener take a free
   * port instead; its status then says so through `fallbackFrom`. Off by default: the CLI reports the port.
   */
  freePortWhenTaken?: boolean;
  /** Secrets flagged or masked in the log (the upstream always gets the agent's exact bytes). */
  recording?: RecordingOptions;
}

export interface ListenerStatus {
  spec: ListenerSpec;
  /** The port actually bound (differs from spec.port when it was 0). */
  port?: number;
  /** The address the socket is bound to, as the OS reports it (always loopback). */
  address?: string;
  url?: string;
  /** Why this listener is not running; the others still are. */
  error?: string;
  /** The configured port that was in use, when `freePortWhenTaken` moved this listener to `port`. */
  fallbackFrom?: number;
}

export interface ExchangeStarted {
  id: string;
  agent: string;
  wire: Wire;
  method: string;
  path: string;
  port: number;
}

export interface RecordWritten {
  id: string;
  kind: CaptureRecord['kind'];
}

export interface ProxyEventMap {
  /** A request arrived (the original's console line: `[agent] METHOD path`). */
  request: [ExchangeStarted];
  /** A record was written to the log. */
  record: [RecordWritten];
  /** Something the user should know about; the relay itself carries on. */
  problem: [string];
  /** The number of exchanges relaying right now changed (an exchange started or ended). */
  exchanges: [number];
}

const UPSTREAM_TIMEOUT_MS = 600_000;
const LISTEN_BACKLOG = 1024;

type ForwardOutcome =
  | { kind: 'unanswered'; agentGone: boolean; error: unknown }
  | {
      kind: 'relayed';
      status: number;
      contentType: string;
      ttfbMs: number;
      firstByteMs?: number;
      tap: ResponseTap;
      partial: boolean;
      error?: string;
    };

interface ActiveListener {
  spec: ListenerSpec;
  upstream: URL;
  server: Server;
  port: number;
}

// Ids come from a pooled random buffer: one syscall per 1024 exchanges, not per exchange.
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;
function exchangeId(): string {
  if (idPoolOffset + 6 > idPool.length) {
    idPool = randomBytes(6 * 1024);
    idPoolOffset = 0;
  }
  idPoolOffset += 6;
  return idPool.toString('hex', idPoolOffset - 6, idPoolOffset);
}

function joinUpstreamPath(upstream: URL, requestPath: string): string {
  const prefix = upstream.pathname.replace(/\/+$/, '');
  return `${prefix}${requestPath.startsWith('/') ? requestPath : `/${requestPath}`}`;
}

/** A JSON error both SDK families understand (Anthropic's shape; OpenAI's clients read `error`). */
function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message } });
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}

export class InterludeProxy extends EventEmitter<ProxyEventMap> {
  private readonly dispatcher: Dispatcher;
  private readonly active: ActiveListener[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private recorder?: RecorderLink;
  private ringWriter?: RingWriter;
  private budget?: CaptureBudget;
  /** Body buffers the recorder is done with, for the next bodies' tees. */
  private readonly bodyPool = new BodyBufferPool();
  private ringBytes = 0;
  private stopping = false;

  constructor(private readonly options: ProxyOptions) {
    super();
    const extra = options.extraCa === undefined ? [] : [options.extraCa].flat();
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      connect: {
        // Node's `ca` replaces the default roots, so keep them when adding a CA.
        ...(extra.length ? { ca: [...rootCertificates, ...extra] } : {}),
        noDelay: true,
      },
    });
  }

  get logPath(): string | undefined {
    return this.recorder?.logPath;
  }

  get activeExchanges(): number {
    return this.inFlight.size;
  }

  /** Bytes of captured data held in memory right now, beyond the fixed response ring (0 when all is written). */
  /** Request bodies teed into a buffer the recorder gave back (see bodyPool.ts). */
  get reusedBodyBuffers(): number {
    return this.bodyPool.reuseCount;
  }

  get bufferedCaptureBytes(): number {
    return (this.budget?.usedBytes ?? 0) - this.ringBytes;
  }

  /** Starts every listener it can; a port in use only costs that listener. */
  async start(): Promise<ListenerStatus[]> {
    const ring = CaptureRing.create();
    const budget = CaptureBudget.create(this.options.memoryBudgetBytes ?? CAPTURE_MEMORY_BUDGET_BYTES);
    // The ring is always held, so it is charged once; the rest of the budget is for bodies.
    this.ringBytes = ring.buffer.byteLength;
    budget.charge(this.ringBytes);
    this.budget = budget;
    this.recorder = await startRecorder(
      {
        captureDir: this.options.captureDir,
        logFile: this.options.logFile,
        ring: ring.buffer,
        budget: budget.buffer,
        budgetLimitBytes: budget.limitBytes,
        useWorker: this.options.recordOnWorker,
        recording: this.options.recording,
      },
      (event) => {
        if (event.type === 'written') this.emit('record', { id: event.id, kind: event.kind });
        else if (event.type === 'problem') this.emit('problem', event.message);
        else if (event.type === 'body-done') this.bodyPool.give(event.buffer);
      },
    );
    if (this.recorder.openError) this.emit('problem', this.recorder.openError);
    else this.ringWriter = new RingWriter(ring, this.recorder);
    const statuses: ListenerStatus[] = [];
    for (const spec of this.options.listeners) statuses.push(await this.startListener(spec));
    return statuses;
  }

  private async startListener(spec: ListenerSpec): Promise<ListenerStatus> {
    let upstream: URL;
    try {
      upstream = validateListener(spec);
    } catch (error) {
      return { spec, error: (error as Error).message };
    }
    const server = createServer({ noDelay: true, requestTimeout: 0, keepAliveTimeout: 65_000 });
    const listener: ActiveListener = { spec, upstream, server, port: spec.port };
    server.on('request', (req, res) => this.handle(listener, req, res));
    server.on('upgrade', (req, socket) => this.refuseUpgrade(listener, req, socket));
    const listen = (port: number) =>
      new Promise<void>((resolveListen, rejectListen) => {
        server.once('error', rejectListen);
        server.listen({ host: LOOPBACK_HOST, port, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', rejectListen);
          resolveListen();
        });
      });
    let fallbackFrom: number | undefined;
    try {
      try {
        await listen(spec.port);
      } catch (error) {
        const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!taken || !this.options.freePortWhenTaken || spec.port === 0) throw error;
        await listen(0);
        fallbackFrom = spec.port;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'EADDRINUSE'
          ? `port ${spec.port} is already in use (another agent-interlude, or another program, listens there); stop that program or give the ${spec.agent} listener another port (0 picks a free one)`
          : code === 'EACCES'
            ? `port ${spec.port} needs privileges this process does not have; use a port above 1023`
            : `cannot listen on ${LOOPBACK_HOST}:${spec.port}: ${errorText(error)}`;
      return { spec, error: reason };
    }
    server.on('error', (error) => this.emit('problem', `listener ${listener.port}: ${errorText(error)}`));
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('listener has no TCP address');
    listener.port = address.port;
    this.active.push(listener);
    return {
      spec,
      port: listener.port,
      address: address.address,
      url: `http://${LOOPBACK_HOST}:${listener.port}`,
      ...(fallbackFrom !== undefined ? { fallbackFrom } : {}),
    };
  }

  private track(work: Promise<void>): void {
    // A bug in one exchange's bookkeeping is reported, never allowed to take the process down.
    const guarded = work.catch((error: unknown) => {
      this.emit('problem', `internal error while relaying (please report): ${errorText(error)}`);
    });
    this.inFlight.add(guarded);
    this.emit('exchanges', this.inFlight.size);
    void guarded.finally(() => {
      this.inFlight.delete(guarded);
      this.emit('exchanges', this.inFlight.size);
    });
  }

  private refuse(res: ServerResponse, reason: string): void {
    this.emit('problem', `refused a request: ${reason}`);
    res.writeHead(403, { 'content-type': 'application/json', connection: 'close' });
    res.end(errorBody('permission_error', `agent-interlude: ${reason}`));
  }

  private handle(listener: ActiveListener, req: IncomingMessage, res: ServerResponse): void {
    const refusal = refusalReason(req.headers);
    if (refusal) {
      req.resume();
      this.refuse(res, refusal);
      return;
    }
    this.track(this.relay(listener, req, res));
  }

  private async relay(listener: ActiveListener, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const recorder = this.recorder;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const wire = detectWire(path);
    const { agent } = listener.spec;
    const meta: RequestMeta = {
      id: exchangeId(),
      ts: new Date().toISOString(),
      agent,
      wire,
      method,
      path,
      headers_kept: loggedRequestHeaders(req.headers),
      contentEncoding: headerText(req.headers['content-encoding']),
    };
    const { id } = meta;
    this.emit('request', { id, agent, wire, method, path, port: listener.port });

    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    const announced = Number(req.headers['content-length']);
    // Only a recording proxy holds copies; without a log there is nothing to reserve for.
    const tee = new BodyTee(
      this.ringWriter ? this.budget : undefined,
      Number.isSafeInteger(announced) ? announced : undefined,
      undefined,
      this.ringWriter ? this.bodyPool : undefined,
    );
    req.on('error', () => tee.destroy());
    req.pipe(tee);
    if (!hasBody) tee.resume();

    // The request is recorded when its body has passed through, however that ends;
    // its response is posted after it, so every file reads request-first.
    let requestPosted = false;
    let signalRequestPosted!: () => void;
    const requestRecorded = new Promise<void>((resolvePosted) => (signalRequestPosted = resolvePosted));
    const recordRequest = (interrupted: boolean) => {
      if (requestPosted) return;
      requestPosted = true;
      // The copy and its share of the budget go to the recorder, which releases it once the line is written.
      const body = tee.handOver();
      recorder?.post({ type: 'request', meta, body, bodyBytes: tee.bytes, overflowed: tee.overflow ?? false, interrupted });
      signalRequestPosted();
    };
    tee.once('end', () => recordRequest(false));
    tee.once('close', () => recordRequest(!tee.readableEnded));

    const outcome = await this.forward(listener, req, res, hasBody ? tee : null, started, id, wire);

    if (outcome.kind === 'unanswered') {
      const message = outcome.agentGone
        ? 'the agent closed the connection before the upstream answered'
        : `agent-interlude could not reach the upstream ${listener.upstream.origin}: ${errorText(outcome.error)}`;
      if (!outcome.agentGone) {
        this.emit('problem', `[${agent}] ${method} ${path}: ${message}`);
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(errorBody('api_error', message));
        }
      }
      // Let the rest of the body drain so the request record shows what arrived.
      tee.resume();
      if (!tee.readableEnded && !tee.destroyed) {
        await Promise.race([
          new Promise((resolveDrain) => tee.once('close', resolveDrain)),
          new Promise((resolveDrain) => setTimeout(resolveDrain, 1_000).unref()),
        ]);
      }
      recordRequest(!tee.readableEnded);
      recorder?.post({
        type: 'record',
        record: {
          id,
          kind: 'response',
          ts: new Date().toISOString(),
          agent,
          wire,
          status: outcome.agentGone ? 499 : 502,
          error: message,
          content_type: outcome.agentGone ? '' : 'application/json',
          schema: SCHEMA_VERSION,
          duration_ms: elapsed(started),
          ...(outcome.agentGone ? { partial: true } : {}),
        },
      });
      return;
    }

    // An upstream may answer before it has read the whole body; do not wait forever
    // for a body that will not end, but keep the request line first in the file.
    if (!requestPosted) {
      await Promise.race([requestRecorded, new Promise((resolveWait) => setTimeout(resolveWait, 1_000).unref())]);
      recordRequest(!tee.readableEnded);
    }
    this.ringWriter?.flush();
    const { tap } = outcome;
    const end: ResponseEnd = {
      id,
      ts: new Date().toISOString(),
      agent,
      wire,
      status: outcome.status,
      content_type: outcome.contentType,
      ttfb_ms: outcome.ttfbMs,
      duration_ms: elapsed(started),
      response_bytes: tap.bytes,
    };
    if (outcome.firstByteMs !== undefined) end.first_byte_ms = outcome.firstByteMs;
    if (outcome.error) end.error = outcome.error;
    if (outcome.partial) end.partial = true;
    if (tap.gap) end.capture_gap = true;
    recorder?.post({ type: 'response-end', end });
  }

  /**
   * Sends the request upstream and relays the response as it arrives. Uses undici's
   * dispatch handler directly (no response stream object, no AbortController): the
   * relay's per-request cost is what limits a proxy under many concurrent agents.
   */
  private forward(
    listener: ActiveListener,
    req: IncomingMessage,
    res: ServerResponse,
    body: BodyTee | null,
    started: number,
    id: string,
    wire: Wire,
  ): Promise<ForwardOutcome> {
    return new Promise<ForwardOutcome>((resolveOutcome) => {
      let settled = false;
      const settle = (outcome: ForwardOutcome) => {
        if (settled) return;
        settled = true;
        resolveOutcome(outcome);
      };
      let controller: Dispatcher.DispatchController | undefined;
      let agentGone = false;
      let answered: Omit<Extract<ForwardOutcome, { kind: 'relayed' }>, 'kind' | 'partial' | 'error'> | undefined;
      const agentClosed = () => new Error('the agent closed the connection');
      res.once('close', () => {
        if (res.writableFinished) return;
        agentGone = true;
        controller?.abort(agentClosed());
      });
      let corked = false;
      const uncork = () => {
        corked = false;
        res.socket?.uncork();
      };

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (requestController) => {
          controller = requestController;
          if (agentGone) requestController.abort(agentClosed());
        },
        onResponseStart: (responseController, statusCode, headers) => {
          // 1xx interim responses are the upstream client's business, not the agent's.
          if (statusCode < 200) return;
          const contentType = headerText(headers['content-type']);
          answered = { status: statusCode, contentType, ttfbMs: elapsed(started), tap: new ResponseTap(this.ringWriter) };
          this.recorder?.post({
            type: 'response-start',
            id,
            slot: answered.tap.slot,
            wire,
            contentType,
            contentEncoding: headerText(headers['content-encoding']),
          });
          try {
            res.writeHead(statusCode, relayedResponseHeaders(headers));
          } catch (error) {
            responseController.abort(error as Error);
            settle({ kind: 'relayed', ...answered, partial: true, error: `cannot relay the response headers: ${errorText(error)}` });
            return;
          }
          // Headers usually arrive with the first body bytes and leave with them in one
          // write; if the body is slow (a model thinking), they go out on their own at
          // the end of this turn so the agent sees the status as soon as it was sent.
          setImmediate(() => {
            if (!res.headersSent && !res.destroyed) res.flushHeaders();
          });
          res.on('drain', () => responseController.resume());
        },
        onResponseData: (responseController, chunk) => {
          if (!answered) return;
          answered.firstByteMs ??= elapsed(started);
          // One socket read from the upstream often holds many small SSE events, each
          // its own chunk here; corking until the end of this tick sends them in one
          // write instead of one syscall per event, holding no byte past this tick.
          if (!corked && res.socket) {
            corked = true;
            res.socket.cork();
            process.nextTick(uncork);
          }
          // Relay first, copy second: the agent never waits for the log.
          if (!res.write(chunk)) responseController.pause();
          answered.tap.push(chunk);
        },
        onResponseEnd: () => {
          res.end();
          if (answered) settle({ kind: 'relayed', ...answered, partial: false });
        },
        onResponseError: (_controller, error) => {
          if (!answered) {
            settle({ kind: 'unanswered', agentGone, error });
          } else if (agentGone) {
            settle({ kind: 'relayed', ...answered, partial: true, error: 'the agent closed the connection mid-response' });
          } else {
            // Cut the agent's connection too: a clean end would pass a broken stream off as complete.
            res.destroy();
            settle({
              kind: 'relayed',
              ...answered,
              partial: true,
              error: `the upstream connection broke mid-response: ${errorText(error)}`,
            });
          }
        },
      };

      try {
        this.dispatcher.dispatch(
          {
            origin: listener.upstream.origin,
            path: joinUpstreamPath(listener.upstream, req.url ?? '/'),
            method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
            headers: upstreamRequestHeaders(req.headers),
            body,
            headersTimeout: UPSTREAM_TIMEOUT_MS,
            bodyTimeout: UPSTREAM_TIMEOUT_MS,
          },
          handler,
        );
      } catch (error) {
        settle({ kind: 'unanswered', agentGone, error });
      }
    });
  }

  /** Codex tries a WebSocket first; a prompt 426 makes it fall back to plain HTTP. */
  private refuseUpgrade(listener: ActiveListener, req: IncomingMessage, socket: Duplex): void {
    socket.on('error', () => undefined);
    const refusal = refusalReason(req.headers);
    const status = refusal ? 403 : 426;
    const message = refusal
      ? `agent-interlude: ${refusal}`
      : 'agent-interlude relays HTTP only; WebSocket upgrades are refused so the client falls back to HTTP';
    const body = errorBody(refusal ? 'permission_error' : 'invalid_request_error', message);
    socket.end(
      `HTTP/1.1 ${status} ${refusal ? 'Forbidden' : 'Upgrade Required'}\r\n` +
        'content-type: application/json\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
    if (refusal) {
      this.emit('problem', `refused a WebSocket upgrade: ${refusal}`);
      return;
    }
    const id = exchangeId();
    const path = req.url ?? '/';
    const wire = detectWire(path);
    const { agent } = listener.spec;
    const method = req.method ?? 'GET';
    this.emit('request', { id, agent, wire, method, path, port: listener.port });
    const ts = new Date().toISOString();
    this.recorder?.post({
      type: 'record',
      record: {
        id, kind: 'request', ts, agent, wire, method, path,
        headers_kept: loggedRequestHeaders(req.headers),
        request: '',
        extract: null,
        schema: SCHEMA_VERSION,
        request_bytes: 0,
        websocket: true,
        note: 'WebSocket upgrade attempt',
      },
    });
    this.recorder?.post({
      type: 'record',
      record: {
        id, kind: 'response', ts, agent, wire,
        status: 426,
        stream: false,
        body: JSON.parse(body) as unknown,
        content_type: 'application/json',
        note: 'WebSocket upgrade refused (426) so the client falls back to HTTP',
        schema: SCHEMA_VERSION,
        duration_ms: 0,
      },
    });
  }

  /** Stops listening, gives in-flight exchanges a moment, then cuts them and flushes the log. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.bodyPool.letGo();
    const closed = this.active.map(
      (listener) => new Promise<void>((resolveClose) => listener.server.close(() => resolveClose())),
    );
    for (const listener of this.active) listener.server.closeIdleConnections();
    const grace = this.options.stopGraceMs ?? 2_000;
    if (this.inFlight.size) {
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((resolveGrace) => setTimeout(resolveGrace, grace).unref()),
      ]);
    }
    for (const listener of this.active) listener.server.closeAllConnections();
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(closed);
    this.active.length = 0;
    await this.dispatcher.destroy().catch(() => undefined);
    await this.recorder?.close();
  }
}

/**
 * Publishes ring writes to the recorder in bulk: each message wakes the recorder's thread (a syscall on both
 * sides, and on two cores often a context switch that delays the relay), so a stream of small SSE events is
 * announced every PUBLISH_INTERVAL_MS, or sooner once a good part of the ring waits; nothing reads the bytes
 * before the response ends, which flushes first.
 */
const PUBLISH_INTERVAL_MS = 25;

class RingWriter {
  private timer?: NodeJS.Timeout;
  private immediate = false;
  private unpublished = 0;
  private nextSlot = 1;
  private readonly publishAtBytes: number;

  constructor(
    readonly ring: CaptureRing,
    private readonly recorder: RecorderLink,
  ) {
    this.publishAtBytes = Math.floor(ring.buffer.byteLength / 8);
  }

  allocateSlot(): number {
    const slot = this.nextSlot;
    this.nextSlot = this.nextSlot >= 0x7fffffff ? 1 : this.nextSlot + 1;
    return slot;
  }

  written(bytes: number): void {
    this.unpublished += bytes;
    if (this.unpublished >= this.publishAtBytes) {
      if (this.immediate) return;
      this.immediate = true;
      setImmediate(() => this.flush());
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), PUBLISH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Hands everything written so far to the recorder (before an exchange's end is posted). */
  flush(): void {
    // Published because the ring fills: the recorder must hear of it now, not after the link's batch window.
    const soon = this.immediate;
    this.immediate = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unpublished === 0) return;
    this.unpublished = 0;
    this.recorder.post({ type: 'response-data', until: this.ring.publish() }, soon);
  }
}

/** One response's copy for the log: its first TEE_CAP_BYTES, through the ring. */
class ResponseTap {
  readonly slot: number;
  private copied = 0;
  /** The ring was full: the log copy stops here, the relay does not. */
  gap = false;
  bytes = 0;

  constructor(private readonly writer: RingWriter | undefined) {
    this.slot = writer?.allocateSlot() ?? 0;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.writer || this.gap || this.copied >= TEE_CAP_BYTES) return;
    const kept = chunk.length <= TEE_CAP_BYTES - this.copied ? chunk : chunk.subarray(0, TEE_CAP_BYTES - this.copied);
    if (!this.writer.ring.write(this.slot, kept)) {
      this.gap = true;
      return;
    }
    this.copied += kept.length;
    this.writer.written(kept.length);
  }
}
