// OpenTelemetry as a file: OTLP/JSON lines, one ExportTraceServiceRequest per line (the form the
// OpenTelemetry Collector's file exporter writes and its otlpjsonfile receiver reads), serialized by the
// official @opentelemetry/otlp-transformer. One trace per conversation: the id the agent sends, else the
// thread the analysis finds (continuations of one conversation), else the exchange alone.

import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { analyzeConversations } from '../analysis/conversations';
import type { ExchangeSummary } from '../logIndex/indexModel';
import type { LogIndex } from '../logIndex/logIndex';
import { readExchanges, type ExportOptions } from './exportRecords';
import { exchangeSpan } from './otelSpans';

const SPANS_PER_LINE = 512;

export interface OtlpFileOptions extends ExportOptions {
  content?: boolean;
}

/** Thread-based conversation ids for exchanges whose requests carry none. */
export function threadConversations(exchanges: readonly ExchangeSummary[]): Map<string, string> {
  const report = analyzeConversations(exchanges);
  const firstOfThread = new Map<number, string>();
  const byExchange = new Map<string, string>();
  for (const node of report.nodes) {
    if (node.thread === null) continue;
    if (!firstOfThread.has(node.thread)) firstOfThread.set(node.thread, node.id);
    byExchange.set(node.id, `interlude-thread-${firstOfThread.get(node.thread)}`);
  }
  return byExchange;
}

export async function writeOtlpJson(
  index: LogIndex,
  exchanges: readonly ExchangeSummary[],
  write: (chunk: string) => Promise<void> | void,
  options: OtlpFileOptions = {},
): Promise<number> {
  const threads = threadConversations(exchanges);
  let batch: ReadableSpan[] = [];
  let spans = 0;
  const flush = async () => {
    if (!batch.length) return;
    await write(`${Buffer.from(JsonTraceSerializer.serializeRequest(batch) ?? new Uint8Array()).toString('utf8')}\n`);
    batch = [];
  };
  for await (const { summary, request, response } of readExchanges(index, exchanges, options)) {
    batch.push(exchangeSpan(summary, request, response, { content: options.content, conversationFallback: threads.get(summary.id) }));
    spans += 1;
    if (batch.length >= SPANS_PER_LINE) await flush();
  }
  await flush();
  return spans;
}
