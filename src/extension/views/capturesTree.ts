// The Captures tree: sessions (grouped by analyzeConversations with the session-gap setting) → exchanges.
// Fast with thousands of exchanges: the grouping is recomputed only after the index changed and only when
// the view asks, and tree items are built only for the rows VS Code requests (one session's children at a
// time). Captured strings are hostile input: they go into labels and tooltips as text, never as markup.
import { exchangesText } from '../../shared/countText';
import { markBidiControls } from '../../shared/bidiText';
import * as vscode from 'vscode';
import { ConversationAnalyzer, DEFAULT_SESSION_GAP_MS } from '../../core/analysis/conversations';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import type { LogIndex } from '../../core/logIndex/logIndex';
import type { CaptureWatcher } from '../captureWatcher';
import { cacheHitRate, exchangeCost } from '../../core/analysis/explain';
import { DEFAULT_PRICING, type PricingTable } from '../../core/analysis/pricing';
import { costParts, costText, percent, tokenCount } from '../../webview/explainFormat';
import { exchangeDescription, exchangeLabel, exchangeOutcome, sessionLabel, type Outcome } from './captureLabels';

export const CAPTURES_VIEW_ID = 'agentInterlude.captures';
export const HAS_CAPTURES_CONTEXT_KEY = 'agentInterlude.hasCaptures';
export const EXCHANGE_CONTEXT_VALUE = 'agentInterlude.exchange';
/** Registered by the request panel; a click passes `{ id }`. */
const OPEN_REQUEST_COMMAND = 'agentInterlude.openRequest';

export interface SessionNode {
  kind: 'session';
  /** Stable across refreshes: the id of the session's first exchange. */
  key: string;
  label: string;
  ids: string[];
  agents: string[];
  start?: number;
  end?: number;
}

export interface ExchangeNode {
  kind: 'exchange';
  /** The exchange id: what Open Request, Copy ID and Reveal in Log take. */
  id: string;
  session: string;
}

export type CapturesNode = SessionNode | ExchangeNode;

/** The tree as plain data (the hidden `agentInterlude.internal.capturesTree` command; tests read it). */
export interface CapturesTreeSnapshot {
  dir?: string;
  /** The value last given to the `agentInterlude.hasCaptures` context key. */
  hasCaptures: boolean;
  sessions: Array<{
    label: string;
    exchanges: Array<{ id: string; label: string; icon: string; color?: string; outcome: Outcome; contextValue: string; description?: string; tooltip: string }>;
  }>;
}

const AGENT_ICONS: Record<string, string> = { claude: 'sparkle', codex: 'terminal' };
const OUTCOME_COLORS: Record<Outcome, string | undefined> = {
  ok: 'testing.iconPassed',
  error: 'testing.iconFailed',
  partial: 'editorWarning.foreground',
  pending: undefined,
};

