// Turning exchanges into log lines: decoding, parsing and extracting request bodies,
// reassembling response streams, serializing, writing. All of it is CPU the relay
// must not wait for, so it runs behind a message interface, normally on a worker
// thread (captureWorker.ts), and inline only when no worker can be started.

import { POOLED_BODY_MIN_BYTES } from './bodyPool';
import { CaptureLog } from './captureLog';
import { CaptureRing } from './captureRing';
import { errorText } from '../errorText';
import { SCHEMA_VERSION, type CaptureRecord, type RequestRecord, type ResponseRecord } from '../records';
import { CaptureBudget } from './captureBudget';
import { describeRequestBody, heldBytes, type TeeOverflow } from './requestCapture';
import { bodyBytes, requestHead, spliceRequest } from './requestSplice';
import { EarlierScans } from './earlierScans';
import { holdsValue } from '../jsonScan';
import type { OtlpPushOptions } from '../export/otlpOptions';
import type * as OtlpPushModule from '../export/otlpPush';
import { LineRedactor, type RedactMode } from '../secrets/lineRedactor';
import type { KnownValue } from '../secrets/secretScanner';
import { ResponseCapture } from './responseCapture';
import type { Wire } from '../wire/common';

/** What the relay knows about a request before its body is parsed. */
export type RequestMeta = Pick<RequestRecord, 'id' | 'ts' | 'agent' | 'wire' | 'method' | 'path' | 'headers_kept'> & {
  contentEncoding: string;
};

/** What the relay knows when a response has ended (or broken). */
export interface ResponseEnd {
  id: string;
  ts: string;
  agent: string;
  wire: Wire;
  status: number;
  content_type: string;
  error?: string;
  ttfb_ms: number;
  first_byte_ms?: number;
  duration_ms: number;
  /** Every byte relayed, including those past the tee cap. */
  response_bytes: number;
  partial?: boolean;
  /** The recorder fell a whole ring behind: the log copy stops early (the agent got everything). */
  capture_gap?: boolean;
}

export type RecorderCommand =
  | {
      type: 'request';
      meta: RequestMeta;
      /** The tee's copy; it holds heldBytes(body) of the capture budget until its line is written. */
      body: Uint8Array;
      bodyBytes: number;
      overflowed: false | TeeOverflow;
      interrupted: boolean;
    }
  | { type: 'response-start'; id: string; slot: number; wire: Wire; contentType: string; contentEncoding: string }
  /** Response bytes are waiting in the shared ring, up to this position. */
  | { type: 'response-data'; until: number }
  | { type: 'response-end'; end: ResponseEnd }
  | { type: 'record'; record: CaptureRecord }
  | { type: 'close' };

export type RecorderEvent =
  | { type: 'ready'; logPath?: string; error?: string }
  | { type: 'written'; id: string; kind: CaptureRecord['kind'] }
  | { type: 'problem'; message: string }
  /** A request body's buffer whose line is on disk, handed back to the relay for the next body (bodyPool.ts). */
  | { type: 'body-done'; buffer: ArrayBuffer }
  | { type: 'closed' };

export interface RecorderOptions {
  captureDir: string;
  logFile?: string;
  /** The CaptureRing's memory, shared with the relay. */
  ring: SharedArrayBuffer;
  /** The CaptureBudget's counter, shared with the relay, and its limit. */
  budget: SharedArrayBuffer;
  budgetLimitBytes: number;
  recording?: RecordingOptions;
}

/** What happens to a finished record line besides being written (plain data: it crosses to the worker). */
export interface RecordingOptions {
  /** Secrets in the line are flagged (default) or masked in the log. */
  redact?: RedactMode;
  /** Push each finished exchange as an OpenTelemetry span (from this thread, never the relay's). */
  otlp?: OtlpPushOptions;
}

export function requestRecord(command: Extract<RecorderCommand, { type: 'request' }>): RequestRecord {
  const { meta } = command;
  const captured = describeRequestBody(
    meta.wire,
    Buffer.from(command.body.buffer, command.body.byteOffset, command.body.byteLength),
    command.bodyBytes,
    command.overflowed,
    meta.contentEncoding,
  );
  const record: RequestRecord = {
    ...requestHead(meta),
    request: captured.request,
    extract: captured.extract,
    schema: SCHEMA_VERSION,
    request_bytes: captured.request_bytes,
  };
  if (meta.contentEncoding) record.content_encoding = meta.contentEncoding;
  if (captured.truncated) record.truncated = true;
  const note = [captured.note, command.interrupted ? 'the request body was cut off before it ended' : undefined]
    .filter(Boolean)
    .join('; ');
  if (note) record.note = note;
  return record;
}

