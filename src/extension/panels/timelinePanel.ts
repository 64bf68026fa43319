// Open Timeline: one webview panel with a sequence diagram of the captured exchanges. The host composes core
// services only: a CaptureWatcher over the capture folder (active while the panel exists), analyzeConversations
// for sessions / edges / repeats, searchExchanges for the text filter, and LogIndex.readExchange for the half
// the user expands. The page gets compact rows once and then appended rows, and draws only what is in view.
import * as vscode from 'vscode';
import { ConversationAnalyzer, DEFAULT_SESSION_GAP_MS, type ConversationReport } from '../../core/analysis/conversations';
import { messagesOf, messagesText, responseTextOf, systemTextOf, toolsOf } from '../../core/analysis/recordText';
import { LogSearch } from '../../core/analysis/logSearch';
import { SearchHitBatches } from '../../core/analysis/searchHitBatches';
import { errorText } from '../../core/errorText';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import type { LogIndex } from '../../core/logIndex/logIndex';
import {
  packRows,
  parseTimelineFromWebview,
  parseTimelineState,
  TIMELINE_VIEW_TYPE,
  type DetailSection,
  type TimelineDetail,
  type TimelineFilter,
  type TimelineFromWebview,
  type TimelineHalf,
  type TimelineRow,
  type SweepFigures,
  type TimelineToWebview,
} from '../../webview/timelineProtocol';
import type { CaptureChange, CaptureViewDeps } from '../captureWatcher';
import { CommandId } from '../commandIds';
import { SECTION } from '../settings';
import { webviewPageHtml } from './webviewPage';
import { CapturePanel } from './capturePanel';
import { isRecord } from '../../core/jsonValue';
import type { ExchangeExplanation } from '../../core/analysis/explain';
import type { Explained } from '../explainSource';
import { usd } from '../../webview/explainFormat';
import { countWith, tokensOf } from '../../shared/countText';

/** What the hidden `agentInterlude.internal.timeline` command returns (tests read it). */
export interface TimelineStatus {
  open: boolean;
  /** The page said `ready` and has the row list. */
  ready: boolean;
  rows: number;
  /** Row elements the page last reported drawing. */
  rendered: number;
  sessions: number;
  /** Expanded halves the page reported drawing. */
  expanded: number;
  /** Rows passing the page's filters. */
  shown: number;
  /** From opening (or restoring) the panel to the page's first drawn rows, in ms. */
  firstPaintMs?: number;
  /** The part of that until the page had loaded and said `ready` (the workbench creating the webview). */
  pageLoadMs?: number;
  /** The host's part: the index read up to now and the rows computed. */
  computeMs?: number;
  /** The page's part: the row list laid out and drawn. */
  drawMs?: number;
  sweep?: SweepFigures;
  /**
   * The last search that ran to its end: wall time from the query to the last hits posted (`ms`), to the first
   * (`firstMs`); of it, the slowest worker's scan (`scanMs`) and this thread's time turning batches of hits into
   * the page's messages and posting them (`hostMs`, over `batches` batches).
   */
  lastSearch?: { query: string; matches: number; ms?: number; firstMs?: number; scanMs?: number; hostMs?: number; batches?: number };
  /**
   * The last searches run, oldest first: batches of hits posted to the page, and how the scan ended (`done`: it
   * read the whole log, even if a newer query had replaced it; `cancelled`: stopped by a newer query or the page
   * going). Tests check that a replaced query's scan is stopped.
   */
  searches?: Array<{ query: string; posted: number; outcome?: 'done' | 'cancelled' | 'failed' }>;
  probe?: Omit<Extract<TimelineFromWebview, { type: 'probe' }>, 'type'>;
}

/** Optional argument of the internal command: act in the page as a user would (tests). */
interface TimelineTestAction {
  search?: string;
  expand?: { id: string; half: TimelineHalf };
  filter?: TimelineFilter;
  probe?: boolean;
  /** Scroll the whole list in this many frames and report how smooth it was (the benchmark). */
  sweep?: number;
  /** Scroll the list to this offset, in pixels. */
  scroll?: number;
  /** Post the page a batch of hits for this (older) query, as one still on its way when the query changed. */
  staleHits?: { query: string; ids: string[] };
}

/** Characters of one text shown in an expanded half; the full request panel shows everything. */
const DETAIL_TEXT_CAP = 4000;
const DETAIL_MESSAGES = 12;
const SEARCH_LIMIT = 10_000;

