// The capture proxy: one loopback HTTP listener per upstream API. Request bodies are
// forwarded as they arrive and response bytes reach the agent as they arrive; a
// bounded copy of each side is parsed on the way into the JSONL log.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { CaptureLog } from './captureLog';
import { headerText, loggedRequestHeaders, relayedResponseHeaders, upstreamRequestHeaders } from './headers';
import { LOOPBACK_HOST, validateListener, type ListenerSpec } from './listeners';
import { SCHEMA_VERSION, type CaptureRecord, type RequestRecord, type ResponseRecord } from './records';
import { BodyTee, describeRequestBody } from './requestCapture';
import { refusalReason } from './requestGuard';
import { ResponseCapture } from './responseCapture';
import { detectWire, type Wire } from './wire';

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
}

export interface ExchangeStarted {
  id: string;
  agent: string;
  wire: Wire;
  method: string;
  path: string;
  port: number;
}

export interface ProxyEventMap {
  /** A request arrived (the original's console line: `[agent] METHOD path`). */
  request: [ExchangeStarted];
  /** A record was handed to the log. */
  record: [CaptureRecord];
  /** Something the user should know about; the relay itself carries on. */
  problem: [string];
}

const UPSTREAM_TIMEOUT_MS = 600_000;
const LISTEN_BACKLOG = 1024;

interface ActiveListener {
  spec: ListenerSpec;
  upstream: URL;
  server: Server;
  port: number;
}