export function responseRecord(end: ResponseEnd, capture: ResponseCapture | undefined): ResponseRecord {
  const record: ResponseRecord = {
    id: end.id,
    kind: 'response',
    ts: end.ts,
    agent: end.agent,
    wire: end.wire,
    status: end.status,
    ...capture?.summary(end.response_bytes),
    content_type: end.content_type,
  };
  if (end.error) record.error = end.error;
  if (end.capture_gap) {
    record.truncated = true;
    record.note = [record.note, 'the recorder fell behind, so the log copy of this response stops early; the agent received every byte']
      .filter(Boolean)
      .join('; ');
  }
  record.schema = SCHEMA_VERSION;
  record.ttfb_ms = end.ttfb_ms;
  if (end.first_byte_ms !== undefined) record.first_byte_ms = end.first_byte_ms;
  record.duration_ms = end.duration_ms;
  record.response_bytes = end.response_bytes;
  if (end.partial) record.partial = true;
  return record;
}

type RequestCommand = Extract<RecorderCommand, { type: 'request' }>;

/**
 * How long a request's record may wait for its response's first bytes. The wait keeps the recorder off the CPU
 * while the agent waits for its first event (on two cores the recorder, the relay, the agent and a local upstream
 * all want one then); a real API takes longer than this to answer, so there the record is written in its think time.
 */
export const REQUEST_RECORD_DELAY_MS = 250;

/**
 * The pusher is loaded only when a push is configured: the OpenTelemetry SDK costs a thread that evaluates it about
 * 12 MiB, and this module runs on the recorder's thread and (inline) on the relay's. A synchronous require keeps it
 * out of both bundles' start-up, hence the lint exception.
 */
function loadOtlpPush(): typeof OtlpPushModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../export/otlpPush') as typeof OtlpPushModule;
}

export class CaptureRecorder {
  private log?: CaptureLog;
  private otlp?: OtlpPushModule.OtlpPusher;
  private ring?: CaptureRing;
  private budget?: CaptureBudget;
  /** The trees of the latest spliced bodies, for the next turn's scan to lean on (earlierScans.ts). */
  private readonly earlier = new EarlierScans();
  /** Responses being recorded, by exchange id and by the ring slot their bytes arrive under. */
  private readonly captures = new Map<string, { capture: ResponseCapture; slot: number }>();
  private readonly slots = new Map<number, { capture: ResponseCapture; id: string }>();
  /** Requests whose record waits until their response's first bytes have been relayed (or its end, or the delay). */
  private readonly waiting = new Map<string, { command: RequestCommand; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly emit: (event: RecorderEvent) => void) {}

  async open(options: RecorderOptions): Promise<void> {
    this.ring = new CaptureRing(options.ring);
    this.budget = new CaptureBudget(options.budget, options.budgetLimitBytes);
    const redactor = new LineRedactor(options.recording?.redact);
    const otlp = options.recording?.otlp;
    try {
      if (otlp) this.otlp = new (loadOtlpPush().OtlpPusher)(otlp, (message) => this.emit({ type: 'problem', message }));
    } catch (error) {
      this.emit({ type: 'problem', message: `no OpenTelemetry push: ${errorText(error)}` });
    }
    try {
      this.log = await CaptureLog.open(
        options.captureDir,
        {
          onWriteError: (error) =>
            this.emit({
              type: 'problem',
              message: `cannot write the capture log: ${errorText(error)}; traffic is still relayed but no longer recorded`,
            }),
          transformLine: (json, known) => {
            const line = redactor.applyPieces(json, known);
            // The line is decoded to text only for the OpenTelemetry push, and only when it is on.
            if (this.otlp) this.otlp.offerLine(Buffer.concat(line).toString('utf8'));
            return line;
          },
        },
        options.logFile,
      );
      this.emit({ type: 'ready', logPath: this.log.path });
    } catch (error) {
      this.emit({
        type: 'ready',
        error: `cannot create a capture log in ${options.logFile ?? options.captureDir}: ${errorText(error)}; traffic is relayed but not recorded`,
      });
    }
  }

