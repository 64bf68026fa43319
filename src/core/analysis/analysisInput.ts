// What every analysis reads: the compact per-exchange summaries and the deduplicated
// texts they point at. LogIndex provides all of it; tests build it by hand. No analysis
// ever sees a raw record here, so the cost follows the number of exchanges and of
// distinct texts, not the size of the log.

import type { ExchangeSummary, PrefixPart } from '../logIndex/indexModel';

export interface AnalysisInput {
  readonly exchanges: readonly ExchangeSummary[];
  /** The flattened system text of a SystemDigest hash. */
  systemText(hash: string): string | undefined;
  /** The normalized tool list of a ToolsDigest hash. */
  toolSet(hash: string): unknown[] | undefined;
  /** The prompt prefix (system + context injected into the first user message) of a PrefixDigest hash. */
  prefixText(hash: string): string | undefined;
  /** The prefix's parts and where each came from; lets a slot say which part it sits in. */
  prefixParts?(hash: string): readonly PrefixPart[] | undefined;
}

/**
 * Requests that carry something to analyze: the original analyses every request whose
 * `extract` is not null, i.e. a known wire with a JSON body.
 */
export function isAnalyzable(exchange: ExchangeSummary): boolean {
  if (exchange.hasExtract !== undefined) return exchange.hasExtract;
  if (exchange.requestTime === undefined && exchange.request === undefined) return false;
  return exchange.system !== undefined || exchange.tools !== undefined || exchange.messages !== undefined;
}

/**
 * Part of a conversation: a model request with messages. Claude Code's `HEAD /` probe
 * (wire `unknown`) and a refused WebSocket upgrade are not.
 */
export function isConversational(exchange: ExchangeSummary): boolean {
  return exchange.wire !== 'unknown' && exchange.messages !== undefined;
}

/** Distinct agents, sorted as the original reports them. */
export function agentsOf(exchanges: readonly ExchangeSummary[]): string[] {
  const agents = new Set<string>();
  for (const exchange of exchanges) agents.add(exchange.agent);
  return [...agents].sort();
}
