// Case-insensitive text search over system prompts, messages and response texts, with
// a snippet around the first hit in each. It needs bodies, so it runs over full records
// that the caller streams in (e.g. read one by one through LogIndex.readExchange).

import type { ExchangeSummary } from '../logIndex/indexModel';
import { messagesOf, messagesText, responseTextOf, systemTextOf } from './recordText';

export const DEFAULT_SNIPPET_CONTEXT = 40;
export const DEFAULT_SEARCH_LIMIT = 200;

export type SearchSource = 'system' | 'messages' | 'response';

export interface Snippet {
  source: SearchSource;
  /** Text before the hit (whitespace collapsed; '…' when cut). */
  before: string;
  /** The hit as written. */
  match: string;
  after: string;
  /** Hits in this source. */
  count: number;
}

export interface SearchHit {
  id: string;
  agent: string;
  time?: string;
  snippets: Snippet[];
}

export interface SearchResult {
  query: string;
  scanned: number;
  matched: number;
  /** At most `limit` hits, in the order the exchanges came. */
  hits: SearchHit[];
  truncated: boolean;
}

export interface SearchableExchange {
  exchange: ExchangeSummary;
  request?: unknown;
  response?: unknown;
}

export interface SearchOptions {
  /** Characters of context on each side (default 40, as the original). */
  context?: number;
  /** Hits kept (default 200); the rest are only counted. */
  limit?: number;
}

/** The original's snippet: whitespace collapsed, first case-insensitive hit, context each side. */
export function snippetOf(text: string, query: string, source: SearchSource, context = DEFAULT_SNIPPET_CONTEXT): Snippet | null {
  if (!text || !query) return null;
  const normalized = text.replace(/\s+/g, ' ').trim();
  const lowered = normalized.toLowerCase();
  const needle = query.toLowerCase();
  const at = lowered.indexOf(needle);
  if (at < 0) return null;
  let count = 0;
  for (let from = at; from >= 0; from = lowered.indexOf(needle, from + needle.length)) count++;
  // Lower-casing can change lengths (e.g. 'İ'); cut the original text at the same offsets only when it did not.
  const sameLength = lowered.length === normalized.length;
  const shown = sameLength ? normalized : lowered;
  const start = Math.max(0, at - context);
  const end = Math.min(shown.length, at + needle.length + context);
  return {
    source,
    before: (start > 0 ? '…' : '') + shown.slice(start, at),
    match: shown.slice(at, at + needle.length),
    after: shown.slice(at + needle.length, end) + (end < shown.length ? '…' : ''),
    count,
  };
}

export function searchOne(item: SearchableExchange, query: string, context = DEFAULT_SNIPPET_CONTEXT): SearchHit | null {
  const sources: [SearchSource, string][] = [
    ['system', systemTextOf(item.request) ?? ''],
    ['messages', messagesText(messagesOf(item.request))],
    ['response', responseTextOf(item.response)],
  ];
  const snippets: Snippet[] = [];
  for (const [source, text] of sources) {
    const snippet = snippetOf(text, query, source, context);
    if (snippet) snippets.push(snippet);
  }
  if (snippets.length === 0) return null;
  const hit: SearchHit = { id: item.exchange.id, agent: item.exchange.agent, snippets };
  const time = item.exchange.requestTime ?? item.exchange.responseTime;
  if (time !== undefined) hit.time = new Date(time).toISOString();
  return hit;
}

export async function searchExchanges(
  items: AsyncIterable<SearchableExchange> | Iterable<SearchableExchange>,
  query: string,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
  const trimmed = query.trim();
  const result: SearchResult = { query: trimmed, scanned: 0, matched: 0, hits: [], truncated: false };
  if (trimmed === '') return result;
  for await (const item of items) {
    result.scanned++;
    const hit = searchOne(item, trimmed, options.context);
    if (!hit) continue;
    result.matched++;
    if (result.hits.length < limit) result.hits.push(hit);
    else result.truncated = true;
  }
  return result;
}