function sessionGapSeconds(): number {
  const seconds = vscode.workspace.getConfiguration(SECTION).get<number>('sessionGapSeconds');
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_SESSION_GAP_MS / 1000;
}

export function registerTimeline(context: vscode.ExtensionContext, deps: CaptureViewDeps): void {
  const controller = new TimelineController(context, deps);
  context.subscriptions.push(
    controller,
    vscode.commands.registerCommand(CommandId.OpenTimeline, () => controller.open()),
    vscode.commands.registerCommand(CommandId.InternalTimeline, (action?: unknown) => controller.status(action)),
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => controller.restore(panel, state),
    }),
  );
}

function clip(text: string, cap = DETAIL_TEXT_CAP): string {
  return text.length > cap ? `${text.slice(0, cap)}… (${(text.length - cap).toLocaleString()} more characters)` : text;
}

/** `prefix changed: tools[4] WebSearch · 12,000 tokens missed · $0.0450`: what the break mark says. */
function breakText(explanation: ExchangeExplanation): string {
  const { cache } = explanation;
  const parts = [cache.cause.text, `${tokensOf(cache.missed)} missed`];
  if (cache.breakCost) parts.push(cache.breakCost.usd !== null ? `cost ${usd(cache.breakCost.usd)}` : 'unpriced');
  return parts.join(' · ');
}

function toRows(exchanges: readonly ExchangeSummary[], report: ConversationReport, explained: ReadonlyMap<string, ExchangeExplanation>): TimelineRow[] {
  const byId = new Map(exchanges.map((exchange) => [exchange.id, exchange]));
  const edgeTo = new Map(report.edges.map((edge) => [edge.to, edge.kind]));
  const repeated = new Set(report.repeats.flatMap((run) => run.ids));
  const rows: TimelineRow[] = [];
  for (const node of report.nodes) {
    const summary = byId.get(node.id);
    if (!summary || summary.requestTime === undefined) continue;
    const row: TimelineRow = {
      id: node.id,
      t: summary.requestTime,
      agent: summary.agent,
      method: summary.method,
      path: summary.path,
      pending: summary.pending,
      session: node.session,
      repeat: repeated.has(node.id),
    };
    if (summary.status !== undefined) row.status = summary.status;
    if (summary.error) row.error = true;
    if (summary.model) row.model = summary.model;
    if (summary.usage) row.tokens = summary.usage.input + summary.usage.output;
    if (summary.rttMs !== undefined) row.rtt = summary.rttMs;
    const edge = edgeTo.get(node.id);
    if (edge) row.edge = edge;
    if (summary.toolUses?.length) row.tools = [...new Set(summary.toolUses)];
    if (summary.secrets?.found.length) row.secrets = summary.secrets.found.length;
    const explanation = explained.get(node.id);
    if (explanation?.cache.isBreak) row.cacheBreak = breakText(explanation);
    rows.push(row);
  }
  return rows;
}

function sameRow(a: TimelineRow, b: TimelineRow): boolean {
  return (
    a.t === b.t &&
    a.status === b.status &&
    a.pending === b.pending &&
    a.error === b.error &&
    a.model === b.model &&
    a.tokens === b.tokens &&
    a.secrets === b.secrets &&
    a.rtt === b.rtt &&
    a.session === b.session &&
    a.edge === b.edge &&
    a.repeat === b.repeat &&
    a.tools?.join('\n') === b.tools?.join('\n') &&
    a.cacheBreak === b.cacheBreak
  );
}

function requestDetail(record: unknown): DetailSection[] {
  if (!record) return [{ title: vscode.l10n.t('Request'), lines: [vscode.l10n.t('The request record was not logged.')] }];
  const system = systemTextOf(record);
  const tools = toolsOf(record)
    .map((tool) => (isRecord(tool) ? (typeof tool.name === 'string' ? tool.name : isRecord(tool.function) ? String(tool.function.name) : '?') : '?'))
    .filter((name) => name !== '');
  const messages = messagesOf(record);
  const shown = messages.slice(-DETAIL_MESSAGES);
  const messageLines = shown.map((message, index) => {
    const role = isRecord(message) && typeof message.role === 'string' ? message.role : isRecord(message) && typeof message.type === 'string' ? message.type : 'item';
    const text = messagesText([message]).replace(/\s+/g, ' ').trim();
    return `#${messages.length - shown.length + index + 1} ${role}: ${clip(text, 600)}`;
  });
  if (messages.length > shown.length) messageLines.unshift(vscode.l10n.t('({0} earlier messages not shown)', messages.length - shown.length));
  return [
    { title: vscode.l10n.t('System ({0})', countWith(system?.length ?? 0, (n) => vscode.l10n.t('{0} character', n), (n) => vscode.l10n.t('{0} characters', n))), lines: [system ? clip(system) : vscode.l10n.t('none')] },
    { title: vscode.l10n.t('Tools ({0})', tools.length), lines: [tools.length ? tools.join(', ') : vscode.l10n.t('none')] },
    { title: vscode.l10n.t('Messages ({0})', messages.length), lines: messageLines.length ? messageLines : [vscode.l10n.t('none')] },
  ];
}

