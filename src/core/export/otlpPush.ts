// Live OpenTelemetry: each exchange pushed over OTLP/HTTP as its response record lands. Runs in the
// recorder (its worker thread), fed the finished record lines; the relay never waits for it. The queue is
// bounded: while the endpoint is down, batches are retried with exponential backoff and the oldest spans
// are dropped — and counted — rather than letting memory grow.

import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { errorText } from '../errorText';
import type { ExchangeSummary } from '../logIndex/indexModel';
import { normalizeUsage } from '../logIndex/recordDigest';
import type { RequestRecord, ResponseRecord } from '../records';
import { LineRedactor, type RecordSecrets } from '../secrets/lineRedactor';
import { exchangeSpan } from './otelSpans';
import { countOf } from '../../shared/countText';
import type { OtlpPushOptions } from './otlpOptions';

export interface OtlpPushStats {
  sent: number;
  dropped: number;
  queued: number;
  failedAttempts: number;
  lastError?: string;
}

const BATCH_SIZE = 128;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** Requests waiting for their response, kept small: only what a span needs (unless content is wanted). */
const PENDING_REQUESTS_LIMIT = 1024;

export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the OTLP endpoint must be http:// or https://, not ${url.protocol}`);
  if (!url.pathname.endsWith('/v1/traces')) url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/traces`;
  return url.toString();
}

/** The summary fields a span needs, from the two records (the index's digest is not at hand in the recorder). */
export function summaryOf(request: RequestRecord | undefined, response: ResponseRecord): ExchangeSummary {
  const requestTime = request ? Date.parse(request.ts) : undefined;
  const responseTime = Date.parse(response.ts);
  const reconstructed = response.reconstructed ?? (response.body && typeof response.body === 'object' ? (response.body as Record<string, unknown>) : undefined);
  const summary: ExchangeSummary = {
    id: response.id,
    agent: response.agent,
    wire: response.wire,
    method: request?.method ?? 'POST',
    path: request?.path ?? '',
    pending: false,
    status: response.status,
    stream: response.stream,
    responseTime,
  };
  if (requestTime !== undefined && !Number.isNaN(requestTime)) summary.requestTime = requestTime;
  if (response.error) summary.error = response.error;
  if (response.ttfb_ms !== undefined) summary.ttfbMs = response.first_byte_ms ?? response.ttfb_ms;
  if (response.duration_ms !== undefined) summary.durationMs = response.duration_ms;
  const model = reconstructed?.model;
  if (typeof model === 'string') summary.model = model;
  const usage = reconstructed?.usage ? normalizeUsage(response.wire, reconstructed.usage) : undefined;
  if (usage) summary.usage = usage;
  const secrets = [request, response].map((record) => (record as { secrets?: RecordSecrets } | undefined)?.secrets).filter((entry) => entry !== undefined);
  if (secrets.length) summary.secrets = { masked: secrets.every((entry) => entry.masked), found: secrets.flatMap((entry) => entry.found) };
  return summary;
}

export class OtlpPusher {
  private readonly queue: ReadableSpan[] = [];
  private readonly requests = new Map<string, RequestRecord>();
  private readonly limit: number;
  private readonly masker?: LineRedactor;
  private sending = false;
  private backoffMs = 0;
  private timer?: NodeJS.Timeout;
  private reportedDown = false;
  private closed = false;
  readonly stats: OtlpPushStats = { sent: 0, dropped: 0, queued: 0, failedAttempts: 0 };

  constructor(
    private readonly options: OtlpPushOptions,
    private readonly onProblem: (message: string) => void = () => undefined,
    private readonly exporter: SpanExporter = new OTLPTraceExporter({
      url: tracesUrl(options.endpoint),
      headers: options.headers ?? {},
      timeoutMillis: 5000,
    }),
  ) {
    this.limit = Math.max(1, options.queueLimit ?? 2048);
    // Content leaves the machine: mask it even when the log only flags.
    if (options.content) this.masker = new LineRedactor('mask');
  }

  /** A record line as written to the log. Never throws: a line it cannot read is skipped. */
  offerLine(json: string): void {
    if (this.closed) return;
    try {
      const record = JSON.parse(this.masker ? this.masker.apply(json) : json) as RequestRecord | ResponseRecord;
      if (record.kind === 'response') {
        const request = this.requests.get(record.id);
        this.requests.delete(record.id);
        this.enqueue(exchangeSpan(summaryOf(request, record), request, record, { content: this.options.content }));
      } else if (typeof record.id === 'string') {
        if (this.requests.size >= PENDING_REQUESTS_LIMIT) this.requests.delete(this.requests.keys().next().value as string);
        this.requests.set(record.id, this.options.content ? record : slimRequest(record));
      }
    } catch (error) {
      this.onProblem(`OpenTelemetry push skipped a record: ${errorText(error)}`);
    }
  }

  enqueue(span: ReadableSpan): void {
    this.queue.push(span);
    if (this.queue.length > this.limit) {
      const over = this.queue.length - this.limit;
      this.queue.splice(0, over);
      this.stats.dropped += over;
    }
    this.stats.queued = this.queue.length;
    this.pump();
  }

  private pump(): void {
    if (this.sending || this.timer || !this.queue.length) return;
    this.sending = true;
    const batch = this.queue.splice(0, BATCH_SIZE);
    this.stats.queued = this.queue.length;
    this.exporter.export(batch, (result) => {
      this.sending = false;
      if (result.code === ExportResultCode.SUCCESS) {
        this.stats.sent += batch.length;
        this.backoffMs = 0;
        if (this.reportedDown) {
          this.reportedDown = false;
          this.onProblem(`OpenTelemetry endpoint reachable again (${countOf(this.stats.dropped, 'span')} dropped while it was not)`);
        }
        this.pump();
        return;
      }
      this.stats.failedAttempts += 1;
      this.stats.lastError = result.error ? errorText(result.error) : 'export failed';
      // Back to the front, still within the bound.
      this.queue.unshift(...batch);
      if (this.queue.length > this.limit) {
        const over = this.queue.length - this.limit;
        this.queue.splice(0, over);
        this.stats.dropped += over;
      }
      this.stats.queued = this.queue.length;
      if (!this.reportedDown) {
        this.reportedDown = true;
        this.onProblem(`cannot push to the OpenTelemetry endpoint ${this.options.endpoint}: ${this.stats.lastError}; retrying with backoff, keeping at most ${this.limit} spans`);
      }
      if (this.closed) return;
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : FIRST_BACKOFF_MS);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.backoffMs * (0.75 + Math.random() * 0.5));
      this.timer.unref();
    });
  }

  /** Tries to send what is queued for up to `timeoutMs`, then stops. */
  async close(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pump();
    }
    while ((this.sending || (this.queue.length && !this.timer)) && Date.now() < deadline) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.exporter.shutdown().catch(() => undefined);
  }
}

function slimRequest(record: RequestRecord): RequestRecord {
  const body = record.request && typeof record.request === 'object' ? (record.request as Record<string, unknown>) : {};
  const { model, stream, metadata, prompt_cache_key, client_metadata } = body;
  return { ...record, request: { model, stream, metadata, prompt_cache_key, client_metadata }, extract: null };
}