  private write(record: CaptureRecord, done?: () => void): void {
    if (this.log) this.log.write(record, done);
    else done?.();
    this.emit({ type: 'written', id: record.id, kind: record.kind });
  }

  /** The body's own bytes spliced into the line where they can be; parsed and serialized where not. */
  private writeRequest(command: Extract<RecorderCommand, { type: 'request' }>): void {
    // The body's budget is given back once its line is on disk: until then the line's pieces are views of it.
    const held = heldBytes(command.body);
    const released = () => {
      this.budget?.release(held);
      // Nothing reads the body after this (the line's pieces were its views): its buffer can serve the next one.
      const { buffer } = command.body;
      if (buffer instanceof ArrayBuffer && buffer.byteLength >= POOLED_BODY_MIN_BYTES) this.emit({ type: 'body-done', buffer });
    };
    let line: Uint8Array[] | undefined;
    let known: KnownValue[] | undefined;
    try {
      const resembled = this.earlier.closest(bodyBytes(command), holdsValue);
      const spliced = spliceRequest(command, resembled, true);
      if (spliced) this.earlier.keep(spliced.root, resembled);
      line = spliced?.line;
      known = spliced?.known;
      if (!line) {
        this.write(requestRecord(command), released);
        return;
      }
    } catch (error) {
      released();
      throw error;
    }
    if (this.log) this.log.writeLine(line, released, known);
    else released();
    this.emit({ type: 'written', id: command.meta.id, kind: 'request' });
  }

  /** One message's commands, their lines written to the file together (CaptureLog.cork). */
  handleBatch(commands: Iterable<RecorderCommand>): void {
    const log = this.log;
    log?.cork();
    try {
      for (const command of commands) this.handle(command);
    } finally {
      log?.uncork();
    }
  }

  handle(command: RecorderCommand): void {
    try {
      switch (command.type) {
        case 'request':
          this.waiting.set(command.meta.id, {
            command,
            timer: setTimeout(() => this.writeWaitingRequest(command.meta.id), REQUEST_RECORD_DELAY_MS),
          });
          break;
        case 'response-start': {
          const capture = new ResponseCapture(command.wire, command.contentType, command.contentEncoding, this.budget);
          this.captures.set(command.id, { capture, slot: command.slot });
          this.slots.set(command.slot, { capture, id: command.id });
          break;
        }
        case 'response-data': {
          const answered = new Set<string>();
          this.ring?.consume(command.until, (slot, bytes) => {
            const active = this.slots.get(slot);
            if (!active) return;
            active.capture.push(bytes);
            answered.add(active.id);
          });
          // These bytes have reached the agent already: the moment its first event waited for is over.
          for (const id of answered) this.writeWaitingRequest(id);
          break;
        }
        case 'response-end': {
          // The request line always comes before its response's.
          this.writeWaitingRequest(command.end.id);
          const active = this.captures.get(command.end.id);
          this.captures.delete(command.end.id);
          if (active) this.slots.delete(active.slot);
          this.write(responseRecord(command.end, active?.capture));
          break;
        }
        case 'record':
          // A whole record from the relay (an unanswered request's 502, a refused WebSocket) ends its exchange too.
          this.writeWaitingRequest(command.record.id);
          this.write(command.record);
          break;
        case 'close':
          void this.close();
          break;
      }
    } catch (error) {
      // A record we cannot build is reported, never allowed to stop the recorder.
      this.emit({ type: 'problem', message: `could not record ${command.type}: ${errorText(error)}` });
    }
  }

  private writeWaitingRequest(id: string): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(id);
    try {
      this.writeRequest(waiting.command);
    } catch (error) {
      this.emit({ type: 'problem', message: `could not record request: ${errorText(error)}` });
    }
  }

  async close(): Promise<void> {
    for (const id of [...this.waiting.keys()]) this.writeWaitingRequest(id);
    await this.log?.close();
    await this.otlp?.close();
    this.emit({ type: 'closed' });
  }
}
