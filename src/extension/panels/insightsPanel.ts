// Open Insights: one webview panel with tabs over the index's analyses — Overview (per-agent figures and the
// cross-agent table), Tokens and cache (per model family, tokens over time, stop reasons), Tools (definitions and
// invocation logs) and a Conversation graph per session. The host only composes core analyses
// (buildAnalysisReport, tokensByModelFamily, toolName, readInvocations) over LogIndex.analysisInput(); a
// CaptureWatcher keeps the figures live while the panel exists.
import * as vscode from 'vscode';
import type { AnalysisReport } from '../../core/analysis/analysisReport';
import type { AnalysisInput } from '../../core/analysis/analysisInput';
import { toolName } from '../../core/analysis/toolCatalog';
import { tokensByModelFamily } from '../../core/analysis/tokenUsage';
import { readInvocations } from '../../core/analysis/toolInvocations';
import { errorText } from '../../core/errorText';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import {
  INSIGHTS_VIEW_TYPE,
  parseInsightsFromWebview,
  type CacheCostData,
  type GraphSession,
  type InsightsData,
  type InsightsToWebview,
  type RenderedFigures,
  type TokenBucket,
  type ToolEntry,
} from '../../webview/insightsProtocol';
import type { CaptureViewDeps } from '../captureWatcher';
import { CommandId } from '../commandIds';
import { EMPTY_INPUT, type Explained } from '../explainSource';
import { webviewPageHtml } from './webviewPage';
import { CapturePanel } from './capturePanel';
import { isRecord } from '../../core/jsonValue';


/** What the hidden `agentInterlude.internal.insights` command returns (tests read it). */
export interface InsightsStatus {
  open: boolean;
  ready: boolean;
  /** Exchanges in the figures last posted. */
  exchanges: number;
  /** What the page last reported drawing. */
  rendered?: RenderedFigures;
  probe?: { scripts: number; pwned: boolean };
}

/** What a test asks the page to do: the protocol's test message, without its tag. */
type InsightsTestAction = Omit<Extract<InsightsToWebview, { type: 'test' }>, 'type'>;

const SCHEMA_CAP = 20_000;
const INPUT_CAP = 4_000;
const INVOCATION_LIMIT = 500;
const MAX_BUCKETS = 48;
/** Sessions drawn in the graph tab: the latest ones (a big log has hundreds). */
const GRAPH_SESSIONS = 50;
const GRAPH_NODES = 400;

/** Rows of the "Cache and cost" tab: the costliest breaks, the latest conversations and sessions. */
const CACHE_BREAK_ROWS = 200;
const CACHE_CONVERSATIONS = 50;
const CACHE_TURNS = 200;
const CACHE_COST_ROWS = 200;

function cacheCost(explained: Explained): CacheCostData {
  const pricing = { date: explained.pricing.date, source: explained.pricing.source, overridden: explained.pricing.overridden === true };
  const report = explained.explain?.report;
  if (!report) {
    const total = { requests: 0, priced: 0, unpriced: 0, usd: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    return {
      error: explained.error ?? 'no explanation',
      hitRate: null,
      breaks: [],
      breakCount: 0,
      byCause: [],
      bySlot: [],
      byTool: [],
      conversations: [],
      cost: { total, byFamily: [], bySession: [], byConversation: [] },
      conversationLast: {},
      pricing,
    };
  }
  const conversations = report.conversations.slice(-CACHE_CONVERSATIONS).map((conversation) => ({
    ...conversation,
    turns: conversation.turns.slice(-CACHE_TURNS),
    topToolResults: conversation.topToolResults.slice(0, 20),
  }));
  const conversationLast: Record<number, string> = {};
  for (const conversation of report.conversations) {
    const last = conversation.turns[conversation.turns.length - 1];
    if (last) conversationLast[conversation.conversation] = last.id;
  }
  return {
    hitRate: report.cacheHitRate,
    breaks: report.breaks.slice(0, CACHE_BREAK_ROWS),
    breakCount: report.breaks.length,
    byCause: report.byCause,
    bySlot: report.bySlot.slice(0, CACHE_BREAK_ROWS),
    byTool: report.byTool.slice(0, CACHE_BREAK_ROWS),
    conversations,
    cost: {
      total: report.cost.total,
      byFamily: report.cost.byFamily,
      bySession: report.cost.bySession.slice(-CACHE_COST_ROWS),
      byConversation: report.cost.byConversation.slice(-CACHE_COST_ROWS),
    },
    conversationLast,
    pricing,
  };
}

function clip(text: string, cap: number): string {
  return text.length > cap ? `${text.slice(0, cap)}… (${(text.length - cap).toLocaleString()} more characters)` : text;
}

export function registerInsights(context: vscode.ExtensionContext, deps: CaptureViewDeps): void {
  const controller = new InsightsController(context, deps);
  context.subscriptions.push(
    controller,
    vscode.commands.registerCommand(CommandId.OpenInsights, () => controller.open()),
    vscode.commands.registerCommand(CommandId.InternalInsights, (action?: unknown) => controller.status(action)),
    vscode.window.registerWebviewPanelSerializer(INSIGHTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => controller.restore(panel, state),
    }),
  );
}

