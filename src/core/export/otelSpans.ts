// One exchange → one OpenTelemetry span in the GenAI conventions (SPEC §6): `chat {model}`, kind CLIENT,
// one trace per conversation. Built as the SDK's ReadableSpan so the official serializers and exporters
// (@opentelemetry/otlp-transformer, exporter-trace-otlp-http) turn it into OTLP unchanged.
//
// Usage follows the conventions: gen_ai.usage.input_tokens includes cached tokens (for Anthropic, uncached +
// cache read + cache creation; OpenAI's input already includes its cached part). Content attributes are
// opt-in and come from records that were already masked.

import { createHash } from 'node:crypto';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ExchangeSummary } from '../logIndex/indexModel';
import { isRecord } from '../jsonValue';
import { normalizeUsage } from '../logIndex/recordDigest';
import type { RequestRecord, ResponseRecord } from '../records';
import { EXPORTER_NAME, EXPORTER_VERSION } from './exporterIdentity';


export interface SpanOptions {
  /** Add gen_ai.input.messages / output.messages / system_instructions / tool.definitions. */
  content?: boolean;
  /** The conversation this exchange belongs to when the request names none (e.g. the analysis' thread). */
  conversationFallback?: string;
}

let sharedResource: Resource | undefined;
function resource(): Resource {
  sharedResource ??= resourceFromAttributes({ 'service.name': EXPORTER_NAME, 'service.version': EXPORTER_VERSION });
  return sharedResource;
}