export class CapturesTreeProvider implements vscode.TreeDataProvider<CapturesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<CapturesNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private sessions: SessionNode[] | undefined;
  private readonly sessionByKey = new Map<string, SessionNode>();
  private readonly disposables: vscode.Disposable[] = [];
  private hasCaptures: boolean | undefined;

  constructor(
    private readonly watcher: CaptureWatcher,
    private sessionGapMs: number = DEFAULT_SESSION_GAP_MS,
    /** The pricing table for the tooltips' cost (the shipped one with the user's override). */
    private readonly pricing: () => PricingTable = () => DEFAULT_PRICING,
  ) {
    this.disposables.push(
      this.changed,
      watcher.onDidChange(() => this.invalidate()),
    );
    void this.updateContext();
  }

  setSessionGap(ms: number): void {
    if (ms === this.sessionGapMs) return;
    this.sessionGapMs = ms;
    this.invalidate();
  }

  private get index(): LogIndex | undefined {
    return this.watcher.current;
  }

  private invalidate(): void {
    this.sessions = undefined;
    this.changed.fire();
    void this.updateContext();
  }

  private async updateContext(): Promise<void> {
    const has = (this.index?.exchanges().length ?? 0) > 0;
    if (has === this.hasCaptures) return;
    this.hasCaptures = has;
    await vscode.commands.executeCommand('setContext', HAS_CAPTURES_CONTEXT_KEY, has);
  }

  private conversations?: { index: unknown; gap: number; fold: ConversationAnalyzer };

  /** Sessions newest first; each lists its exchange ids in request order. */
  model(): SessionNode[] {
    if (this.sessions) return this.sessions;
    const index = this.index;
    const exchanges = index?.exchanges() ?? [];
    // One fold per index and gap: a grown log folds only its new exchanges.
    const kept = this.conversations;
    const fold = kept && kept.index === index && kept.gap === this.sessionGapMs ? kept.fold : new ConversationAnalyzer({ sessionGapMs: this.sessionGapMs });
    this.conversations = { index, gap: this.sessionGapMs, fold };
    const report = fold.update(exchanges);
    const groups: SessionNode[] = report.sessions.map((session) => ({
      kind: 'session',
      key: '',
      label: '',
      ids: [],
      agents: session.agents,
      start: Date.parse(session.start),
      end: Date.parse(session.end),
    }));
    for (const node of report.nodes) groups[node.session]?.ids.push(node.id);
    // A response whose request was never logged has no time to place it by: one group of its own.
    const unplaced = exchanges.filter((exchange) => exchange.requestTime === undefined);
    if (unplaced.length > 0) {
      groups.push({
        kind: 'session',
        key: '',
        label: '',
        ids: unplaced.map((exchange) => exchange.id),
        agents: [...new Set(unplaced.map((exchange) => exchange.agent))],
      });
    }
    this.sessionByKey.clear();
    for (const group of groups) {
      group.key = `session:${group.ids[0] ?? ''}`;
      group.label = sessionLabel(group.start, group.agents, group.ids.length);
      this.sessionByKey.set(group.key, group);
    }
    const placed = groups.filter((group) => group.start !== undefined).reverse();
    this.sessions = [...placed, ...groups.filter((group) => group.start === undefined)];
    return this.sessions;
  }

  getChildren(element?: CapturesNode): CapturesNode[] {
    if (!element) return this.model();
    if (element.kind === 'exchange') return [];
    const session = this.sessionByKey.get(element.key) ?? element;
    return session.ids.map((id) => ({ kind: 'exchange', id, session: session.key }));
  }

  getParent(element: CapturesNode): CapturesNode | undefined {
    if (element.kind === 'session') return undefined;
    this.model();
    return this.sessionByKey.get(element.session);
  }

  getTreeItem(element: CapturesNode): vscode.TreeItem {
    if (element.kind === 'session') {
      const newest = this.model()[0]?.key === element.key;
      const item = new vscode.TreeItem(
        element.label,
        newest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = element.key;
      item.iconPath = new vscode.ThemeIcon('history');
      item.contextValue = 'agentInterlude.session';
      item.tooltip = sessionTooltip(element);
      return item;
    }
    const summary = this.index?.get(element.id);
    if (!summary) return new vscode.TreeItem(element.id);
    const outcome = exchangeOutcome(summary);
    const item = new vscode.TreeItem(exchangeLabel(summary), vscode.TreeItemCollapsibleState.None);
    item.id = `exchange:${element.id}`;
    item.iconPath = exchangeIcon(summary.agent, outcome);
    item.contextValue = EXCHANGE_CONTEXT_VALUE;
    item.tooltip = exchangeTooltip(summary, outcome, this.pricing());
    item.description = exchangeDescription(summary);
    item.accessibilityInformation = { label: `${exchangeLabel(summary)}, ${item.description}, ${summary.agent}, ${outcome}` };
    item.command = { command: OPEN_REQUEST_COMMAND, title: vscode.l10n.t('Open Request'), arguments: [{ id: element.id }] };
    return item;
  }

  snapshot(): CapturesTreeSnapshot {
    return {
      dir: this.watcher.directory,
      hasCaptures: this.hasCaptures === true,
      sessions: this.model().map((session) => ({
        label: session.label,
        exchanges: this.getChildren(session).map((node) => {
          const item = this.getTreeItem(node);
          // An exchange whose summary is gone (a log rewritten under us) has a bare item without an icon.
          const icon = item.iconPath as vscode.ThemeIcon | undefined;
          return {
            id: (node as ExchangeNode).id,
            label: String(item.label),
            icon: icon?.id ?? '',
            color: icon?.color?.id,
            outcome: exchangeOutcome(this.index?.get((node as ExchangeNode).id) ?? { pending: true }),
            contextValue: item.contextValue ?? '',
            description: typeof item.description === 'string' ? item.description : undefined,
            tooltip: item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? ''),
          };
        }),
      })),
    };
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** Shape = agent, color = outcome; a streaming exchange spins. */
function exchangeIcon(agent: string, outcome: Outcome): vscode.ThemeIcon {
  if (outcome === 'pending') return new vscode.ThemeIcon('loading~spin');
  const color = OUTCOME_COLORS[outcome];
  const shape = outcome === 'error' && !AGENT_ICONS[agent] ? 'error' : (AGENT_ICONS[agent] ?? 'hubot');
  return new vscode.ThemeIcon(shape, color ? new vscode.ThemeColor(color) : undefined);
}

function sessionTooltip(session: SessionNode): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  tooltip.isTrusted = false;
  tooltip.supportHtml = false;
  if (session.start !== undefined) {
    tooltip.appendText(`${new Date(session.start).toLocaleString()} – ${new Date(session.end ?? session.start).toLocaleTimeString()}\n\n`);
  } else {
    tooltip.appendText(`${vscode.l10n.t('Responses whose request is not in the log')}\n\n`);
  }
  tooltip.appendText(`${exchangesText(session.ids.length)} · ${markBidiControls(session.agents.join(', '))}`);
  return tooltip;
}

