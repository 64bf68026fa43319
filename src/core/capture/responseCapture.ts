// The log copy of a response, parsed while it streams so memory stays bounded: SSE
// events go through eventsource-parser into the wire's reassembler as they arrive;
// a plain body is kept (up to the cap) and summarized at the end, as the original did.

import { createParser, type EventSourceParser } from 'eventsource-parser';
import { bodyText, parseJson } from './bodyDecode';
import type { CaptureBudget } from './captureBudget';
import { MAX_BODY_JSON_CHARS, MAX_TEXT_CHARS, TEE_CAP_BYTES } from '../limits';
import type { ResponseRecord } from '../records';
import { createReassembler, reconstructBody } from '../wire/wire';
import { type Reassembler, type Wire } from '../wire/common';

type ResponseSummary = Pick<
  ResponseRecord,
  'stream' | 'event_count' | 'event_types' | 'reconstructed' | 'body' | 'note' | 'bytes' | 'truncated'
>;

const SNIFF_CHARS = 256;

function capText(text: string): string {
  return text.length <= MAX_TEXT_CHARS
    ? text
    : `${text.slice(0, MAX_TEXT_CHARS)}…(+${text.length - MAX_TEXT_CHARS} chars)`;
}

function isEncoded(contentEncoding: string): boolean {
  const coding = contentEncoding.trim().toLowerCase();
  return coding !== '' && coding !== 'identity';
}

export class ResponseCapture {
  private mode: 'undecided' | 'sse' | 'plain' | 'encoded' = 'undecided';
  private readonly plainChunks: Uint8Array[] = [];
  private plainBytes = 0;
  private sniffBuffer: Uint8Array[] = [];
  private sniffBytes = 0;
  private parser?: EventSourceParser;
  private reassembler?: Reassembler;
  private readonly decoder = new TextDecoder('utf-8');
  private eventCount = 0;
  private readonly eventTypes: Record<string, number> = {};
  private teeBytes = 0;
  /** The capture budget had no room for more of a plain body: its log copy stops there. */
  private budgetFull = false;
  truncated = false;
  bytes = 0;

  constructor(
    private readonly wire: Wire,
    contentType: string,
    private readonly contentEncoding: string,
    private readonly budget?: CaptureBudget,
  ) {
    if (isEncoded(contentEncoding)) this.mode = 'encoded';
    else if (contentType.toLowerCase().includes('text/event-stream')) this.startSse();
  }

  /** `chunk` may be a view into shared memory that is reused after this call: copy what is kept. */
  push(view: Uint8Array): void {
    this.bytes += view.length;
    if (this.mode === 'encoded' || this.truncated) return;
    let chunk: Uint8Array = this.mode === 'sse' ? view : Buffer.from(view);
    if (this.teeBytes + chunk.length > TEE_CAP_BYTES) {
      chunk = chunk.subarray(0, TEE_CAP_BYTES - this.teeBytes);
      this.truncated = true;
    }
    this.teeBytes += chunk.length;
    if (this.mode === 'undecided') {
      // Some backends mislabel their SSE (the ChatGPT backend did): sniff the start.
      this.sniffBuffer.push(chunk);
      this.sniffBytes += chunk.length;
      if (this.sniffBytes >= SNIFF_CHARS) this.decideBySniffing();
      return;
    }
    this.consume(chunk);
  }

  private decideBySniffing(): void {
    const head = Buffer.concat(this.sniffBuffer, this.sniffBytes);
    this.sniffBuffer = [];
    this.sniffBytes = 0;
    const start = head.subarray(0, SNIFF_CHARS).toString('utf8').trimStart();
    if (start.startsWith('event:') || start.startsWith('data:')) this.startSse();
    else this.mode = 'plain';
    this.consume(head);
  }

  private startSse(): void {
    this.mode = 'sse';
    this.reassembler = createReassembler(this.wire);
    this.parser = createParser({
      onEvent: (message) => {
        const data = parseJson(message.data);
        const parsed = data === undefined ? message.data : data;
        const dataType =
          parsed !== null && typeof parsed === 'object' && typeof (parsed as { type?: unknown }).type === 'string'
            ? (parsed as { type: string }).type
            : undefined;
        const type = message.event || dataType || 'null';
        this.eventCount += 1;
        this.eventTypes[type] = (this.eventTypes[type] ?? 0) + 1;
        this.reassembler?.push({ event: message.event, data: parsed });
      },
    });
  }

  private consume(chunk: Uint8Array): void {
    if (this.mode === 'sse') {
      this.parser?.feed(this.decoder.decode(chunk, { stream: true }));
    } else if (this.mode === 'plain' && !this.budgetFull) {
      // A plain body is kept whole until it ends (SSE is parsed as it streams): it counts against the budget.
      if (this.budget && !this.budget.reserve(chunk.length)) {
        this.budgetFull = true;
        this.truncated = true;
        return;
      }
      this.plainChunks.push(chunk);
      this.plainBytes += chunk.length;
    }
  }

  /**
   * The response fields of the record; callable once, at the end or when the relay broke.
   * `totalBytes` counts what was relayed, which may exceed what was pushed here (the tee cap).
   */
  summary(totalBytes = this.bytes): ResponseSummary {
    if (this.mode === 'undecided') this.decideBySniffing();
    const summary: ResponseSummary = {};
    if (this.mode === 'encoded') {
      summary.note = `unparsed content-encoding: ${this.contentEncoding}`;
      summary.bytes = totalBytes;
    } else if (this.mode === 'sse') {
      this.parser?.feed(this.decoder.decode());
      // A final event without its blank line still counts, as in the original's split.
      this.parser?.reset({ consume: true });
      Object.assign(summary, {
        stream: true,
        event_count: this.eventCount,
        event_types: this.eventTypes,
        reconstructed: this.reassembler?.result(),
      });
    } else {
      summary.stream = false;
      const { text } = bodyText(Buffer.concat(this.plainChunks, this.plainBytes));
      this.plainChunks.length = 0;
      if (this.budget) this.budget.release(this.plainBytes);
      if (this.budgetFull) summary.note = "the capture's memory budget was full, so the log copy of this response stops early";
      const parsed = parseJson(text);
      if (parsed === undefined) {
        summary.body = text.trim() ? capText(text) : null;
      } else if (JSON.stringify(parsed).length > MAX_BODY_JSON_CHARS) {
        summary.body = {
          _truncated: true,
          _keys: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : null,
        };
      } else {
        summary.body = parsed;
        const reconstructed = reconstructBody(this.wire, parsed);
        if (reconstructed) summary.reconstructed = reconstructed;
      }
    }
    if (this.truncated || totalBytes > TEE_CAP_BYTES) summary.truncated = true;
    return summary;
  }
}