function hexOf(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function hrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

function providerOf(wire: string): string {
  return wire.startsWith('claude') ? 'anthropic' : wire.startsWith('codex') ? 'openai' : 'unknown';
}

/** The conversation id the agent itself sends (SPEC §6): Claude Code's session id, Codex's prompt_cache_key. */
export function conversationIdOf(request: RequestRecord | undefined): string | undefined {
  const body = request?.request;
  if (!isRecord(body)) return undefined;
  if (typeof body.prompt_cache_key === 'string' && body.prompt_cache_key) return body.prompt_cache_key;
  const metadata = body.metadata;
  if (isRecord(metadata) && typeof metadata.user_id === 'string') {
    const userId = metadata.user_id;
    try {
      const parsed = JSON.parse(userId) as unknown;
      if (isRecord(parsed) && typeof parsed.session_id === 'string') return parsed.session_id;
    } catch {
      // Older Claude Code: user_<hash>_account_<uuid>_session_<uuid>.
    }
    const session = /_session_([0-9a-f-]{8,})$/i.exec(userId);
    if (session) return session[1];
  }
  if (isRecord(body.client_metadata)) {
    for (const key of ['thread_id', 'session_id', 'conversation_id']) {
      const value = body.client_metadata[key];
      if (typeof value === 'string' && value) return value;
    }
  }
  return undefined;
}

function finishReasons(response: ResponseRecord | undefined, summary: ExchangeSummary): string[] {
  if (summary.stopReason) return [summary.stopReason];
  const reconstructed = response?.reconstructed;
  const reason = reconstructed?.stop_reason ?? reconstructed?.finish_reason ?? reconstructed?.status;
  return typeof reason === 'string' ? [reason] : [];
}

/** Messages in the conventions' shape: role + parts. */
function inputMessages(request: RequestRecord): unknown[] {
  const messages = request.extract?.messages;
  if (!Array.isArray(messages)) return [];
  return messages.map((message) => {
    if (!isRecord(message)) return { role: 'user', parts: [{ type: 'text', content: String(message) }] };
    const role = typeof message.role === 'string' ? message.role : typeof message.type === 'string' ? message.type : 'user';
    const content = message.content ?? message.output ?? message.arguments ?? message.input;
    const parts = typeof content === 'string'
      ? [{ type: 'text', content }]
      : Array.isArray(content)
        ? content.map((part) =>
            isRecord(part) && typeof part.text === 'string'
              ? { type: 'text', content: part.text }
              : { type: isRecord(part) && typeof part.type === 'string' ? part.type : 'part', content: part },
          )
        : [{ type: 'part', content }];
    return { role, parts };
  });
}

function outputMessages(response: ResponseRecord, reasons: string[]): unknown[] {
  const reconstructed = response.reconstructed ?? (isRecord(response.body) ? response.body : undefined);
  if (!reconstructed) return [];
  const parts: unknown[] = [];
  if (typeof reconstructed.text === 'string' && reconstructed.text) parts.push({ type: 'text', content: reconstructed.text });
  const calls = reconstructed.tool_uses ?? reconstructed.function_calls;
  if (Array.isArray(calls)) {
    for (const call of calls) if (isRecord(call)) parts.push({ type: 'tool_call', name: call.name, arguments: call.input ?? call.arguments });
  }
  return [{ role: 'assistant', parts, finish_reason: reasons[0] ?? null }];
}

export function exchangeSpan(
  summary: ExchangeSummary,
  request: RequestRecord | undefined,
  response: ResponseRecord | undefined,
  options: SpanOptions = {},
): ReadableSpan {
  const startMs = summary.requestTime ?? summary.responseTime ?? 0;
  const durationMs = summary.durationMs ?? summary.rttMs ?? 0;
  const endMs = summary.responseTime !== undefined && summary.durationMs === undefined ? summary.responseTime : startMs + durationMs;
  const conversation = conversationIdOf(request) ?? options.conversationFallback;
  const requestModel = isRecord(request?.request) && typeof request.request.model === 'string' ? request.request.model : summary.model;
  const reasons = finishReasons(response, summary);
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': providerOf(String(summary.wire)),
    'http.request.method': summary.method,
    'url.path': summary.path,
    'agent_interlude.exchange.id': summary.id,
    'agent_interlude.agent': summary.agent,
    'agent_interlude.wire': String(summary.wire),
  };
  if (conversation) attributes['gen_ai.conversation.id'] = conversation;
  if (requestModel) attributes['gen_ai.request.model'] = requestModel;
  if (summary.stream !== undefined) attributes['gen_ai.request.stream'] = summary.stream;
  else if (isRecord(request?.request) && typeof request.request.stream === 'boolean') attributes['gen_ai.request.stream'] = request.request.stream;
  const reconstructed = response?.reconstructed ?? (isRecord(response?.body) ? (response.body as Record<string, unknown>) : undefined);
  if (typeof reconstructed?.id === 'string') attributes['gen_ai.response.id'] = reconstructed.id;
  if (typeof reconstructed?.model === 'string') attributes['gen_ai.response.model'] = reconstructed.model;
  if (reasons.length) attributes['gen_ai.response.finish_reasons'] = reasons;
  const usage = summary.usage ?? (reconstructed && isRecord(reconstructed.usage) ? normalizeUsage(String(summary.wire), reconstructed.usage) : undefined);
  if (usage) {
    attributes['gen_ai.usage.input_tokens'] = usage.input + usage.cacheRead + usage.cacheCreation;
    attributes['gen_ai.usage.output_tokens'] = usage.output;
    attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cacheRead;
    attributes['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheCreation;
  }
  if (summary.status !== undefined) attributes['http.response.status_code'] = summary.status;
  const firstChunkMs = summary.ttfbMs;
  if (firstChunkMs !== undefined) attributes['gen_ai.response.time_to_first_chunk'] = firstChunkMs / 1000;
  if (summary.secrets?.found.length) attributes['agent_interlude.secrets'] = summary.secrets.found.length;
  const failed = summary.error !== undefined || (summary.status !== undefined && summary.status >= 400);
  if (failed) attributes['error.type'] = summary.error !== undefined ? 'upstream_error' : String(summary.status);
  if (options.content && request) {
    attributes['gen_ai.input.messages'] = JSON.stringify(inputMessages(request));
    const system = request.extract?.system;
    if (system !== undefined && system !== null) attributes['gen_ai.system_instructions'] = JSON.stringify(typeof system === 'string' ? [{ type: 'text', content: system }] : system);
    if (Array.isArray(request.extract?.tools)) attributes['gen_ai.tool.definitions'] = JSON.stringify(request.extract.tools);
  }
  if (options.content && response) attributes['gen_ai.output.messages'] = JSON.stringify(outputMessages(response, reasons));

  const traceId = hexOf(`conversation:${conversation ?? summary.id}`, 32);
  const spanId = hexOf(`exchange:${summary.id}:${startMs}`, 16);
  const events = firstChunkMs !== undefined
    ? [{ name: 'gen_ai.first_chunk', time: hrTime(startMs + firstChunkMs), attributes: {}, droppedAttributesCount: 0 }]
    : [];
  return {
    name: `chat${requestModel ? ` ${requestModel}` : ''}`,
    kind: SpanKind.CLIENT,
    spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
    startTime: hrTime(startMs),
    endTime: hrTime(Math.max(endMs, startMs)),
    duration: hrTime(Math.max(endMs - startMs, 0)),
    status: failed ? { code: SpanStatusCode.ERROR, message: summary.error ?? `HTTP ${summary.status}` } : { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events,
    ended: true,
    resource: resource(),
    instrumentationScope: { name: EXPORTER_NAME, version: EXPORTER_VERSION },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