/** `$0.0123 (input $0.01 · output $0.002)`, or `unpriced (why)`. */
function costRow(summary: ExchangeSummary, pricing: PricingTable): string | undefined {
  if (!summary.usage) return undefined;
  const cost = exchangeCost(summary, pricing);
  const parts = costParts(cost);
  return `${costText(cost)}${parts ? ` (${parts})` : ''}`;
}

/** `64% (read 9,000 of 14,000 input tokens; written 1,200)`: read / (uncached + read + written). */
function cacheHitRow(summary: ExchangeSummary): string | undefined {
  const usage = summary.usage;
  if (!usage) return undefined;
  const input = usage.input + usage.cacheRead + usage.cacheCreation;
  return vscode.l10n.t('{0} (read {1} of {2} input tokens; written {3})', percent(cacheHitRate(usage)), tokenCount(usage.cacheRead), tokenCount(input), tokenCount(usage.cacheCreation));
}

function exchangeTooltip(summary: ExchangeSummary, outcome: Outcome, pricing: PricingTable): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  tooltip.isTrusted = false;
  tooltip.supportHtml = false;
  const rows: Array<[string, string | number | undefined]> = [
    [vscode.l10n.t('Request'), `${summary.method} ${summary.path}`],
    [vscode.l10n.t('Agent'), `${summary.agent} (${summary.wire})`],
    [vscode.l10n.t('Model'), summary.model],
    [vscode.l10n.t('Outcome'), summary.status !== undefined ? `${outcome} (HTTP ${summary.status})` : outcome],
    [vscode.l10n.t('Error'), summary.error],
    [vscode.l10n.t('Sent'), summary.requestTime !== undefined ? new Date(summary.requestTime).toLocaleString() : undefined],
    [vscode.l10n.t('Round trip'), summary.rttMs !== undefined ? `${Math.round(summary.rttMs)} ms` : undefined],
    [vscode.l10n.t('First byte'), summary.ttfbMs !== undefined ? `${Math.round(summary.ttfbMs)} ms` : undefined],
    [
      vscode.l10n.t('Tokens'),
      summary.usage
        ? vscode.l10n.t('{0} in, {1} out, {2} cache read, {3} cache write', summary.usage.input, summary.usage.output, summary.usage.cacheRead, summary.usage.cacheCreation)
        : undefined,
    ],
    [vscode.l10n.t('Cache hit'), cacheHitRow(summary)],
    [vscode.l10n.t('Cost'), costRow(summary, pricing)],
    [vscode.l10n.t('Stop reason'), summary.stopReason],
    [vscode.l10n.t('Messages'), summary.messages?.count],
    [vscode.l10n.t('Tools offered'), summary.tools?.count],
    [vscode.l10n.t('Tools used'), summary.toolUses?.length ? summary.toolUses.join(', ') : undefined],
    [vscode.l10n.t('Secrets'), summary.secrets?.found.length ? `${summary.secrets.found.map((secret) => secret.kind).join(', ')}${summary.secrets.masked ? vscode.l10n.t(' (masked in the log)') : vscode.l10n.t(' (the log holds them)')}` : undefined],
    ['ID', summary.id],
  ];
  for (const [name, value] of rows) {
    if (value === undefined || value === '') continue;
    tooltip.appendMarkdown(`**${name}:** `);
    tooltip.appendText(markBidiControls(String(value)));
    tooltip.appendMarkdown('  \n');
  }
  return tooltip;
}
