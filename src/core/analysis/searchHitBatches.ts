// What one search's batches of hits send on to a page: each matching exchange's id once, however many batches
// its hits arrive in (a request and its response are different log lines, often scanned by different workers),
// at most `limit` exchanges, and snippets only for the exchanges that are sent.

import type { ScanHit } from './logTextScan';

export interface SnippetText {
  source: string;
  before: string;
  match: string;
  after: string;
}

export interface HitBatch {
  /** Exchanges matching for the first time in this search, in the order found. */
  ids: string[];
  /** New snippets per exchange, for exchanges sent in this batch or an earlier one. */
  snippets: Record<string, SnippetText[]>;
}

export class SearchHitBatches {
  private readonly sent = new Set<string>();

  constructor(private readonly limit: number) {}

  /** How many exchanges have been sent so far. */
  get shown(): number {
    return this.sent.size;
  }

  take(hits: readonly ScanHit[]): HitBatch {
    const ids: string[] = [];
    const snippets: Record<string, SnippetText[]> = {};
    for (const { id, snippet } of hits) {
      if (!this.sent.has(id)) {
        if (this.sent.size >= this.limit) continue;
        this.sent.add(id);
        ids.push(id);
      }
      (snippets[id] ??= []).push({ source: snippet.source, before: snippet.before, match: snippet.match, after: snippet.after });
    }
    return { ids, snippets };
  }
}
