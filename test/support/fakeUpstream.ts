// A fake model API on 127.0.0.1: a real node:http(s) server that answers like the Anthropic Messages API, the
// OpenAI Responses API and the OpenAI Chat Completions API, closely enough that the official SDKs and the real
// agent CLIs (Claude Code 2.1.x, Codex 0.17x) parse its replies (see SPEC.md §2 for what those agents send).
//
// It serves three kinds of tests: proxy integration tests (scenario header `x-fake-scenario`, recorded requests),
// the direct-vs-proxied benchmark (so it adds no buffering of its own: one socket write per SSE event, Nagle off,
// bulk payloads encoded once), and dogfood runs of the real agents (default reply "PONG" and a one-step tool round
// trip triggered by the markers USE_BASH_TOOL / USE_EXEC_TOOL in the prompt).

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer as createHttpServer, STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { type AnthropicCacheUsage, API_TTLS, type CacheTtls, PromptCache, TooManyBreakpointsError } from './promptCache';

// ---------------------------------------------------------------------------------------------------------------
// Public API

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received, e.g. `/v1/messages?beta=true`. */
  url: string;
  headers: IncomingHttpHeaders;
  /**
   * The body exactly as received (still content-encoded). Undefined when it was larger than
   * {@link MAX_RECORDED_BODY_BYTES}: benchmarks send such bodies in bulk and the log must stay small.
   */
  body: Buffer | undefined;
  bodyLength: number;
  /** sha256 (hex) of the raw body, kept for every request so tests can check byte-exact relaying of any size. */
  bodySha256: string;
}

export interface FakeUpstream {
  /** Origin without a trailing slash, e.g. `http://127.0.0.1:41234` (https when started with `tls`). */
  url: string;
  port: number;
  /** Every request in arrival order, appended once its body has been read (before the reply starts). */
  requests: RecordedRequest[];
  /** Stops listening and destroys every open connection, including streams still in flight. */
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** Serve https with this PEM key and certificate (see {@link makeTestCertificate}). */
  tls?: { key: string; cert: string };
  /** Prompt-cache TTLs (the API's 5 minutes and 1 hour unless a test shortens them); see promptCache.ts. */
  cacheTtls?: CacheTtls;
}

/** Bodies up to this size are kept in {@link RecordedRequest.body}; larger ones only by length and hash. */
export const MAX_RECORDED_BODY_BYTES = 1024 * 1024;

/** The text of every ordinary reply, so `claude -p "Reply with exactly PONG"` prints PONG. */
export const DEFAULT_REPLY_TEXT = 'PONG';

/** A prompt containing this (in the last user message) makes the Anthropic route answer with a Bash tool_use. */
export const BASH_TOOL_MARKER = 'USE_BASH_TOOL';

/** A prompt containing this (in the last user message) makes the Responses route answer with a Codex tool call. */
export const EXEC_TOOL_MARKER = 'USE_EXEC_TOOL';

/** What the requested tool calls print; the follow-up reply is `TOOL_DONE: <tool output>`. */
export const TOOL_COMMAND = 'echo interlude-tool-ok';

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Duplex>();
  const cache = new PromptCache(options.cacheTtls ?? API_TTLS);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(req, res, requests, cache).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) {
        // The client went away mid-request or mid-reply; there is nobody left to tell.
        res.destroy();
        return;
      }
      // A bug in the fake must not pass for a network failure of the proxy under test: say what went wrong.
      sendJson(res, 500, anthropicErrorBody(500, `fake upstream failed: ${String(error)}`));
    });
  };
  // noDelay: small SSE events must leave immediately, or latency measurements would include Nagle's delay.
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, noDelay: true }, onRequest)
    : createHttpServer({ noDelay: true }, onRequest);

  // Tracked for close(): `closeAllConnections` does not know sockets that were handed to the 'upgrade' event.
  server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => refuseUpgrade(req, socket, requests));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Request handling

type JsonObject = Record<string, unknown>;

type ApiFamily = 'anthropic' | 'responses' | 'chat';

interface ReceivedBody {
  /** Undefined only when a body over MAX_RECORDED_BODY_BYTES was read for `echo-body`, which needs no bytes. */
  raw: Buffer | undefined;
  length: number;
  sha256: string;
}

class BadRequestError extends Error {}

