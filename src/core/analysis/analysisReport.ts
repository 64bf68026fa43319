// The whole analysis of a set of exchanges, as one JSON-able model: what
// `agent-interlude analyze --json` prints and what the editor's overview renders.

import type { ExchangeSummary } from '../logIndex/indexModel';
import { type AgentAnalysis, type AgentComparison, AgentFold, type AgentOptions, compareAgents } from './agentPrompts';
import { type AnalysisInput, isAnalyzable } from './analysisInput';
import { compareFolded, ConversationAnalyzer, type ConversationOptions, type ConversationReport, type FoldedExchange } from './conversations';
import { type SecretReport, secretReport } from './secretReport';
import { type StopReasons, stopReasons, type TokenReport, tokensByModelFamily } from './tokenUsage';

export interface ReportOptions extends AgentOptions, ConversationOptions {
  /** Only this agent's exchanges. */
  agent?: string;
}

export interface AnalysisReport {
  exchanges: {
    total: number;
    analyzable: number;
    pending: number;
    /** agent → exchanges */
    byAgent: Record<string, number>;
  };
  /** Sorted by agent name, as the original reports them. */
  agents: AgentAnalysis[];
  comparison: AgentComparison[];
  tokens: TokenReport;
  stopReasons: StopReasons;
  conversations: ConversationReport;
  /** Secrets the recorder flagged or masked (kinds and hashes, never values). */
  secrets: SecretReport;
}

export function buildAnalysisReport(input: AnalysisInput, options: ReportOptions = {}): AnalysisReport {
  return new ReportAnalyzer(options).update(input);
}

/**
 * `buildAnalysisReport` as a fold, kept across updates of a growing log (the editor's refresh): new exchanges are
 * folded into kept per-agent state and conversations, a response that lands on a folded request adds what it
 * carries; anything else already folded that changed (a request placed earlier, a changed request) folds from the
 * start. Token use, stop reasons and secrets are summed over the list on each update (a linear pass over
 * summaries, no text). One analyzer per index: the folds read texts through the input they first saw.
 */
export class ReportAnalyzer {
  private seen: FoldedExchange[] = [];
  private folds = new Map<string, AgentFold>();
  private byAgent: Record<string, number> = {};
  private analyzable = 0;
  private pending = 0;
  private conversations: ConversationAnalyzer;
  readonly work = { folded: 0, restarts: 0 };

  constructor(private readonly options: ReportOptions = {}) {
    this.conversations = new ConversationAnalyzer(options);
  }

  update(input: AnalysisInput): AnalysisReport {
    const options = this.options;
    const exchanges: readonly ExchangeSummary[] =
      options.agent === undefined ? input.exchanges : input.exchanges.filter((exchange) => exchange.agent === options.agent);
    const { restart, landed } = compareFolded(this.seen, exchanges);
    if (restart) {
      if (this.seen.length > 0) this.work.restarts++;
      this.seen = [];
      this.folds = new Map();
      this.byAgent = {};
      this.analyzable = 0;
      this.pending = 0;
    }
    for (const at of landed) {
      const entry = this.seen[at] as FoldedExchange;
      const exchange = entry.exchange;
      entry.response = exchange.response;
      if (!exchange.pending) this.pending--;
      this.folds.get(exchange.agent)?.land(exchange);
    }
    for (let at = this.seen.length; at < exchanges.length; at++) {
      const exchange = exchanges[at] as ExchangeSummary;
      this.seen.push({ exchange, request: exchange.request, response: exchange.response });
      this.work.folded++;
      this.byAgent[exchange.agent] = (this.byAgent[exchange.agent] ?? 0) + 1;
      if (isAnalyzable(exchange)) this.analyzable++;
      if (exchange.pending) this.pending++;
      let fold = this.folds.get(exchange.agent);
      if (!fold) this.folds.set(exchange.agent, (fold = new AgentFold(exchange.agent, input, options)));
      fold.add(exchange, at);
    }
    const agents = [...this.folds.keys()]
      .sort()
      .map((agent) => (this.folds.get(agent) as AgentFold).analyze())
      .filter((agent) => agent.requests > 0);
    return {
      exchanges: { total: exchanges.length, analyzable: this.analyzable, pending: this.pending, byAgent: { ...this.byAgent } },
      agents,
      comparison: compareAgents(agents),
      tokens: tokensByModelFamily(exchanges),
      stopReasons: stopReasons(exchanges),
      conversations: this.conversations.update(exchanges),
      secrets: secretReport(exchanges),
    };
  }
}
