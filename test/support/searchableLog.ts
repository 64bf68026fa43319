// A log's text as the parsing search (textSearch.ts searchOne) takes it: one searchable exchange per id, its request
// and response records joined. The byte-scanning search's tests compare against it.
import type { SearchableExchange } from '../../src/core/analysis/textSearch';
import type { ExchangeSummary } from '../../src/core/logIndex/indexModel';

export function searchableExchanges(log: string): SearchableExchange[] {
  const byId = new Map<string, SearchableExchange>();
  for (const line of log.split('\n')) {
    if (!line) continue;
    const record = JSON.parse(line) as { id: string; kind: string; agent: string };
    const item = byId.get(record.id) ?? { exchange: { id: record.id, agent: record.agent } as ExchangeSummary };
    if (record.kind === 'request') item.request = record;
    if (record.kind === 'response') item.response = record;
    byId.set(record.id, item);
  }
  return [...byId.values()];
}