/** Tokens over time: equal buckets over the captured span, each summed by the token analysis. */
function tokenBuckets(exchanges: readonly ExchangeSummary[]): { buckets: TokenBucket[]; bucketMs: number } {
  const timed = exchanges.filter((exchange) => exchange.requestTime !== undefined && exchange.usage);
  if (timed.length === 0) return { buckets: [], bucketMs: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const exchange of timed) {
    first = Math.min(first, exchange.requestTime!);
    last = Math.max(last, exchange.requestTime!);
  }
  const minute = 60_000;
  const bucketMs = Math.max(minute, Math.ceil((last - first + 1) / MAX_BUCKETS / minute) * minute);
  const start = Math.floor(first / minute) * minute;
  const groups = new Map<number, ExchangeSummary[]>();
  for (const exchange of timed) {
    const at = start + Math.floor((exchange.requestTime! - start) / bucketMs) * bucketMs;
    let group = groups.get(at);
    if (!group) groups.set(at, (group = []));
    group.push(exchange);
  }
  const buckets = [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, group]) => {
      const { total } = tokensByModelFamily(group);
      return { t, input: total.input, output: total.output, cacheRead: total.cacheRead, cacheCreation: total.cacheCreation };
    });
  return { buckets, bucketMs };
}

function toolEntries(input: AnalysisInput, report: AnalysisReport): ToolEntry[] {
  const entries: ToolEntry[] = [];
  for (const agent of report.agents) {
    const definitions = new Map<string, unknown>();
    const seen = new Set<string>();
    // The latest definition of each name: walk the agent's tool sets newest first.
    for (let at = input.exchanges.length - 1; at >= 0; at--) {
      const exchange = input.exchanges[at];
      if (exchange.agent !== agent.agent || !exchange.tools || seen.has(exchange.tools.hash)) continue;
      seen.add(exchange.tools.hash);
      for (const tool of input.toolSet(exchange.tools.hash) ?? []) {
        const name = toolName(tool);
        if (name !== undefined && !definitions.has(name)) definitions.set(name, tool);
      }
    }
    const calls = new Map(agent.invocations.byTool.map((tool) => [tool.name, tool.calls]));
    for (const name of agent.tools?.names ?? []) {
      const definition = definitions.get(name);
      entries.push({
        agent: agent.agent,
        name,
        schema: definition === undefined ? '(definition not recorded)' : clip(JSON.stringify(definition, null, 2), SCHEMA_CAP),
        calls: calls.get(name) ?? 0,
      });
    }
  }
  return entries;
}

function graphSessions(report: AnalysisReport, exchanges: readonly ExchangeSummary[]): GraphSession[] {
  const byId = new Map(exchanges.map((exchange) => [exchange.id, exchange]));
  const shown = report.conversations.sessions.slice(-GRAPH_SESSIONS);
  const wanted = new Map<number, GraphSession>(shown.map((session) => [session.id, { id: session.id, start: session.start, nodes: [], edges: [] }]));
  for (const node of report.conversations.nodes) {
    const session = wanted.get(node.session);
    if (!session || session.nodes.length >= GRAPH_NODES) continue;
    const usage = byId.get(node.id)?.usage;
    const entry: GraphSession['nodes'][number] = { id: node.id, tools: node.toolsInvoked, time: node.time };
    if (node.model) entry.model = node.model;
    if (node.stopReason) entry.stopReason = node.stopReason;
    if (usage) entry.tokens = usage.input + usage.output + usage.cacheRead + usage.cacheCreation;
    session.nodes.push(entry);
  }
  for (const edge of report.conversations.edges) {
    wanted.get(edge.session)?.edges.push({ from: edge.from, to: edge.to, kind: edge.kind });
  }
  return [...wanted.values()];
}