function responseDetail(summary: ExchangeSummary | undefined, record: unknown): DetailSection[] {
  if (!record) return [{ title: vscode.l10n.t('Response'), lines: [summary?.pending ? vscode.l10n.t('The response is still pending.') : vscode.l10n.t('The response record was not logged.')] }];
  const sections: DetailSection[] = [];
  const response = record as Record<string, unknown>;
  const reconstructed = isRecord(response.reconstructed) ? response.reconstructed : undefined;
  const text = reconstructed && typeof reconstructed.text === 'string' ? reconstructed.text : responseTextOf(record);
  sections.push({ title: vscode.l10n.t('Text'), lines: [text ? clip(text) : vscode.l10n.t('none')] });
  const toolUses = reconstructed && Array.isArray(reconstructed.tool_uses) ? reconstructed.tool_uses : [];
  sections.push({
    title: vscode.l10n.t('Tool uses ({0})', toolUses.length || summary?.toolUses?.length || 0),
    lines: toolUses.length
      ? toolUses.map((use) => (isRecord(use) ? `${String(use.name)} ${clip(typeof use.input === 'string' ? use.input : JSON.stringify(use.input ?? null), 600)}` : '?'))
      : summary?.toolUses?.length
        ? [summary.toolUses.join(', ')]
        : [vscode.l10n.t('none')],
  });
  const usage = summary?.usage;
  sections.push({
    title: vscode.l10n.t('Usage'),
    lines: [
      usage
        ? vscode.l10n.t('in {0} · out {1} · cache read {2} · cache write {3}', usage.input.toLocaleString(), usage.output.toLocaleString(), usage.cacheRead.toLocaleString(), usage.cacheCreation.toLocaleString())
        : vscode.l10n.t('not reported'),
      `${vscode.l10n.t('status {0}', String(response.status ?? '—'))}${summary?.stopReason ? vscode.l10n.t(' · stop {0}', summary.stopReason) : ''}${summary?.rttMs !== undefined ? vscode.l10n.t(' · round trip {0} ms', summary.rttMs) : ''}`,
    ],
  });
  const events = isRecord(response.event_types) ? Object.entries(response.event_types) : [];
  sections.push({ title: vscode.l10n.t('Event types'), lines: events.length ? events.map(([name, n]) => `${name} × ${String(n)}`) : [response.stream ? vscode.l10n.t('none') : vscode.l10n.t('not streamed')] });
  if (typeof response.error === 'string') sections.push({ title: vscode.l10n.t('Error'), lines: [clip(response.error)] });
  return sections;
}

/** Rows sent ahead of the whole list on a page's first load: a few screens of 46 px rows. */
const FIRST_ROWS = 120;

class TimelineController extends CapturePanel {
  private rows: TimelineRow[] = [];
  /** The explanation the rows' break marks come from. */
  private rowsExplained?: Explained;
  private sessions = 0;
  private gapSeconds = sessionGapSeconds();
  private rendered = 0;
  private expanded = 0;
  private shown = 0;
  private openedAt = 0;
  private firstPaintMs?: number;
  private pageLoadMs?: number;
  private computeMs?: number;
  private drawMs?: number;
  private sweep?: SweepFigures;
  private lastSearch?: TimelineStatus['lastSearch'];
  private searches: NonNullable<TimelineStatus['searches']> = [];
  private readonly logSearch = new LogSearch();
  private probe?: TimelineStatus['probe'];
  private searchSerial = 0;

  constructor(context: vscode.ExtensionContext, deps: CaptureViewDeps) {
    super(context, deps, TIMELINE_VIEW_TYPE, vscode.l10n.t('Timeline'));
  }

