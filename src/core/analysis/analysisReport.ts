// The whole analysis of a set of exchanges, as one JSON-able model: what
// `agent-interlude analyze --json` prints and what the editor's overview renders.

import type { ExchangeSummary } from '../indexModel';
import { type AgentAnalysis, type AgentComparison, type AgentOptions, analyzeAgent, compareAgents } from './agentPrompts';
import { type AnalysisInput, agentsOf, isAnalyzable } from './analysisInput';
import { analyzeConversations, type ConversationOptions, type ConversationReport } from './conversations';
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
  const exchanges: readonly ExchangeSummary[] =
    options.agent === undefined ? input.exchanges : input.exchanges.filter((exchange) => exchange.agent === options.agent);
  const byAgent: Record<string, number> = {};
  let analyzable = 0;
  let pending = 0;
  for (const exchange of exchanges) {
    byAgent[exchange.agent] = (byAgent[exchange.agent] ?? 0) + 1;
    if (isAnalyzable(exchange)) analyzable++;
    if (exchange.pending) pending++;
  }
  const agents = agentsOf(exchanges)
    .map((agent) => analyzeAgent(input, agent, exchanges, options))
    .filter((agent) => agent.requests > 0);
  return {
    exchanges: { total: exchanges.length, analyzable, pending, byAgent },
    agents,
    comparison: compareAgents(agents),
    tokens: tokensByModelFamily(exchanges),
    stopReasons: stopReasons(exchanges),
    conversations: analyzeConversations(exchanges, options),
    secrets: secretReport(exchanges),
  };
}
