// Messages between the extension host and the insights panel's page. Types and plain validators only: the page
// bundle imports this file, so it must never import `vscode` or host code.
import type { AgentComparison } from '../core/analysis/agentPrompts';
import type { EdgeKind } from '../core/analysis/conversations';
import type { ModelTokens } from '../core/analysis/tokenUsage';
import type { BreakGroup, CacheBreak, ConversationExplain, FolderExplain, SlotBreakGroup } from '../core/analysis/explain';

export type InsightsTab = 'overview' | 'tokens' | 'cache' | 'tools' | 'graph';
export const INSIGHTS_TABS: readonly InsightsTab[] = ['overview', 'tokens', 'cache', 'tools', 'graph'];

export interface AgentFigures {
  agent: string;
  requests: number;
  distinctSystems: number;
  medianSystemChars: number;
  /** 100 × fixed / unique lines over all the agent's samples; null without a system prompt. */
  fixedPercent: number | null;
  slots: number;
  tools: number;
  families: { id: number; label: string; requests: number; slots: number }[];
}

/** The core's own row types: the page bundle takes only their shape (`import type` is erased). */
export type ComparisonColumn = AgentComparison;
export type FamilyTokens = ModelTokens;

/** One bar of the tokens-over-time chart. */
export interface TokenBucket {
  /** Start, epoch ms. */
  t: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export interface ToolEntry {
  agent: string;
  name: string;
  /** The definition as sent (pretty JSON, clipped). */
  schema: string;
  /** Invocations in the responses of this agent. */
  calls: number;
}

export interface GraphNode {
  id: string;
  model?: string;
  tokens?: number;
  stopReason?: string;
  tools: string[];
  time: string;
}

export interface GraphSession {
  id: number;
  start: string;
  nodes: GraphNode[];
  edges: { from: string; to: string; kind: EdgeKind }[];
}

/** The "Cache and cost" tab: the explainer's folder report (the core's own row types), capped for the page. */
export interface CacheCostData {
  /** Why there is nothing to show, when the explainer failed on these captures. */
  error?: string;
  /** read / (uncached + read + written) over every request. */
  hitRate: number | null;
  /** Ranked by cost (the most expensive first). */
  breaks: CacheBreak[];
  /** Breaks in the log, when more than `breaks` holds. */
  breakCount: number;
  byCause: BreakGroup[];
  bySlot: SlotBreakGroup[];
  byTool: BreakGroup[];
  /** Each conversation's turns (composition turn by turn), the latest ones. */
  conversations: ConversationExplain[];
  cost: FolderExplain['cost'];
  /** The request to open for a conversation's cost row (its latest). */
  conversationLast: Record<number, string>;
  pricing: { date: string; source: string; overridden: boolean };
}

export interface InsightsData {
  exchanges: number;
  agents: AgentFigures[];
  comparison: ComparisonColumn[];
  tokens: FamilyTokens[];
  buckets: TokenBucket[];
  bucketMs: number;
  stopReasons: Record<string, number>;
  stopNone: number;
  tools: ToolEntry[];
  sessions: GraphSession[];
  cache: CacheCostData;
}

export interface InvocationRow {
  exchangeId: string;
  time?: string;
  input: string;
}

export type InsightsToWebview =
  | { type: 'data'; data: InsightsData }
  | { type: 'invocations'; agent: string; tool: string; rows: InvocationRow[] }
  /** Tests: act as the user would. */
  | {
      type: 'test';
      tab?: InsightsTab;
      expandTool?: { agent: string; tool: string };
      followToolsLink?: string;
      clickGraphNode?: string;
      /** Click the "Cache and cost" row of this break's request. */
      clickBreak?: string;
      probe?: boolean;
    };

export interface RenderedFigures {
  tab: InsightsTab;
  /** agent → requests shown in the overview. */
  agentRequests: Record<string, number>;
  familyRows: number;
  toolRows: number;
  invocationRows: number;
  graphNodes: number;
  /** "Cache and cost": each table's rows as text (`cell · cell · …`), keyed by the table's label. */
  cacheTables?: Record<string, string[]>;
  /** The agent whose tools heading has the focus (after following an overview link). */
  focusedAgent?: string;
}

export type InsightsFromWebview =
  | { type: 'ready' }
  | ({ type: 'rendered' } & RenderedFigures)
  | { type: 'openRequest'; id: string }
  | { type: 'skeletonDiff'; agent: string; family: number }
  | { type: 'invocations'; agent: string; tool: string }
  | { type: 'probe'; scripts: number; pwned: boolean };

/** What the page keeps with vscode.setState (and the serializer hands back after a reload). */
export interface InsightsState {
  tab?: InsightsTab;
  /** `agent\u0000tool` keys of the open tool entries. */
  expanded?: string[];
  session?: number;
}

export const INSIGHTS_VIEW_TYPE = 'agentInterlude.insights';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function isTab(value: unknown): value is InsightsTab {
  return typeof value === 'string' && (INSIGHTS_TABS as readonly string[]).includes(value);
}

function cacheTables(value: Record<string, unknown>): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const [label, rows] of Object.entries(value).slice(0, 20)) {
    if (Array.isArray(rows)) tables[label] = rows.filter((row): row is string => typeof row === 'string').slice(0, 500).map((row) => row.slice(0, 2000));
  }
  return tables;
}