  async status(action?: unknown): Promise<TimelineStatus> {
    if (isRecord(action) && this.panel && this.pageReady) {
      const test = action as TimelineTestAction;
      const message: TimelineToWebview = { type: 'test' };
      if (typeof test.search === 'string') message.search = test.search;
      if (isRecord(test.expand) && typeof test.expand.id === 'string') message.expand = { id: test.expand.id, half: test.expand.half === 'response' ? 'response' : 'request' };
      if (isRecord(test.filter)) message.filter = test.filter;
      if (typeof test.scroll === 'number') message.scroll = test.scroll;
      if (typeof test.sweep === 'number') {
        message.sweep = test.sweep;
        this.sweep = undefined;
      }
      if (test.probe === true) {
        message.probe = true;
        this.probe = undefined;
      }
      const stale = test.staleHits;
      if (isRecord(stale) && typeof stale.query === 'string' && Array.isArray(stale.ids)) {
        const ids = stale.ids.filter((id): id is string => typeof id === 'string');
        const snippets = Object.fromEntries(ids.map((id) => [id, [{ source: 'messages', before: '', match: stale.query, after: '' }]]));
        await this.panel.webview.postMessage({ type: 'searchHits', query: stale.query, ids, snippets, matched: ids.length, done: false, truncated: false, first: false } satisfies TimelineToWebview);
      }
      await this.panel.webview.postMessage(message);
    }
    const status: TimelineStatus = {
      open: this.panel !== undefined,
      ready: this.panel !== undefined && this.pageReady,
      rows: this.rows.length,
      rendered: this.rendered,
      sessions: this.sessions,
      expanded: this.expanded,
      shown: this.shown,
    };
    if (this.firstPaintMs !== undefined) status.firstPaintMs = this.firstPaintMs;
    if (this.pageLoadMs !== undefined) status.pageLoadMs = this.pageLoadMs;
    if (this.computeMs !== undefined) status.computeMs = this.computeMs;
    if (this.drawMs !== undefined) status.drawMs = this.drawMs;
    if (this.sweep) status.sweep = this.sweep;
    if (this.lastSearch) status.lastSearch = this.lastSearch;
    if (this.searches.length > 0) status.searches = this.searches.map((entry) => ({ ...entry }));
    if (this.probe) status.probe = this.probe;
    return status;
  }

  async open(): Promise<TimelineStatus> {
    this.openPanel();
    return this.status();
  }

  protected override adopted(state: unknown): void {
    const restored = parseTimelineState(state);
    if (restored.gapSeconds !== undefined) this.gapSeconds = restored.gapSeconds;
    this.openedAt = Date.now();
    this.firstPaintMs = undefined;
    this.pageLoadMs = this.computeMs = this.drawMs = undefined;
  }

  protected pageGone(): void {
    // A hidden or closed page needs no more hits (a shown page asks again for its query).
    this.searchSerial++;
    // Its idle workers too: they are started again when a page is ready.
    this.logSearch.dispose();
    this.rendered = this.expanded = this.shown = 0;
  }

  protected async receive(raw: unknown): Promise<void> {
    const message = parseTimelineFromWebview(raw);
    if (!message) return;
    switch (message.type) {
      case 'ready': {
        this.pageLoadMs ??= Date.now() - this.openedAt;
        const started = Date.now();
        await this.watcher.currentIndex();
        this.recompute();
        this.computeMs ??= Date.now() - started;
        await this.postRows(true);
        this.pageReady = true;
        // The search's workers start now, so the first query does not wait for them.
        void this.logSearch.warm();
        void this.followBreaks();
        return;
      }
      case 'drawn':
        this.drawMs ??= message.ms;
        return;
      case 'rendered':
        this.rendered = message.count;
        this.expanded = message.expanded;
        this.shown = message.shown;
        if (this.firstPaintMs === undefined && message.count > 0) this.firstPaintMs = Date.now() - this.openedAt;
        return;
      case 'setGap':
        this.gapSeconds = message.seconds;
        this.recompute();
        await this.postRows();
        void this.followBreaks();
        return;
      case 'search':
        await this.search(message.query);
        return;
      case 'expand':
        await this.expand(message.id, message.half);
        return;
      case 'openRequest':
        await vscode.commands.executeCommand(CommandId.OpenRequest, { id: message.id });
        return;
      case 'sweep': {
        const { type: _type, ...figures } = message;
        this.sweep = figures;
        return;
      }
      case 'probe':
        this.probe = (({ type: _type, ...probe }) => probe)(message);
        return;
    }
  }