class InsightsController extends CapturePanel {
  private exchanges = 0;
  private computing = false;
  private computeAgain = false;
  private rendered?: RenderedFigures;
  private probe?: InsightsStatus['probe'];

  constructor(context: vscode.ExtensionContext, deps: CaptureViewDeps) {
    super(context, deps, INSIGHTS_VIEW_TYPE, vscode.l10n.t('Insights'));
  }

  protected capturesChanged(): Promise<void> {
    return this.postData();
  }

  async status(action?: unknown): Promise<InsightsStatus> {
    if (isRecord(action) && this.panel && this.pageReady) {
      const test = action as InsightsTestAction;
      const message: InsightsToWebview = { type: 'test' };
      if (typeof test.tab === 'string') message.tab = test.tab;
      if (isRecord(test.expandTool) && typeof test.expandTool.agent === 'string' && typeof test.expandTool.tool === 'string') {
        message.expandTool = { agent: test.expandTool.agent, tool: test.expandTool.tool };
      }
      if (typeof test.followToolsLink === 'string') message.followToolsLink = test.followToolsLink;
      if (typeof test.clickGraphNode === 'string') message.clickGraphNode = test.clickGraphNode;
      if (typeof test.clickBreak === 'string') message.clickBreak = test.clickBreak;
      if (test.probe === true) {
        message.probe = true;
        this.probe = undefined;
      }
      await this.panel.webview.postMessage(message);
    }
    const status: InsightsStatus = { open: this.panel !== undefined, ready: this.panel !== undefined && this.pageReady, exchanges: this.exchanges };
    if (this.rendered) status.rendered = this.rendered;
    if (this.probe) status.probe = this.probe;
    return status;
  }

  async open(): Promise<InsightsStatus> {
    this.openPanel();
    return this.status();
  }

  // The page reads its own state back (tab, open tools, session) through getState and validates it there.
  protected pageGone(): void {
    this.rendered = undefined;
  }