export function parseInsightsFromWebview(value: unknown): InsightsFromWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'rendered': {
      if (!isTab(value.tab) || !isObject(value.agentRequests)) return undefined;
      const agentRequests: Record<string, number> = {};
      for (const [agent, n] of Object.entries(value.agentRequests)) agentRequests[agent] = count(n) ?? 0;
      return {
        type: 'rendered',
        tab: value.tab,
        agentRequests,
        familyRows: count(value.familyRows) ?? 0,
        toolRows: count(value.toolRows) ?? 0,
        invocationRows: count(value.invocationRows) ?? 0,
        graphNodes: count(value.graphNodes) ?? 0,
        ...(isObject(value.cacheTables) ? { cacheTables: cacheTables(value.cacheTables) } : {}),
        ...(typeof value.focusedAgent === 'string' ? { focusedAgent: value.focusedAgent } : {}),
      };
    }
    case 'openRequest':
      return typeof value.id === 'string' ? { type: 'openRequest', id: value.id } : undefined;
    case 'skeletonDiff':
      return typeof value.agent === 'string' && count(value.family) !== undefined
        ? { type: 'skeletonDiff', agent: value.agent, family: value.family as number }
        : undefined;
    case 'invocations':
      return typeof value.agent === 'string' && typeof value.tool === 'string' ? { type: 'invocations', agent: value.agent, tool: value.tool } : undefined;
    case 'probe':
      return { type: 'probe', scripts: count(value.scripts) ?? -1, pwned: value.pwned === true };
    default:
      return undefined;
  }
}

export function parseInsightsToWebview(value: unknown): InsightsToWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'data':
      return isObject(value.data) && Array.isArray(value.data.agents) ? { type: 'data', data: value.data as unknown as InsightsData } : undefined;
    case 'invocations':
      return typeof value.agent === 'string' && typeof value.tool === 'string' && Array.isArray(value.rows)
        ? { type: 'invocations', agent: value.agent, tool: value.tool, rows: value.rows as InvocationRow[] }
        : undefined;
    case 'test': {
      const message: InsightsToWebview = { type: 'test' };
      if (isTab(value.tab)) message.tab = value.tab;
      if (isObject(value.expandTool) && typeof value.expandTool.agent === 'string' && typeof value.expandTool.tool === 'string') {
        message.expandTool = { agent: value.expandTool.agent, tool: value.expandTool.tool };
      }
      if (typeof value.followToolsLink === 'string') message.followToolsLink = value.followToolsLink;
      if (typeof value.clickGraphNode === 'string') message.clickGraphNode = value.clickGraphNode;
      if (typeof value.clickBreak === 'string') message.clickBreak = value.clickBreak;
      if (value.probe === true) message.probe = true;
      return message;
    }
    default:
      return undefined;
  }
}

export function parseInsightsState(value: unknown): InsightsState {
  if (!isObject(value)) return {};
  const state: InsightsState = {};
  if (isTab(value.tab)) state.tab = value.tab;
  if (Array.isArray(value.expanded)) state.expanded = value.expanded.filter((key): key is string => typeof key === 'string').slice(0, 200);
  const session = count(value.session);
  if (session !== undefined) state.session = session;
  return state;
}