  private conversations?: { index: unknown; gap: number; fold: ConversationAnalyzer };

  private recompute(): TimelineRow[] {
    const index = this.watcher.current;
    const exchanges = index ? index.exchanges() : [];
    // One fold per index and gap: a grown log folds only its new exchanges.
    const gap = this.gapSeconds * 1000;
    const kept = this.conversations;
    const fold = kept && kept.index === index && kept.gap === gap ? kept.fold : new ConversationAnalyzer({ sessionGapMs: gap });
    this.conversations = { index, gap, fold };
    const report = fold.update(exchanges);
    this.sessions = report.sessions.length;
    const previous = this.rows;
    // The break marks: the window's shared explanation as last computed (followBreaks brings the newer one).
    const explained = this.deps.explain.latest();
    this.rowsExplained = explained;
    this.rows = toRows(exchanges, report, explained?.byId ?? new Map());
    return previous;
  }

  /**
   * Rows are drawn at once with the explanation last computed; the newer one is computed once no exchange relays,
   * and the rows whose break mark it changes are sent again.
   */
  private async followBreaks(): Promise<void> {
    const explained = await this.deps.explain.settled();
    if (explained === this.rowsExplained || !this.panel || !this.pageReady) return;
    await this.capturesChanged({ dir: this.watcher.directory ?? '', reset: false });
  }

  /**
   * The row list to the page. On its first load (`ahead`), a long list goes in two messages: the first screens
   * (FIRST_ROWS rows), which the page draws at once, then the whole list: carrying 7 611 rows to the page was
   * most of our share of a first paint.
   */
  private async postRows(ahead = false): Promise<void> {
    const common = { gapSeconds: this.gapSeconds, sessions: this.sessions };
    if (ahead && this.rows.length > FIRST_ROWS) {
      await this.panel?.webview.postMessage({ type: 'rows', rows: packRows(this.rows.slice(0, FIRST_ROWS)), ...common, partial: true } satisfies TimelineToWebview);
    }
    await this.panel?.webview.postMessage({ type: 'rows', rows: packRows(this.rows), ...common } satisfies TimelineToWebview);
  }

  /** New captures: the page gets only appended and changed rows when the order held, so it keeps its place. */
  protected async capturesChanged({ reset }: CaptureChange): Promise<void> {
    if (!this.panel) return;
    const previous = this.recompute();
    if (!this.pageReady) return;
    let prefix = !reset && previous.length <= this.rows.length;
    const updated: TimelineRow[] = [];
    for (let at = 0; prefix && at < previous.length; at++) {
      if (previous[at].id !== this.rows[at].id) prefix = false;
      else if (!sameRow(previous[at], this.rows[at])) updated.push(this.rows[at]);
    }
    if (!prefix) {
      await this.postRows();
      void this.followBreaks();
      return;
    }
    const appended = this.rows.slice(previous.length);
    if (appended.length > 0 || updated.length > 0) {
      await this.panel.webview.postMessage({ type: 'append', rows: appended, updated, sessions: this.sessions } satisfies TimelineToWebview);
    }
    void this.followBreaks();
  }

