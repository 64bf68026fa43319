// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): one entry per exchange — kept headers, the
// request body, the response as SSE text, timings from our ttfb / duration — for browser devtools and HTTP
// Toolkit. The log keeps the stream reassembled (model, text, tool calls, usage), not its raw events, so the
// response text is re-created from it in the wire's own event format; each entry's comment says so.

import type { Entry, Har, Header } from 'har-format';
import type { ExchangeSummary } from '../logIndex/indexModel';
import { isRecord } from '../jsonValue';
import type { LogIndex } from '../logIndex/logIndex';
import type { RequestRecord, ResponseRecord } from '../records';
import { readExchanges, type ExportOptions } from './exportRecords';
import { EXPORTER_NAME, EXPORTER_VERSION } from './exporterIdentity';

/** The upstream the listener relayed to is not in the log (only the path): the well-known one for the wire. */
function upstreamOrigin(wire: string, agent: string, path: string): string {
  if (path.startsWith('/backend-api/')) return 'https://chatgpt.com';
  if (wire.startsWith('claude') || agent === 'claude') return 'https://api.anthropic.com';
  if (wire.startsWith('codex') || agent === 'codex') return 'https://api.openai.com';
  return 'http://upstream.invalid';
}

function sse(event: string | undefined, data: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

interface ToolUse {
  name?: unknown;
  input?: unknown;
  id?: unknown;
}

/** The reassembled stream as the wire's events (text and tool calls in one delta each). */
export function sseText(wire: string, reconstructed: Record<string, unknown>): string {
  const text = typeof reconstructed.text === 'string' ? reconstructed.text : '';
  const tools = (Array.isArray(reconstructed.tool_uses) ? reconstructed.tool_uses : []).filter(isRecord) as ToolUse[];
  const usage = isRecord(reconstructed.usage) ? reconstructed.usage : undefined;
  if (wire === 'claude-messages') {
    let out = sse('message_start', { type: 'message_start', message: { id: reconstructed.id, type: 'message', role: 'assistant', model: reconstructed.model, content: [], usage } });
    let index = 0;
    if (text) {
      out += sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      out += sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
      out += sse('content_block_stop', { type: 'content_block_stop', index });
      index += 1;
    }
    for (const tool of tools) {
      out += sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } });
      out += sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.input ?? {}) } });
      out += sse('content_block_stop', { type: 'content_block_stop', index });
      index += 1;
    }
    out += sse('message_delta', { type: 'message_delta', delta: { stop_reason: reconstructed.stop_reason ?? null }, usage });
    return out + sse('message_stop', { type: 'message_stop' });
  }
  if (wire === 'codex-responses') {
    const response = { id: reconstructed.id, object: 'response', model: reconstructed.model, status: reconstructed.status, usage };
    let out = sse('response.created', { type: 'response.created', response: { ...response, status: 'in_progress' } });
    if (text) out += sse('response.output_text.delta', { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: text });
    for (const tool of tools) {
      out += sse('response.output_item.done', { type: 'response.output_item.done', item: { type: 'function_call', name: tool.name, arguments: JSON.stringify(tool.input ?? {}) } });
    }
    return out + sse('response.completed', { type: 'response.completed', response });
  }
  if (wire === 'codex-chat') {
    const chunk = (delta: unknown, finish: unknown = null) => sse(undefined, { id: reconstructed.id, object: 'chat.completion.chunk', model: reconstructed.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    let out = text ? chunk({ role: 'assistant', content: text }) : '';
    tools.forEach((tool, at) => {
      out += chunk({ tool_calls: [{ index: at, type: 'function', function: { name: tool.name, arguments: JSON.stringify(tool.input ?? {}) } }] });
    });
    out += chunk({}, reconstructed.finish_reason ?? null);
    if (usage) out += sse(undefined, { id: reconstructed.id, object: 'chat.completion.chunk', model: reconstructed.model, choices: [], usage });
    return `${out}data: [DONE]\n\n`;
  }
  return sse(undefined, reconstructed);
}

function headerList(headers: Record<string, string> | undefined): Header[] {
  return Object.entries(headers ?? {}).map(([name, value]) => ({ name, value: String(value) }));
}

function bodyText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function harEntry(summary: ExchangeSummary, request: RequestRecord | undefined, response: ResponseRecord | undefined): Entry {
  const path = request?.path ?? summary.path ?? '/';
  const url = new URL(path, upstreamOrigin(String(summary.wire), summary.agent, path));
  const started = summary.requestTime ?? summary.responseTime ?? 0;
  const total = summary.durationMs ?? summary.rttMs ?? 0;
  const wait = Math.min(summary.ttfbMs ?? total, total);
  const requestHeaders = headerList(request?.headers_kept);
  const requestText = request && request.request !== undefined && request.request !== null ? bodyText(request.request) : '';
  const contentType = response?.content_type ?? '';
  let responseText = '';
  // What the response text is: the re-created stream is SSE whatever parameters the header carried (DevTools
  // shows an EventStream tab for the bare type only).
  let responseMimeType = contentType || 'application/octet-stream';
  let comment = 'upstream origin inferred from the wire: the log records the path only';
  if (response?.reconstructed) {
    responseText = sseText(String(summary.wire), response.reconstructed);
    responseMimeType = 'text/event-stream';
    comment += '; the response is re-created from the reassembled stream (the log keeps the reassembled message, not the raw events)';
  } else if (response?.body !== undefined) {
    responseText = bodyText(response.body);
  } else if (response?.error) {
    responseText = response.error;
  }
  if (response?.truncated) comment += '; the log copy of the response was truncated';
  return {
    startedDateTime: new Date(started).toISOString(),
    time: total,
    request: {
      method: request?.method ?? summary.method ?? 'POST',
      url: url.toString(),
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: requestHeaders,
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(requestText
        ? { postData: { mimeType: request?.headers_kept?.['content-type'] ?? 'application/json', text: requestText, params: [] } }
        : {}),
      headersSize: -1,
      bodySize: request?.request_bytes ?? Buffer.byteLength(requestText),
    },
    response: {
      status: response?.status ?? 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: contentType ? [{ name: 'content-type', value: contentType }] : [],
      content: { size: Buffer.byteLength(responseText), mimeType: responseMimeType, text: responseText },
      redirectURL: '',
      headersSize: -1,
      bodySize: response?.response_bytes ?? -1,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait, receive: Math.max(total - wait, 0), ssl: -1 },
    comment,
    // Chrome DevTools' importer files an entry by it (the Fetch/XHR filter); an API call is a fetch.
    _resourceType: 'fetch',
    _agentInterlude: { id: summary.id, agent: summary.agent, wire: summary.wire, secrets: summary.secrets?.found.length ?? 0 },
  } as Entry;
}

/** Writes the HAR as it reads, so a large folder never sits in memory as one object. */
export async function writeHar(
  index: LogIndex,
  exchanges: readonly ExchangeSummary[],
  write: (chunk: string) => Promise<void> | void,
  options: ExportOptions = {},
): Promise<number> {
  // `pages` is optional in HAR 1.2, but importers (Chrome DevTools among them) read it without checking.
  const head: Har = { log: { version: '1.2', creator: { name: EXPORTER_NAME, version: EXPORTER_VERSION }, pages: [], entries: [] } };
  const opening = JSON.stringify(head).replace(/\[\]\}\}$/, "[");
  await write(opening);
  let count = 0;
  for await (const { summary, request, response } of readExchanges(index, exchanges, options)) {
    await write(`${count ? ',' : ''}\n${JSON.stringify(harEntry(summary, request, response))}`);
    count += 1;
  }
  await write('\n]}}\n');
  return count;
}