function exchangeId(): string {
  return randomBytes(6).toString('hex');
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${code && !error.message.includes(code) ? ` [${code}]` : ''}${cause}`;
  }
  return String(error);
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
  private log?: CaptureLog;
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
    return this.log?.path;
  }

  get activeExchanges(): number {
    return this.inFlight.size;
  }

  /** Starts every listener it can; a port in use only costs that listener. */
  async start(): Promise<ListenerStatus[]> {
    try {
      this.log = await CaptureLog.open(
        this.options.captureDir,
        { onWriteError: (error) => this.emit('problem', `cannot write the capture log: ${errorText(error)}; traffic is still relayed but no longer recorded`) },
        this.options.logFile,
      );
    } catch (error) {
      this.emit(
        'problem',
        `cannot create a capture log in ${this.options.logFile ?? this.options.captureDir}: ${errorText(error)}; traffic is relayed but not recorded`,
      );
    }
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
    try {
      await new Promise<void>((resolveListen, rejectListen) => {
        server.once('error', rejectListen);
        server.listen({ host: LOOPBACK_HOST, port: spec.port, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', rejectListen);
          resolveListen();
        });
      });
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
    return { spec, port: listener.port, address: address.address, url: `http://${LOOPBACK_HOST}:${listener.port}` };
  }

  private write(record: CaptureRecord): void {
    this.log?.write(record);
    this.emit('record', record);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
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
    const id = exchangeId();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const wire = detectWire(path);
    const { agent } = listener.spec;
    this.emit('request', { id, agent, wire, method, path, port: listener.port });

    const requestTs = new Date().toISOString();
    const contentEncoding = headerText(req.headers['content-encoding']);
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    const tee = new BodyTee();
    req.on('error', () => tee.destroy());
    req.pipe(tee);
    if (!hasBody) tee.resume();

    // The request record is written when the body has passed through, however that
    // ends; the response record waits for it so every file reads request-first.
    let recordRequest!: (interrupted: boolean) => void;
    const requestRecorded = new Promise<void>((resolveRecorded) => {
      let done = false;
      recordRequest = (interrupted) => {
        if (done) return;
        done = true;
        const captured = describeRequestBody(wire, tee.copy(), tee.bytes, tee.overflowed, contentEncoding);
        const record: RequestRecord = {
          id,
          kind: 'request',
          ts: requestTs,
          agent,
          wire,
          method,
          path,
          headers_kept: loggedRequestHeaders(req.headers),
          request: captured.request,
          extract: captured.extract,
          schema: SCHEMA_VERSION,
          request_bytes: captured.request_bytes,
        };
        if (contentEncoding) record.content_encoding = contentEncoding;
        if (captured.truncated) record.truncated = true;
        const notes = [captured.note, interrupted ? 'the request body was cut off before it ended' : undefined];
        const note = notes.filter(Boolean).join('; ');
        if (note) record.note = note;
        this.write(record);
        resolveRecorded();
      };
    });
    tee.once('end', () => recordRequest(false));
    tee.once('close', () => recordRequest(!tee.readableEnded));

    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the agent closed the connection'));
    });

    let upstreamResponse: Dispatcher.ResponseData;
    try {
      upstreamResponse = await this.dispatcher.request({
        origin: listener.upstream.origin,
        path: joinUpstreamPath(listener.upstream, path),
        method: method as Dispatcher.HttpMethod,
        headers: upstreamRequestHeaders(req.headers),
        body: hasBody ? tee : null,
        signal: abort.signal,
        headersTimeout: UPSTREAM_TIMEOUT_MS,
        bodyTimeout: UPSTREAM_TIMEOUT_MS,
      });
    } catch (error) {
      const agentGone = abort.signal.aborted;
      const message = agentGone
        ? 'the agent closed the connection before the upstream answered'
        : `agent-interlude could not reach the upstream ${listener.upstream.origin}: ${errorText(error)}`;
      if (!agentGone) {
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
      const record: ResponseRecord = {
        id,
        kind: 'response',
        ts: new Date().toISOString(),
        agent,
        wire,
        status: agentGone ? 499 : 502,
        error: message,
        content_type: agentGone ? '' : 'application/json',
        schema: SCHEMA_VERSION,
        duration_ms: elapsed(started),
      };
      if (agentGone) record.partial = true;
      this.write(record);
      return;
    }

    const { statusCode, headers, body } = upstreamResponse;
    const ttfb = elapsed(started);
    const contentType = headerText(headers['content-type']);
    const capture = new ResponseCapture(wire, contentType, headerText(headers['content-encoding']));
    let firstByte: number | undefined;

    const outcome = await new Promise<{ partial: boolean; error?: string }>((resolveOutcome) => {
      let settled = false;
      const settle = (value: { partial: boolean; error?: string }) => {
        if (settled) return;
        settled = true;
        resolveOutcome(value);
      };
      try {
        res.writeHead(statusCode, relayedResponseHeaders(headers));
        res.flushHeaders();
      } catch (error) {
        body.destroy();
        settle({ partial: true, error: `cannot relay the response headers: ${errorText(error)}` });
        return;
      }
      body.on('data', (chunk: Buffer) => {
        firstByte ??= elapsed(started);
        capture.push(chunk);
        if (!res.write(chunk)) body.pause();
      });
      res.on('drain', () => body.resume());
      body.once('end', () => {
        res.end();
        settle({ partial: false });
      });
      body.once('error', (error) => {
        if (abort.signal.aborted) {
          settle({ partial: true, error: 'the agent closed the connection mid-response' });
        } else {
          // Cut the agent's connection too: a clean end would pass a broken stream off as complete.
          res.destroy();
          settle({ partial: true, error: `the upstream connection broke mid-response: ${errorText(error)}` });
        }
      });
      res.once('close', () => {
        if (res.writableFinished) return;
        body.destroy();
        settle({ partial: true, error: 'the agent closed the connection mid-response' });
      });
    });

    // An upstream may answer before it has read the whole body; do not wait forever
    // for a body that will not end, but keep the request line first in the file.
    await Promise.race([requestRecorded, new Promise((resolveWait) => setTimeout(resolveWait, 1_000).unref())]);
    recordRequest(!tee.readableEnded);
    const record: ResponseRecord = {
      id,
      kind: 'response',
      ts: new Date().toISOString(),
      agent,
      wire,
      status: statusCode,
      ...capture.summary(),
      content_type: contentType,
    };
    if (outcome.error) record.error = outcome.error;
    Object.assign(record, {
      schema: SCHEMA_VERSION,
      ttfb_ms: ttfb,
      ...(firstByte !== undefined ? { first_byte_ms: firstByte } : {}),
      duration_ms: elapsed(started),
      response_bytes: capture.bytes,
      ...(outcome.partial ? { partial: true } : {}),
    });
    if (capture.truncated) record.truncated = true;
    this.write(record);
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
    this.write({
      id, kind: 'request', ts, agent, wire, method, path,
      headers_kept: loggedRequestHeaders(req.headers),
      request: '',
      extract: null,
      schema: SCHEMA_VERSION,
      request_bytes: 0,
      websocket: true,
      note: 'WebSocket upgrade attempt',
    });
    this.write({
      id, kind: 'response', ts, agent, wire,
      status: 426,
      stream: false,
      body: JSON.parse(body) as unknown,
      content_type: 'application/json',
      note: 'WebSocket upgrade refused (426) so the client falls back to HTTP',
      schema: SCHEMA_VERSION,
      duration_ms: 0,
    });
  }

  /** Stops listening, gives in-flight exchanges a moment, then cuts them and flushes the log. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
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
    await this.log?.close();
  }
}