  /**
   * Text search by the byte-scanning worker (core/analysis/logSearch): hits go to the page as they are found, and
   * a newer query (or the panel closing) cancels the scan.
   */
  private async search(query: string): Promise<void> {
    const serial = ++this.searchSerial;
    const index = this.watcher.current;
    const trimmed = query.trim();
    const post = (message: Omit<Extract<TimelineToWebview, { type: 'searchHits' }>, 'type' | 'query'>): Thenable<boolean> | undefined =>
      this.panel?.webview.postMessage({ type: 'searchHits', query, ...message } satisfies TimelineToWebview);
    if (!index || trimmed === '') {
      this.logSearch.cancel();
      this.lastSearch = { query: trimmed, matches: 0 };
      await post({ ids: [], snippets: {}, matched: 0, done: true, truncated: false, first: true });
      return;
    }
    const started = Date.now();
    let first = true;
    let firstMs: number | undefined;
    const files = index.files().map((file) => ({ path: file.path, size: file.size }));
    const batches = new SearchHitBatches(SEARCH_LIMIT);
    const record: NonNullable<TimelineStatus['searches']>[number] = { query: trimmed, posted: 0 };
    this.searches = [...this.searches.slice(-9), record];
    let finished = false;
    let hostMs = 0;
    try {
      await this.logSearch.run({ query: trimmed, files }, (progress) => {
        if (progress.done) finished = true;
        if (serial !== this.searchSerial) return;
        const batchStarted = performance.now();
        const { ids, snippets } = batches.take(progress.hits);
        if (firstMs === undefined && ids.length > 0) firstMs = Date.now() - started;
        record.posted++;
        void post({ ids, snippets, matched: progress.matched, done: progress.done, truncated: progress.matched > SEARCH_LIMIT, first });
        first = false;
        hostMs += performance.now() - batchStarted;
        if (progress.done) {
          this.lastSearch = {
            query: trimmed,
            matches: progress.matched,
            ms: Date.now() - started,
            ...(firstMs !== undefined ? { firstMs } : {}),
            ...(progress.ms !== undefined ? { scanMs: progress.ms } : {}),
            hostMs: Math.round(hostMs),
            batches: record.posted,
          };
        }
      });
      record.outcome = finished ? 'done' : 'cancelled';
    } catch (error) {
      record.outcome = 'failed';
      this.deps.output.error(`Timeline search: ${errorText(error)}`);
      if (serial === this.searchSerial) await post({ ids: [], snippets: {}, matched: 0, done: true, truncated: false, first });
    }
  }

  private async expand(id: string, half: TimelineHalf): Promise<void> {
    const index: LogIndex | undefined = this.watcher.current;
    let detail: TimelineDetail;
    try {
      const records = index ? await index.readExchange(id) : undefined;
      if (!records) detail = { id, half, sections: [{ title: vscode.l10n.t('Missing'), lines: [vscode.l10n.t('No exchange {0} in the capture folder.', id)] }] };
      else if (half === 'request') detail = { id, half, sections: requestDetail(records.request) };
      else detail = { id, half, sections: responseDetail(records.summary, records.response) };
    } catch (error) {
      this.deps.output.error(`Timeline ${id}: ${errorText(error)}`);
      detail = { id, half, sections: [{ title: vscode.l10n.t('Error'), lines: [errorText(error)] }] };
    }
    await this.panel?.webview.postMessage({ type: 'detail', detail } satisfies TimelineToWebview);
  }

  protected html(webview: vscode.Webview): string {
    return webviewPageHtml(webview, this.context.extensionUri, {
      page: 'timeline',
      title: vscode.l10n.t('Timeline'),
      sharedStyles: ['explain'],
      body: `<header class="toolbar" role="toolbar" aria-label="${vscode.l10n.t('Timeline filters')}">
  <label>${vscode.l10n.t('Agent')} <select id="agent"><option value="">${vscode.l10n.t('All agents')}</option></select></label>
  <label>${vscode.l10n.t('Tool invoked')} <select id="tool"><option value="">${vscode.l10n.t('Any or none')}</option></select></label>
  <label>${vscode.l10n.t('Search')} <input id="query" type="search" placeholder="${vscode.l10n.t('Text in prompts and responses')}" spellcheck="false"></label>
  <label><input id="repeats" type="checkbox"> ${vscode.l10n.t('Repeats only')}</label>
  <span class="range" role="group" aria-label="${vscode.l10n.t('Time range')}">
    <label>${vscode.l10n.t('From')} <input id="from" type="datetime-local" step="1"></label>
    <label>${vscode.l10n.t('to')} <input id="to" type="datetime-local" step="1"></label>
    <button id="clear-range" type="button" title="${vscode.l10n.t('Show every time')}">${vscode.l10n.t('All times')}</button>
  </span>
  <label>${vscode.l10n.t('Session gap (s)')} <input id="gap" type="number" min="0" step="1" value="${String(Math.round(this.gapSeconds))}"></label>
  <span id="summary" class="summary" aria-live="polite"></span>
</header>
<div id="density" class="density" role="group" aria-label="${vscode.l10n.t('Exchanges per hour: choose an hour to show only it')}"></div>
<div class="lanes" aria-hidden="true"><span>${vscode.l10n.t('Agent')}</span><span>${vscode.l10n.t('API')}</span></div>
<div id="viewport" class="viewport" tabindex="0" role="list" aria-label="${vscode.l10n.t('Exchanges (arrow keys move, Enter expands, O opens the request)')}"><div id="spacer" class="spacer"></div></div>`,
    });
  }

}
