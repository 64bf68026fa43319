// The one-file HTML report: timeline by session, request details, the prompt skeleton and its slots, and a
// place for cache and cost. Opens anywhere with no network: a CSP with no connect/img/font sources, one
// nonce'd script and style, the data as an inert JSON block (`<` escaped so captured `</script>` stays
// text), rendered with textContent only. Kept small: message blocks, system parts and tools that every
// turn resends are stored once and referenced, so the report stays well under the log it came from.

import { randomBytes } from 'node:crypto';
import { buildAnalysisReport } from '../analysis/analysisReport';
import { analyzeConversations } from '../analysis/conversations';
import { explainLog } from '../analysis/explain';
import type { PricingTable } from '../analysis/pricing';
import type { ExchangeSummary } from '../logIndex/indexModel';
import { isRecord } from '../jsonValue';
import type { LogIndex } from '../logIndex/logIndex';
import { findSecrets, maskSecrets } from '../secrets/secretScanner';
import { readExchanges, type ExportOptions } from './exportRecords';
import { EXPORTER_NAME, EXPORTER_VERSION } from './exporterIdentity';
import { REPORT_PAGE_SCRIPT, REPORT_PAGE_STYLE } from './reportPage';

/** An array of the request body stored as references into the shared block table. */
interface BlockRefs {
  $blocks: number[];
}

interface ReportExchange {
  id: string;
  agent: string;
  wire: string;
  method: string;
  path: string;
  time?: number;
  status?: number;
  model?: string;
  stream?: boolean;
  usage?: ExchangeSummary['usage'];
  stopReason?: string;
  ttfbMs?: number;
  durationMs?: number;
  error?: string;
  session?: number;
  thread?: number | null;
  secrets: Array<{ kind: string; hash: string }>;
  request?: unknown;
  response?: unknown;
}

export interface ReportData {
  generator: string;
  generated: string;
  title: string;
  masked: boolean;
  blocks: unknown[];
  exchanges: ReportExchange[];
  sessions: Array<{ id: number; start: string; end: string; exchanges: number; agents: string[] }>;
  skeletons: Array<{
    agent: string;
    families: Array<{ label: string; requests: number; fixedPercent: number; skeleton: string[]; slots: Array<{ position: number; section?: string; values: string[] }> }>;
  }>;
  /** Cache and cost: each request's cache verdict and price, totals per model family (explain.ts's figures). */
  cacheCost: ReportCacheCost | null;
}

export interface ReportCacheCost {
  pricingDate: string;
  /** read / (uncached + read + written) over every request; null without input. */
  hitRate: number | null;
  totalUsd: number;
  unpriced: number;
  byFamily: Array<{ family: string; requests: number; usd: number; unpriced: number }>;
  requests: Array<{
    id: string;
    model?: string;
    read: number;
    written: number;
    missed: number;
    /** The cause as one line (it can name a tool or a changed line: captured text, masked like the rest). */
    cause: string;
    isBreak: boolean;
    usd: number | null;
  }>;
}

class BlockTable {
  private readonly byText = new Map<string, number>();
  readonly blocks: unknown[] = [];

  refs(items: unknown[]): BlockRefs {
    return {
      $blocks: items.map((item) => {
        const key = JSON.stringify(item);
        let at = this.byText.get(key);
        if (at === undefined) {
          at = this.blocks.length;
          this.blocks.push(item);
          this.byText.set(key, at);
        }
        return at;
      }),
    };
  }
}