async function handleRequest(req: IncomingMessage, res: ServerResponse, requests: RecordedRequest[], cache: PromptCache): Promise<void> {
  const scenarioHeader = req.headers['x-fake-scenario'];
  let scenario: Scenario | BadRequestError;
  try {
    scenario = parseScenario(Array.isArray(scenarioHeader) ? scenarioHeader.join(',') : scenarioHeader);
  } catch (error) {
    // Answered only once the route is known, so that the 400 comes in that API's error shape.
    if (!(error instanceof BadRequestError)) throw error;
    scenario = error;
  }
  const body = await readBody(req, scenario instanceof Error || !scenario.echoBody);
  requests.push({
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    body: body.raw !== undefined && body.length <= MAX_RECORDED_BODY_BYTES ? body.raw : undefined,
    bodyLength: body.length,
    bodySha256: body.sha256,
  });

  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const api = req.method === 'POST' ? apiFamilyOfPath(path) : undefined;
  if (req.headers.upgrade !== undefined) {
    // Only reachable when Node hands an Upgrade request to 'request' instead of 'upgrade'.
    sendJson(res, 400, openAiErrorBody(400, 'WebSocket upgrades are not supported by the fake upstream'));
    return;
  }
  if (api === undefined) {
    sendJson(res, 404, anthropicErrorBody(404, `Not found: ${req.method ?? ''} ${path}`));
    return;
  }
  const dialect = DIALECTS[api];
  // Every reply of the real APIs carries a request id; clients log it, and the proxy may record it.
  const requestIdHeader = { [dialect.requestIdHeader]: randomId('req_', 24) };
  if (scenario instanceof Error) {
    sendJson(res, 400, dialect.errorBody(400, `x-fake-scenario: ${scenario.message}`), requestIdHeader);
    return;
  }

  if (scenario.headerDelayMs > 0) {
    await pauseUnlessClosed(res, scenario.headerDelayMs);
    if (res.destroyed) return;
  }
  if (scenario.status !== undefined) {
    const errorBody = dialect.errorBody(scenario.status, errorMessageForStatus(scenario.status));
    sendJson(res, scenario.status, errorBody, requestIdHeader);
    return;
  }
  if (scenario.echoBody) {
    sendJson(res, 200, { bytes: body.length, sha256: body.sha256 });
    return;
  }
  if (scenario.plainText) {
    const text = Buffer.from('plain text reply');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': text.length });
    res.end(text);
    return;
  }

  let request: ParsedApiRequest;
  try {
    request = parseApiRequest(req.headers, body.raw ?? Buffer.alloc(0));
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    if (!scenario.forcesStream) {
      sendJson(res, 400, dialect.errorBody(400, error.message), requestIdHeader);
      return;
    }
    // The synthetic streams do not depend on the conversation, so raw-HTTP tests may send any body.
    request = { body: {}, model: 'fake-model', inputTokens: 1 };
  }
  try {
    applyPromptCache(cache, api, request);
  } catch (error) {
    if (!(error instanceof TooManyBreakpointsError)) throw error;
    sendJson(res, 400, dialect.errorBody(400, error.message), requestIdHeader);
    return;
  }
  const reply = dialect.createReply(request);

  if (scenario.gzipResponse) {
    const compressed = gzipSync(JSON.stringify(reply.json()));
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': compressed.length,
      ...requestIdHeader,
    });
    res.end(compressed);
    return;
  }
  if (request.body.stream !== true && !scenario.forcesStream) {
    sendJson(res, 200, reply.json(), requestIdHeader);
    return;
  }

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...requestIdHeader,
  });
  const sink = new SseSink(res, scenario.resetAfterEvents);
  if (scenario.timedEvents) {
    await streamTimedTextEvents(sink, reply.textStream, scenario.timedEvents);
  } else if (scenario.streamBytes !== undefined) {
    await streamBulkText(sink, reply.textStream, scenario.streamBytes, scenario.streamEventBytes);
  } else {
    for (const event of reply.events()) {
      if (!(await sink.send(encodeSseEvent(event)))) return;
    }
  }
  sink.end();
}

/**
 * Reads the whole body, hashing as it goes. A body over MAX_RECORDED_BODY_BYTES is kept only when `mustKeepLarge`
 * (replies that parse it); `echo-body` throughput tests can then send any size without filling memory.
 */
async function readBody(req: IncomingMessage, mustKeepLarge: boolean): Promise<ReceivedBody> {
  const hash = createHash('sha256');
  let chunks: Buffer[] | undefined = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    hash.update(chunk);
    length += chunk.length;
    chunks?.push(chunk);
    if (length > MAX_RECORDED_BODY_BYTES && !mustKeepLarge) chunks = undefined;
  }
  return { raw: chunks && Buffer.concat(chunks, length), length, sha256: hash.digest('hex') };
}

function apiFamilyOfPath(path: string): ApiFamily | undefined {
  // Suffix match: clients put the API under different prefixes (`/v1/messages`, `/anthropic/v1/messages`, ...).
  if (path.endsWith('/messages')) return 'anthropic';
  if (path.endsWith('/responses')) return 'responses';
  if (path.endsWith('/chat/completions')) return 'chat';
  return undefined;
}