  protected async receive(raw: unknown): Promise<void> {
    const message = parseInsightsFromWebview(raw);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        await this.watcher.currentIndex();
        this.pageReady = true;
        await this.postData();
        return;
      case 'rendered': {
        const { type: _type, ...figures } = message;
        this.rendered = figures;
        return;
      }
      case 'openRequest':
        await vscode.commands.executeCommand(CommandId.OpenRequest, { id: message.id });
        return;
      case 'skeletonDiff':
        await vscode.commands.executeCommand(CommandId.ShowSkeletonDiff, { agent: message.agent, family: message.family });
        return;
      case 'invocations':
        await this.postInvocations(message.agent, message.tool);
        return;
      case 'probe':
        this.probe = { scripts: message.scripts, pwned: message.pwned };
        return;
    }
  }

  private compute(): InsightsData {
    const index = this.watcher.current;
    const input = index?.analysisInput() ?? EMPTY_INPUT;
    // The report the explanation was built on: one pass per change for the insights and the other views.
    const explained = this.deps.explain.current();
    const report = explained.analysis;
    const { buckets, bucketMs } = tokenBuckets(input.exchanges);
    return {
      exchanges: report.exchanges.total,
      agents: report.agents.map((agent) => ({
        agent: agent.agent,
        requests: agent.requests,
        distinctSystems: agent.system?.distinct ?? 0,
        medianSystemChars: agent.system?.size.median ?? 0,
        fixedPercent: agent.system ? agent.system.pooled.fixedPercent : null,
        slots: (agent.system?.families ?? []).reduce((sum, family) => sum + family.slots.length, 0),
        tools: agent.tools?.names.length ?? 0,
        families: (agent.system?.families ?? []).map((family) => ({ id: family.id, label: family.label, requests: family.requests, slots: family.slots.length })),
      })),
      comparison: report.comparison.map((column) => ({ ...column })),
      tokens: report.tokens.byFamily.map((family) => ({ ...family })),
      buckets,
      bucketMs,
      stopReasons: report.stopReasons.overall,
      stopNone: report.stopReasons.none,
      tools: toolEntries(input, report),
      sessions: graphSessions(report, input.exchanges),
      cache: cacheCost(explained),
    };
  }

  /**
   * Recomputes every figure from the index. On a big log one pass takes a while (~0.15–0.3 s at 1 GiB), and a
   * busy proxy lands captures all the time: changes during a pass fold into one more pass, after a pause as long
   * as the pass took, so the extension host spends at most about half its time here. The relay runs on its own
   * thread, so a pass never holds back an agent's stream.
   */
  private async postData(): Promise<void> {
    if (!this.panel || !this.pageReady) return;
    if (this.computing) {
      this.computeAgain = true;
      return;
    }
    this.computing = true;
    try {
      do {
        this.computeAgain = false;
        if (!this.panel || !this.pageReady) return;
        const started = Date.now();
        const data = this.compute();
        this.exchanges = data.exchanges;
        await this.panel?.webview.postMessage({ type: 'data', data } satisfies InsightsToWebview);
        if (this.computeAgain) await new Promise((resolvePause) => setTimeout(resolvePause, Math.min(5_000, Date.now() - started)));
      } while (this.computeAgain && this.panel && this.pageReady);
    } catch (error) {
      this.deps.output.error(`Insights: ${errorText(error)}`);
    } finally {
      this.computing = false;
    }
  }

  private async postInvocations(agent: string, tool: string): Promise<void> {
    const index = this.watcher.current;
    if (!index) return;
    try {
      const exchanges = index.exchanges().filter((exchange) => exchange.agent === agent);
      const invocations = await readInvocations(exchanges, (exchange) => index.readRecord(exchange.response!), tool);
      const rows = invocations.slice(-INVOCATION_LIMIT).map((invocation) => {
        const row: { exchangeId: string; time?: string; input: string } = {
          exchangeId: invocation.exchangeId,
          input: clip(typeof invocation.input === 'string' ? invocation.input : JSON.stringify(invocation.input ?? null, null, 2), INPUT_CAP),
        };
        if (invocation.time) row.time = invocation.time;
        return row;
      });
      await this.panel?.webview.postMessage({ type: 'invocations', agent, tool, rows } satisfies InsightsToWebview);
    } catch (error) {
      this.deps.output.error(`Insights ${agent} ${tool}: ${errorText(error)}`);
    }
  }

  protected html(webview: vscode.Webview): string {
    return webviewPageHtml(webview, this.context.extensionUri, {
      page: 'insights',
      title: vscode.l10n.t('Insights'),
      sharedStyles: ['explain'],
      body: `<nav class="tabs" role="tablist" aria-label="${vscode.l10n.t('Insights')}">
  <button type="button" role="tab" id="tab-overview" data-tab="overview" aria-controls="panel-overview">${vscode.l10n.t('Overview')}</button>
  <button type="button" role="tab" id="tab-tokens" data-tab="tokens" aria-controls="panel-tokens">${vscode.l10n.t('Tokens and cache')}</button>
  <button type="button" role="tab" id="tab-cache" data-tab="cache" aria-controls="panel-cache">${vscode.l10n.t('Cache and cost')}</button>
  <button type="button" role="tab" id="tab-tools" data-tab="tools" aria-controls="panel-tools">${vscode.l10n.t('Tools')}</button>
  <button type="button" role="tab" id="tab-graph" data-tab="graph" aria-controls="panel-graph">${vscode.l10n.t('Conversation graph')}</button>
  <span id="summary" class="summary" aria-live="polite"></span>
</nav>
<main>
  <section id="panel-overview" role="tabpanel" aria-labelledby="tab-overview"></section>
  <section id="panel-tokens" role="tabpanel" aria-labelledby="tab-tokens" hidden></section>
  <section id="panel-cache" role="tabpanel" aria-labelledby="tab-cache" hidden></section>
  <section id="panel-tools" role="tabpanel" aria-labelledby="tab-tools" hidden></section>
  <section id="panel-graph" role="tabpanel" aria-labelledby="tab-graph" hidden></section>
</main>`,
    });
  }

}