/** A request body with its big arrays (messages, input, system, tools) as shared block references. */
function compactBody(body: unknown, table: BlockTable): unknown {
  if (!isRecord(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) out[key] = Array.isArray(value) ? table.refs(value) : value;
  return out;
}

const SLOT_VALUE_CHARS = 600;

function maskText(text: string, mask: boolean): string {
  return mask ? maskSecrets(text, findSecrets(text)) : text;
}

/** JSON safe inside `<script type="application/json">`: no `<` can open a tag, no line separator breaks it. */
export function inertJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export async function buildReportData(
  index: LogIndex,
  exchanges: readonly ExchangeSummary[],
  options: ExportOptions & { title?: string; pricing?: PricingTable } = {},
): Promise<ReportData> {
  const mask = options.mask ?? true;
  const table = new BlockTable();
  const conversations = analyzeConversations(exchanges);
  const nodeOf = new Map(conversations.nodes.map((node) => [node.id, node]));
  const out: ReportExchange[] = [];
  for await (const { summary, request, response } of readExchanges(index, exchanges, options)) {
    const node = nodeOf.get(summary.id);
    out.push({
      id: summary.id,
      agent: summary.agent,
      wire: String(summary.wire),
      method: summary.method,
      path: summary.path,
      time: summary.requestTime ?? summary.responseTime,
      status: summary.status,
      model: summary.model,
      stream: summary.stream,
      usage: summary.usage,
      stopReason: summary.stopReason,
      ttfbMs: summary.ttfbMs,
      durationMs: summary.durationMs,
      error: summary.error,
      session: node?.session,
      thread: node?.thread,
      secrets: summary.secrets?.found.map(({ kind, hash }) => ({ kind, hash })) ?? [],
      request: request ? compactBody(request.request, table) : undefined,
      response: response ? (response.reconstructed ?? response.body ?? (response.error ? { error: response.error } : undefined)) : undefined,
    });
  }
  // Skeleton texts come from the index's prompt texts, which a flagged log holds unmasked.
  const input = { ...index.analysisInput(), exchanges };
  const analysis = buildAnalysisReport(input);
  const explained = explainLog(input, { agents: analysis.agents, conversations, pricing: options.pricing });
  const skeletons = analysis.agents
    .filter((agent) => agent.prefix)
    .map((agent) => ({
      agent: agent.agent,
      families: agent.prefix!.families.map((family) => ({
        label: maskText(family.label, mask),
        requests: family.requests,
        fixedPercent: family.fixedPercent,
        skeleton: family.skeleton.map((line) => maskText(line, mask)),
        slots: family.slots.map((slot) => ({
          position: slot.position,
          section: slot.section,
          values: slot.values.slice(0, 3).map((value) => maskText(value.text.slice(0, SLOT_VALUE_CHARS), mask)),
        })),
      })),
    }));
  return {
    generator: `${EXPORTER_NAME} ${EXPORTER_VERSION}`,
    generated: new Date().toISOString(),
    title: options.title ?? 'Agent Interlude captures',
    masked: mask,
    blocks: table.blocks,
    exchanges: out,
    sessions: conversations.sessions.map(({ id, start, end, exchanges: count, agents }) => ({ id, start, end, exchanges: count, agents })),
    skeletons,
    cacheCost: {
      pricingDate: explained.report.pricing.date,
      hitRate: explained.report.cacheHitRate,
      totalUsd: explained.report.cost.total.usd,
      unpriced: explained.report.cost.total.unpriced,
      byFamily: explained.report.cost.byFamily.map(({ family, requests, usd, unpriced }) => ({ family, requests, usd, unpriced })),
      requests: explained.exchanges.map(({ id, model, cache, cost }) => ({
        id,
        model,
        read: cache.read,
        written: cache.written,
        missed: cache.missed,
        cause: maskText(cache.cause.text, mask),
        isBreak: cache.isBreak,
        usd: cost.total,
      })),
    },
  };
}

export function renderReportHtml(data: ReportData): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const title = data.title.replace(/[<>&"]/g, '');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style nonce="${nonce}">${REPORT_PAGE_STYLE}</style>`,
    '</head><body>',
    '<noscript>This report renders with JavaScript (it runs locally; the page has no network access).</noscript>',
    `<script type="application/json" id="report-data">${inertJson(data)}</script>`,
    `<script nonce="${nonce}">${REPORT_PAGE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

export async function writeHtmlReport(
  index: LogIndex,
  exchanges: readonly ExchangeSummary[],
  write: (chunk: string) => Promise<void> | void,
  options: ExportOptions & { title?: string } = {},
): Promise<number> {
  const data = await buildReportData(index, exchanges, options);
  await write(renderReportHtml(data));
  return data.exchanges.length;
}