function refuseUpgrade(req: IncomingMessage, socket: Duplex, requests: RecordedRequest[]): void {
  requests.push({
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    body: Buffer.alloc(0),
    bodyLength: 0,
    bodySha256: createHash('sha256').digest('hex'),
  });
  const body = JSON.stringify(openAiErrorBody(400, 'WebSocket upgrades are not supported by the fake upstream'));
  socket.on('error', () => socket.destroy());
  socket.end(
    'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function sendJson(res: ServerResponse, status: number, body: object, extraHeaders: Record<string, string> = {}): void {
  const json = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': json.length, ...extraHeaders });
  res.end(json);
}

// ---------------------------------------------------------------------------------------------------------------
// Request parsing

interface ParsedApiRequest {
  body: JsonObject;
  model: string;
  /** A plausible prompt size for usage fields (≈ 4 bytes per token), not a real tokenizer count. */
  inputTokens: number;
  /** Anthropic: the usage's cache fields and the reply's message id (kept for cache diagnostics). */
  anthropicCache?: AnthropicCacheUsage;
  messageId?: string;
  diagnostics?: JsonObject;
  /** OpenAI: cached tokens, a part of inputTokens. */
  cachedTokens?: number;
}

/** Prompt caching as the API does it (promptCache.ts); a request without a body (synthetic streams) has none. */
function applyPromptCache(cache: PromptCache, api: ApiFamily, request: ParsedApiRequest): void {
  if (Object.keys(request.body).length === 0) return;
  if (api === 'anthropic') {
    request.diagnostics = cache.diagnose(request.model, request.body);
    request.anthropicCache = cache.anthropic(request.model, request.body);
    request.messageId = randomId('msg_01', 22);
    cache.rememberFingerprint(request.messageId, request.model, request.body);
    return;
  }
  const { inputTokens, cachedTokens } = cache.openai(request.model, request.body);
  request.inputTokens = inputTokens;
  request.cachedTokens = cachedTokens;
}

function parseApiRequest(headers: IncomingHttpHeaders, raw: Buffer): ParsedApiRequest {
  const decoded = decodeContentEncoding(raw, headers['content-encoding']);
  let body: unknown;
  try {
    body = JSON.parse(decoded.toString('utf8'));
  } catch {
    throw new BadRequestError('request body is not valid JSON');
  }
  if (!isObject(body)) throw new BadRequestError('request body must be a JSON object');
  return {
    body,
    model: typeof body.model === 'string' ? body.model : 'fake-model',
    inputTokens: Math.max(1, Math.ceil(decoded.length / 4)),
  };
}

function decodeContentEncoding(raw: Buffer, contentEncoding: string | undefined): Buffer {
  // Encodings are listed in the order they were applied, so they are undone from the last one.
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
  let data = raw;
  for (const coding of codings) {
    try {
      if (coding === 'gzip' || coding === 'x-gzip') data = gunzipSync(data);
      else if (coding === 'deflate') data = inflateSync(data);
      else if (coding === 'br') data = brotliDecompressSync(data);
      else if (coding === 'zstd') data = Buffer.from(zstdDecompress(data));
      else throw new BadRequestError(`unsupported content-encoding "${coding}"`);
    } catch (error) {
      if (error instanceof BadRequestError) throw error;
      throw new BadRequestError(`request body is not valid ${coding}`);
    }
  }
  return data;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectsIn(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function findLast<T>(items: readonly T[], predicate: (item: T) => boolean): T | undefined {
  for (let index = items.length - 1; index >= 0; index -= 1) {
    const item = items[index] as T;
    if (predicate(item)) return item;
  }
  return undefined;
}

/** Text of a content value that is either a string or a list of typed parts with `text` fields. */
function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  return objectsIn(content)
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function firstCodePoints(text: string, count: number): string {
  return Array.from(text).slice(0, count).join('');
}

function toolDoneText(toolOutput: string): string {
  return `TOOL_DONE: ${firstCodePoints(toolOutput, 200)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios (`x-fake-scenario`: comma-separated directives, e.g. `slow-headers:200,events:50:10`)

interface Scenario {
  status: number | undefined;
  resetAfterEvents: number | undefined;
  timedEvents: { count: number; intervalMs: number } | undefined;
  streamBytes: number | undefined;
  /** Text bytes per delta event for `bytes:`; 16 KiB unless given. */
  streamEventBytes: number | undefined;
  headerDelayMs: number;
  echoBody: boolean;
  plainText: boolean;
  gzipResponse: boolean;
  /** The synthetic streams answer with SSE whatever the request says (and whatever its body is). */
  forcesStream: boolean;
}

function parseScenario(header: string | undefined): Scenario {
  const scenario: Scenario = {
    status: undefined,
    resetAfterEvents: undefined,
    timedEvents: undefined,
    streamBytes: undefined,
    streamEventBytes: undefined,
    headerDelayMs: 0,
    echoBody: false,
    plainText: false,
    gzipResponse: false,
    forcesStream: false,
  };
  for (const directive of (header ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const [name, ...args] = directive.split(':');
    const numbers = args.map((arg) => {
      const value = Number(arg);
      if (arg === '' || !Number.isInteger(value) || value < 0) {
        throw new BadRequestError(`"${directive}": arguments must be non-negative integers`);
      }
      return value;
    });
    const expectArgs = (count: number): void => {
      if (numbers.length !== count) throw new BadRequestError(`"${directive}" takes ${count} argument(s)`);
    };
    switch (name) {
      case 'status':
        expectArgs(1);
        if ((numbers[0] as number) < 400 || (numbers[0] as number) > 599) {
          throw new BadRequestError(`"${directive}": status must be 400-599`);
        }
        scenario.status = numbers[0];
        break;
      case 'reset-after':
        expectArgs(1);
        scenario.resetAfterEvents = numbers[0];
        break;
      case 'events':
        expectArgs(2);
        scenario.timedEvents = { count: numbers[0] as number, intervalMs: numbers[1] as number };
        break;
      case 'bytes':
        if (numbers.length !== 1) expectArgs(2);
        scenario.streamBytes = numbers[0];
        if (numbers[1] !== undefined && (numbers[1] < 1 || numbers[1] > BULK_TEXT_CHUNK.length)) {
          throw new BadRequestError(`"${directive}": event size must be 1-${BULK_TEXT_CHUNK.length}`);
        }
        scenario.streamEventBytes = numbers[1];
        break;
      case 'slow-headers':
        expectArgs(1);
        scenario.headerDelayMs = numbers[0] as number;
        break;
      case 'echo-body':
        expectArgs(0);
        scenario.echoBody = true;
        break;
      case 'non-stream-text':
        expectArgs(0);
        scenario.plainText = true;
        break;
      case 'gzip-response':
        expectArgs(0);
        scenario.gzipResponse = true;
        break;
      default:
        // Loud on typos: a silently ignored scenario would make a test pass for the wrong reason.
        throw new BadRequestError(`unknown directive "${directive}"`);
    }
  }
  if (scenario.timedEvents && scenario.streamBytes !== undefined) {
    throw new BadRequestError('"events" and "bytes" cannot be combined');
  }
  scenario.forcesStream =
    scenario.timedEvents !== undefined || scenario.streamBytes !== undefined || scenario.resetAfterEvents !== undefined;
  return scenario;
}

function errorMessageForStatus(status: number): string {
  if (status === 529) return 'Overloaded';
  return `${STATUS_CODES[status] ?? 'Error'} (fake upstream scenario)`;
}

// ---------------------------------------------------------------------------------------------------------------
// SSE writing

/** One Server-Sent Event; `data` is JSON-encoded unless it is already a string (Chat Completions' `[DONE]`). */
interface SseEvent {
  event?: string;
  data: object | string;
}

function encodeSseEvent({ event, data }: SseEvent): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
}

/** Writes whole events, one socket write each, honouring backpressure and the `reset-after` scenario. */
class SseSink {
  private sentEvents = 0;
  /** Set once the scenario's reset is under way: nothing more may be written, not even the end of the body. */
  private resetting = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly resetAfterEvents: number | undefined,
  ) {
    if (resetAfterEvents === 0) {
      this.resetting = true;
      res.flushHeaders();
      // The empty socket write calls back once the headers have left, so the reset comes after them.
      res.socket?.write('', () => res.destroy());
    }
  }

  /** Waits between timed events, ending early if the client leaves. */
  pause(ms: number): Promise<void> {
    return pauseUnlessClosed(this.res, ms);
  }

  /** Resolves false when the stream cannot go on: the client left, or the scenario reset the connection. */
  async send(frame: string | Buffer): Promise<boolean> {
    if (this.resetting || this.res.destroyed || this.res.writableEnded) return false;
    this.sentEvents += 1;
    if (this.resetAfterEvents !== undefined && this.sentEvents >= this.resetAfterEvents) {
      this.resetting = true;
      // Destroy only once this event has been flushed, so the client reliably sees exactly n events.
      this.res.write(frame, () => this.res.destroy());
      return false;
    }
    if (!this.res.write(frame)) await waitForDrainOrClose(this.res);
    return !this.res.destroyed;
  }

  end(): void {
    if (!this.resetting && !this.res.destroyed && !this.res.writableEnded) this.res.end();
  }
}

function waitForDrainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Waits `ms`, or less if the client disconnects meanwhile (so close() is never held up by a pending timer). */
function pauseUnlessClosed(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

/** `events:<count>:<intervalMs>`: deltas "e0;", "e1;", ... spaced on a fixed schedule, each stamped with t_sent. */
async function streamTimedTextEvents(
  sink: SseSink,
  stream: TextStreamShape,
  { count, intervalMs }: { count: number; intervalMs: number },
): Promise<void> {
  for (const event of stream.opening()) {
    if (!(await sink.send(encodeSseEvent(event)))) return;
  }
  const start = performance.now();
  let fullText = '';
  for (let index = 0; index < count; index += 1) {
    // A fixed schedule (not "sleep interval after each write") keeps the event rate exact however slow writes get.
    const wait = start + index * intervalMs - performance.now();
    if (wait > 0) await sink.pause(wait);
    const text = `e${index};`;
    fullText += text;
    const event = stream.delta(text, { t_sent: performance.timeOrigin + performance.now() });
    if (!(await sink.send(encodeSseEvent(event)))) return;
  }
  for (const event of stream.closing({ fullText, length: fullText.length })) {
    if (!(await sink.send(encodeSseEvent(event)))) return;
  }
}

/** The bulk text of `bytes:<n>` events: 16 KiB of JSON-safe ASCII, encoded once for the whole process. */
const BULK_TEXT_CHUNK = Buffer.from('interlude-bytes;'.repeat(1024));

/** Stands in for the bulk text while the event envelope is serialised; it needs no JSON escaping. */
const BULK_TEXT_MARK = 'FAKE_UPSTREAM_BULK_TEXT_MARK';

/**
 * `bytes:<n>[:<eventBytes>]`: n bytes of delta text in events of ~16 KiB (bulk) or of the given size
 * (a few hundred bytes is what real models stream), for throughput tests.
 */
async function streamBulkText(
  sink: SseSink,
  stream: TextStreamShape,
  totalBytes: number,
  eventBytes = BULK_TEXT_CHUNK.length,
): Promise<void> {
  for (const event of stream.opening()) {
    if (!(await sink.send(encodeSseEvent(event)))) return;
  }
  const textChunk = BULK_TEXT_CHUNK.subarray(0, eventBytes);
  const eventCount = Math.ceil(totalBytes / textChunk.length);
  // Most APIs repeat an identical envelope for every delta, so the whole frame is usually reused as is; the
  // Responses API numbers its events, and then only the small envelope is serialised anew.
  let cachedFrameKey = '';
  let cachedFrame = Buffer.alloc(0);
  for (let index = 0; index < eventCount; index += 1) {
    const isLast = index === eventCount - 1;
    const text = isLast ? textChunk.subarray(0, totalBytes - index * textChunk.length) : textChunk;
    const envelope = encodeSseEvent(stream.delta(BULK_TEXT_MARK));
    const frameKey = `${text.length}:${envelope}`;
    if (frameKey !== cachedFrameKey) {
      const [before = '', after = ''] = envelope.split(BULK_TEXT_MARK);
      cachedFrameKey = frameKey;
      cachedFrame = Buffer.concat([Buffer.from(before), text, Buffer.from(after)]);
    }
    if (!(await sink.send(cachedFrame))) return;
  }
  // The bulk text is not repeated in the closing events: that would multiply the stream's size.
  for (const event of stream.closing({ fullText: undefined, length: totalBytes })) {
    if (!(await sink.send(encodeSseEvent(event)))) return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// API dialects

/** A text reply whose deltas are chosen by the caller: the ordinary reply and the synthetic scenario streams. */
interface TextStreamShape {
  opening(): SseEvent[];
  delta(text: string, extraFields?: JsonObject): SseEvent;
  /** `fullText` undefined: the text is too big to repeat in the final events (see streamBulkText). */
  closing(summary: { fullText: string | undefined; length: number }): SseEvent[];
}

/** One reply to one request. Built per request because events carry per-reply ids and sequence numbers. */
interface ApiReply {
  /** The whole non-streamed reply body. */
  json(): object;
  /** The whole streamed reply, in order. */
  events(): SseEvent[];
  textStream: TextStreamShape;
}

interface ApiDialect {
  requestIdHeader: string;
  errorBody(status: number, message: string): object;
  createReply(request: ParsedApiRequest): ApiReply;
}

const DIALECTS: Record<ApiFamily, ApiDialect> = {
  anthropic: {
    requestIdHeader: 'request-id',
    errorBody: anthropicErrorBody,
    createReply: createAnthropicReply,
  },
  responses: {
    requestIdHeader: 'x-request-id',
    errorBody: openAiErrorBody,
    createReply: createResponsesReply,
  },
  chat: {
    requestIdHeader: 'x-request-id',
    errorBody: openAiErrorBody,
    createReply: createChatReply,
  },
};

/** Splits text into a few deltas, as real models stream it (never inside a surrogate pair). */
function splitIntoDeltas(text: string, pieces = 3): string[] {
  const codePoints = Array.from(text);
  const size = Math.max(1, Math.ceil(codePoints.length / pieces));
  const deltas: string[] = [];
  for (let start = 0; start < codePoints.length; start += size) {
    deltas.push(codePoints.slice(start, start + size).join(''));
  }
  return deltas;
}

function textEvents(stream: TextStreamShape, text: string): SseEvent[] {
  return [
    ...stream.opening(),
    ...splitIntoDeltas(text).map((piece) => stream.delta(piece)),
    ...stream.closing({ fullText: text, length: text.length }),
  ];
}

function outputTokensFor(textLength: number): number {
  return Math.max(1, Math.ceil(textLength / 4));
}

function randomId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

function randomHexId(prefix: string): string {
  return prefix + randomBytes(25).toString('hex');
}

// --- Anthropic Messages ---------------------------------------------------------------------------------------

function anthropicErrorBody(status: number, message: string): object {
  const typeByStatus: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    500: 'api_error',
    529: 'overloaded_error',
  };
  const type = typeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message }, request_id: randomId('req_011', 21) };
}

type AnthropicContentPlan =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: JsonObject };

function planAnthropicContent(body: JsonObject): AnthropicContentPlan {
  // Claude Code may end `messages` with a role:"system" entry, so look for the last *user* message.
  const lastUserMessage = findLast(objectsIn(body.messages), (message) => message.role === 'user');
  const content = lastUserMessage?.content;
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : objectsIn(content);
  const toolResult = blocks.find((block) => block.type === 'tool_result');
  if (toolResult) return { type: 'text', text: toolDoneText(textOfContent(toolResult.content)) };

  const promptText = textOfContent(blocks.filter((block) => block.type === 'text'));
  const offersBash = objectsIn(body.tools).some((tool) => tool.name === 'Bash');
  if (offersBash && promptText.includes(BASH_TOOL_MARKER)) {
    return {
      type: 'tool_use',
      id: randomId('toolu_01', 22),
      name: 'Bash',
      input: { command: TOOL_COMMAND, description: 'echo' },
    };
  }
  return { type: 'text', text: DEFAULT_REPLY_TEXT };
}

function createAnthropicReply(request: ParsedApiRequest): ApiReply {
  const plan = planAnthropicContent(request.body);
  const messageId = request.messageId ?? randomId('msg_01', 22);
  const usage = (outputTokens: number): JsonObject => ({
    ...(request.anthropicCache ?? {
      input_tokens: request.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    }),
    output_tokens: outputTokens,
    service_tier: 'standard',
  });
  const message = (content: object[], stopReason: string | null, outputTokens: number): JsonObject => ({
    id: messageId,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: usage(outputTokens),
    // Cache diagnostics ride on the message (message_start when streaming), when the request asked.
    ...(request.diagnostics ? { diagnostics: request.diagnostics } : {}),
  });
  const event = (type: string, fields: JsonObject = {}): SseEvent => ({ event: type, data: { type, ...fields } });
  // message_start reports output_tokens 1, as the real API does before any output.
  const messageStart = (): SseEvent => event('message_start', { message: message([], null, 1) });
  const ending = (stopReason: string, outputTokens: number): SseEvent[] => [
    event('content_block_stop', { index: 0 }),
    event('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    }),
    event('message_stop'),
  ];

  const textStream: TextStreamShape = {
    opening: () => [
      messageStart(),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      // The real API sends its first ping right after the first content_block_start.
      event('ping'),
    ],
    delta: (text, extraFields = {}) =>
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text }, ...extraFields }),
    closing: ({ length }) => ending('end_turn', outputTokensFor(length)),
  };

  return {
    textStream,
    json: () =>
      plan.type === 'text'
        ? message([{ type: 'text', text: plan.text }], 'end_turn', outputTokensFor(plan.text.length))
        : message([plan], 'tool_use', outputTokensFor(JSON.stringify(plan.input).length)),
    events: () => {
      if (plan.type === 'text') return textEvents(textStream, plan.text);
      const inputJson = JSON.stringify(plan.input);
      return [
        messageStart(),
        event('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: plan.id, name: plan.name, input: {} },
        }),
        event('ping'),
        // Like the real API: an empty first piece, then the JSON in fragments that are not valid JSON alone.
        ...['', ...splitIntoDeltas(inputJson, 4)].map((partial_json) =>
          event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } }),
        ),
        ...ending('tool_use', outputTokensFor(inputJson.length)),
      ];
    },
  };
}

// --- OpenAI Responses ------------------------------------------------------------------------------------------

function openAiErrorBody(status: number, message: string): object {
  const typeByStatus: Record<number, [type: string, code: string | null]> = {
    400: ['invalid_request_error', null],
    401: ['invalid_request_error', 'invalid_api_key'],
    403: ['invalid_request_error', 'unsupported_country_region_territory'],
    404: ['invalid_request_error', 'not_found'],
    429: ['requests', 'rate_limit_exceeded'],
  };
  const fallback: [string, null] = status >= 500 ? ['server_error', null] : ['invalid_request_error', null];
  const [type, code] = typeByStatus[status] ?? fallback;
  return { error: { message, type, param: null, code } };
}

interface ResponsesToolCallPlan {
  type: 'function_call' | 'custom_tool_call';
  name: string;
  /** The function call's JSON `arguments`, or the custom tool call's free-form `input`. */
  payload: string;
  namespace: string | undefined;
}

type ResponsesOutputPlan = { type: 'text'; text: string } | ResponsesToolCallPlan;

interface OfferedTool {
  type: string;
  name: string;
  namespace: string | undefined;
}

/**
 * Every tool the request offers: top-level `tools` (classic layout, e.g. `codex -m gpt-5`) and the tools of
 * `additional_tools` input items (Codex's default layout), with `namespace` tools flattened.
 */
function offeredResponsesTools(body: JsonObject): OfferedTool[] {
  const found: OfferedTool[] = [];
  const collect = (tools: unknown, namespace: string | undefined): void => {
    for (const tool of objectsIn(tools)) {
      if (tool.type === 'namespace') collect(tool.tools, typeof tool.name === 'string' ? tool.name : undefined);
      else if (typeof tool.type === 'string' && typeof tool.name === 'string') {
        found.push({ type: tool.type, name: tool.name, namespace });
      }
    }
  };
  collect(body.tools, undefined);
  for (const item of objectsIn(body.input)) {
    if (item.type === 'additional_tools') collect(item.tools, undefined);
  }
  return found;
}

/** Codex's `exec` custom tool runs JavaScript that reaches the shell through its nested `exec_command` tool. */
const CODEX_EXEC_SCRIPT =
  `const result = await tools.exec_command({ cmd: ${JSON.stringify(TOOL_COMMAND)} });\n` + 'text(result.output);';

function planResponsesOutput(body: JsonObject): ResponsesOutputPlan {
  const items: JsonObject[] =
    typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : objectsIn(body.input);
  const toolOutput = findLast(items, (item) => typeof item.type === 'string' && item.type.endsWith('_call_output'));
  if (toolOutput) {
    const output = toolOutput.output;
    // Codex sends a string (function_call_output) or a list of input_text parts (custom_tool_call_output).
    const outputText =
      typeof output === 'string' || Array.isArray(output) ? textOfContent(output) : JSON.stringify(output);
    return { type: 'text', text: toolDoneText(outputText) };
  }

  const lastUserMessage = findLast(items, (item) => item.role === 'user' && (item.type ?? 'message') === 'message');
  if (!textOfContent(lastUserMessage?.content).includes(EXEC_TOOL_MARKER)) {
    return { type: 'text', text: DEFAULT_REPLY_TEXT };
  }
  const tools = offeredResponsesTools(body);
  const customExec = tools.find((tool) => tool.type === 'custom' && tool.name === 'exec');
  if (customExec) {
    return { type: 'custom_tool_call', name: 'exec', payload: CODEX_EXEC_SCRIPT, namespace: customExec.namespace };
  }
  // Shell-like function tools of the Codex versions seen so far, with the argument shape each one takes.
  const argumentsByFunction: Record<string, JsonObject> = {
    exec_command: { cmd: TOOL_COMMAND },
    shell_command: { command: TOOL_COMMAND },
    shell: { command: ['bash', '-lc', TOOL_COMMAND] },
  };
  for (const [name, args] of Object.entries(argumentsByFunction)) {
    const tool = tools.find((offered) => offered.type === 'function' && offered.name === name);
    if (tool) return { type: 'function_call', name, payload: JSON.stringify(args), namespace: tool.namespace };
  }
  return { type: 'text', text: DEFAULT_REPLY_TEXT };
}

function createResponsesReply(request: ParsedApiRequest): ApiReply {
  const plan = planResponsesOutput(request.body);
  const responseId = randomHexId('resp_');
  const createdAt = Math.floor(Date.now() / 1000);
  let sequenceNumber = 0;
  const event = (type: string, fields: JsonObject): SseEvent => ({
    event: type,
    data: { type, sequence_number: sequenceNumber++, ...fields },
  });
  const usage = (outputTokens: number): JsonObject => ({
    input_tokens: request.inputTokens,
    input_tokens_details: { cached_tokens: request.cachedTokens ?? 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: request.inputTokens + outputTokens,
  });
  const body = request.body;
  const response = (status: 'in_progress' | 'completed', output: object[], outputTokens?: number): JsonObject => ({
    id: responseId,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: request.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: isObject(body.reasoning) ? (body.reasoning.effort ?? null) : null, summary: null },
    store: body.store ?? true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    // Not echoed: Codex sends ~60 KB of tools and only the output matters to clients.
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: outputTokens === undefined ? null : usage(outputTokens),
    user: null,
    metadata: {},
  });
  const responseStart = (): SseEvent[] => [
    event('response.created', { response: response('in_progress', []) }),
    event('response.in_progress', { response: response('in_progress', []) }),
  ];

  const messageId = randomHexId('msg_');
  const outputText = (text: string): JsonObject => ({ type: 'output_text', annotations: [], logprobs: [], text });
  const message = (status: 'in_progress' | 'completed', content: object[]): JsonObject => ({
    id: messageId,
    type: 'message',
    status,
    content,
    role: 'assistant',
  });
  const partPosition = { item_id: messageId, output_index: 0, content_index: 0 };

  // The ids must match between the added and done events of the one tool call.
  const toolItemId = randomHexId(plan.type === 'custom_tool_call' ? 'ctc_' : 'fc_');
  const callId = randomId('call_', 24);
  type ItemStatus = 'in_progress' | 'completed';
  const toolCallItem = (call: ResponsesToolCallPlan, status: ItemStatus, payload: string): JsonObject => {
    const common = { id: toolItemId, type: call.type, status, call_id: callId, name: call.name };
    const namespace = call.namespace === undefined ? {} : { namespace: call.namespace };
    return call.type === 'custom_tool_call'
      ? { ...common, input: payload, ...namespace }
      : { ...common, arguments: payload, ...namespace };
  };

  const textStream: TextStreamShape = {
    opening: () => [
      ...responseStart(),
      event('response.output_item.added', { output_index: 0, item: message('in_progress', []) }),
      event('response.content_part.added', { ...partPosition, part: outputText('') }),
    ],
    delta: (text, extraFields = {}) =>
      event('response.output_text.delta', { ...partPosition, delta: text, logprobs: [], ...extraFields }),
    closing: ({ fullText, length }) => {
      const outputTokens = outputTokensFor(length);
      if (fullText === undefined) {
        // The "responses-lite" ending newer Codex backends send: no done events, an empty final output.
        return [event('response.completed', { response: response('completed', [], outputTokens) })];
      }
      const item = message('completed', [outputText(fullText)]);
      return [
        event('response.output_text.done', { ...partPosition, text: fullText, logprobs: [] }),
        event('response.content_part.done', { ...partPosition, part: outputText(fullText) }),
        event('response.output_item.done', { output_index: 0, item }),
        event('response.completed', { response: response('completed', [item], outputTokens) }),
      ];
    },
  };

  return {
    textStream,
    json: () =>
      plan.type === 'text'
        ? response('completed', [message('completed', [outputText(plan.text)])], outputTokensFor(plan.text.length))
        : response('completed', [toolCallItem(plan, 'completed', plan.payload)], outputTokensFor(plan.payload.length)),
    events: () => {
      if (plan.type === 'text') return textEvents(textStream, plan.text);
      const added = toolCallItem(plan, 'in_progress', '');
      const done = toolCallItem(plan, 'completed', plan.payload);
      const itemPosition = { item_id: added.id, output_index: 0 };
      const [deltaType, doneType, doneFields] =
        plan.type === 'custom_tool_call'
          ? ['response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', { input: plan.payload }]
          : [
              'response.function_call_arguments.delta',
              'response.function_call_arguments.done',
              { arguments: plan.payload },
            ];
      return [
        ...responseStart(),
        event('response.output_item.added', { output_index: 0, item: added }),
        ...splitIntoDeltas(plan.payload, 4).map((delta) => event(deltaType, { ...itemPosition, delta })),
        event(doneType, { ...itemPosition, ...doneFields }),
        event('response.output_item.done', { output_index: 0, item: done }),
        event('response.completed', { response: response('completed', [done], outputTokensFor(plan.payload.length)) }),
      ];
    },
  };
}

// --- OpenAI Chat Completions -----------------------------------------------------------------------------------

function createChatReply(request: ParsedApiRequest): ApiReply {
  const completionId = randomId('chatcmpl-', 29);
  const created = Math.floor(Date.now() / 1000);
  const streamOptions = request.body.stream_options;
  const includeUsage = isObject(streamOptions) && streamOptions.include_usage === true;
  const usage = (completionTokens: number): JsonObject => ({
    prompt_tokens: request.inputTokens,
    completion_tokens: completionTokens,
    total_tokens: request.inputTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: request.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  });
  const chunk = (choices: object[], extraFields: JsonObject = {}): SseEvent => ({
    data: {
      id: completionId,
      object: 'chat.completion.chunk',
      created,
      model: request.model,
      service_tier: 'default',
      system_fingerprint: null,
      choices,
      // With include_usage every chunk carries `usage: null` until the dedicated usage chunk.
      ...(includeUsage ? { usage: null } : {}),
      ...extraFields,
    },
  });
  const choiceDelta = (delta: JsonObject, finishReason: string | null = null): JsonObject => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  const textStream: TextStreamShape = {
    opening: () => [chunk([choiceDelta({ role: 'assistant', content: '', refusal: null })])],
    delta: (text, extraFields = {}) => chunk([choiceDelta({ content: text })], extraFields),
    closing: ({ length }) => [
      chunk([choiceDelta({}, 'stop')]),
      ...(includeUsage ? [chunk([], { usage: usage(outputTokensFor(length)) })] : []),
      { data: '[DONE]' },
    ],
  };
  return {
    textStream,
    json: () => ({
      id: completionId,
      object: 'chat.completion',
      created,
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: DEFAULT_REPLY_TEXT, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: usage(outputTokensFor(DEFAULT_REPLY_TEXT.length)),
      service_tier: 'default',
      system_fingerprint: null,
    }),
    events: () => textEvents(textStream, DEFAULT_REPLY_TEXT),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Test certificate
//
// A minimal X.509 v3 certificate built by hand in DER: synchronous and dependency-free (selfsigned 5 is
// async-only and older versions pull in node-forge). EC P-256 key, valid for localhost, 127.0.0.1 and ::1.

/** A self-signed server certificate for 127.0.0.1/localhost; pass `ca` to clients as their only trusted root. */
export function makeTestCertificate(): { key: string; cert: string; ca: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = derSequence(derOid('1.2.840.10045.4.3.2'));
  const name = derSequence(der(0x31, derSequence(derOid('2.5.4.3'), der(0x0c, Buffer.from('agent-interlude test')))));
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f || 0x01; // a positive INTEGER in minimal encoding
  const now = Date.now();
  const dayMs = 24 * 60 * 60 * 1000;
  const extension = (oid: string, value: Buffer): Buffer => derSequence(derOid(oid), der(0x04, value));
  const tbsCertificate = derSequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version v3
    der(0x02, serial),
    ecdsaWithSha256,
    name, // issuer
    derSequence(derTime(new Date(now - dayMs)), derTime(new Date(now + 3650 * dayMs))),
    name, // subject
    publicKey.export({ type: 'spki', format: 'der' }),
    der(
      0xa3,
      derSequence(
        // subjectAltName: dNSName localhost, iPAddress 127.0.0.1 and ::1.
        extension(
          '2.5.29.17',
          derSequence(
            der(0x82, Buffer.from('localhost')),
            der(0x87, Buffer.from([127, 0, 0, 1])),
            der(0x87, Buffer.from([...new Array<number>(15).fill(0), 1])),
          ),
        ),
        // extKeyUsage serverAuth. No basicConstraints/keyUsage: a plain end-entity certificate, which strict
        // verifiers (rustls/webpki in Codex) accept as its own trust anchor, and OpenSSL too.
        extension('2.5.29.37', derSequence(derOid('1.3.6.1.5.5.7.3.1'))),
      ),
    ),
  );
  const signature = sign('sha256', tbsCertificate, { key: privateKey, dsaEncoding: 'der' });
  const signatureBits = der(0x03, Buffer.from([0]), signature); // BIT STRING, no unused bits
  const certificate = derSequence(tbsCertificate, ecdsaWithSha256, signatureBits);
  const base64Lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  const cert = `-----BEGIN CERTIFICATE-----\n${base64Lines.join('\n')}\n-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert, ca: cert };
}

function der(tag: number, ...contents: Buffer[]): Buffer {
  const content = Buffer.concat(contents);
  let length: Buffer;
  if (content.length < 0x80) {
    length = Buffer.from([content.length]);
  } else {
    const lengthBytes: number[] = [];
    for (let rest = content.length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
    length = Buffer.from([0x80 | lengthBytes.length, ...lengthBytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function derSequence(...contents: Buffer[]): Buffer {
  return der(0x30, ...contents);
}

function derOid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let high = arc >>> 7; high > 0; high >>>= 7) base128.unshift(0x80 | (high & 0x7f));
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

function derTime(date: Date): Buffer {
  // RFC 5280 §4.1.2.5: UTCTime for years up to 2049, GeneralizedTime from 2050 on.
  const digits = date.toISOString().slice(0, 19).replace(/[-T:]/g, ''); // YYYYMMDDHHMMSS
  if (date.getUTCFullYear() < 2050) return der(0x17, Buffer.from(`${digits.slice(2)}Z`));
  return der(0x18, Buffer.from(`${digits}Z`));
}
