// The request panel: one webview panel, reused, that shows a captured exchange (Open Request). The page gets
// the records as data and renders every captured string as text (src/webview/request/main.ts); this side
// reads them through a LogIndex over the capture folder and owns the panel's lifecycle and restore.
import { extractOf } from '../../core/analysis/recordText';
import type { Extracted } from '../../core/records';
import { secretLocations } from '../../core/secrets/secretLocations';
import { createReadStream } from 'node:fs';
import * as vscode from 'vscode';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import type { LogIndex } from '../../core/logIndex/logIndex';
import {
  parseFromWebview,
  parsePanelState,
  REQUEST_VIEW_TYPE,
  type ExchangeView,
  type ExplainRendered,
  type ToWebview,
} from '../../webview/protocol';
import { exchangeCost } from '../../core/analysis/explain';
import { isRecord } from '../../core/jsonValue';
import { CommandId } from '../commandIds';
import type { CaptureChange, CaptureViewDeps } from '../captureWatcher';
import { CapturePanel } from './capturePanel';
import { readSettings, resolveCaptureDir } from '../settings';
import { webviewPageHtml } from './webviewPage';


/** What the hidden `agentInterlude.internal.requestPanel` command returns (tests read it). */
export interface RequestPanelStatus {
  open: boolean;
  id?: string;
  /** The page said `ready` and the host has posted the exchange `id` to it. */
  ready: boolean;
  title?: string;
  /** Whether the exchange last posted to the page was still streaming (the page updates when it ends). */
  pending?: boolean;
  /** The Secrets section's rows posted with the exchange (kind, where, masked value). */
  secrets?: Array<{ kind: string; where: string; masked: string }>;
  /** What the page last drew in its Cache, Context and Cost sections. */
  explain?: ExplainRendered;
}

const QUICK_PICK_LIMIT = 200;

export function registerRequestPanel(context: vscode.ExtensionContext, deps: CaptureViewDeps): void {
  const panels = new RequestPanelController(context, deps, () => captureDir(context, deps));
  context.subscriptions.push(
    panels,
    vscode.commands.registerCommand(CommandId.OpenRequest, (arg?: unknown) => panels.openRequest(arg)),
    vscode.commands.registerCommand(CommandId.InternalRequestPanel, (action?: unknown) => panels.status(action)),
    vscode.window.registerWebviewPanelSerializer(REQUEST_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => panels.restore(panel, state),
    }),
  );
}

function captureDir(context: vscode.ExtensionContext, deps: CaptureViewDeps): string {
  return deps.service.running?.captureDir ?? resolveCaptureDir(readSettings(), context.globalStorageUri).dir;
}

/** `{ id }` (the Captures tree, tests), a plain id string, or nothing (then a quick pick). */
function idFromArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg.length > 0) return arg;
  if (typeof arg === 'object' && arg !== null) {
    const { id, exchangeId } = arg as { id?: unknown; exchangeId?: unknown };
    if (typeof exchangeId === 'string' && exchangeId.length > 0) return exchangeId;
    if (typeof id === 'string' && id.length > 0) return id;
  }
  return undefined;
}

export function exchangeLabel(summary: ExchangeSummary): string {
  const status = summary.pending ? 'pending' : summary.status !== undefined ? String(summary.status) : summary.error ? 'error' : '—';
  return [`${summary.method} ${summary.path}`, summary.model ?? 'no model', status].join(' · ');
}

function panelTitle(summary: ExchangeSummary | undefined, id: string): string {
  return summary ? vscode.l10n.t('Request: {0} {1}', summary.method, summary.path) : vscode.l10n.t('Request {0}', id);
}

class RequestPanelController extends CapturePanel {
  private currentId?: string;
  private postedId?: string;
  private postedPending?: boolean;
  private postedSecrets?: RequestPanelStatus['secrets'];
  private rendered?: ExplainRendered;

  constructor(
    context: vscode.ExtensionContext,
    deps: CaptureViewDeps,
    private readonly captureDir: () => string,
  ) {
    super(context, deps, REQUEST_VIEW_TYPE, vscode.l10n.t('Request'));
  }

  /** Tests may pass `{ clickSegment: true }`: the page clicks the changed segment's link as a user would. */
  async status(action?: unknown): Promise<RequestPanelStatus> {
    if (isRecord(action) && action.clickSegment === true && this.panel && this.pageReady) {
      await this.panel.webview.postMessage({ type: 'test', clickSegment: true } satisfies ToWebview);
    }
    return {
      open: this.panel !== undefined,
      id: this.currentId,
      ready: this.panel !== undefined && this.pageReady && this.postedId !== undefined && this.postedId === this.currentId,
      title: this.panel?.title,
      ...(this.postedPending !== undefined ? { pending: this.postedPending } : {}),
      ...(this.postedSecrets ? { secrets: this.postedSecrets } : {}),
      ...(this.rendered && this.rendered.id === this.currentId ? { explain: this.rendered } : {}),
    };
  }

  async openRequest(arg?: unknown): Promise<RequestPanelStatus> {
    let id = idFromArgument(arg);
    if (id === undefined) {
      id = await this.pick();
      if (id === undefined) return this.status();
    }
    this.openPanel();
    await this.show(id);
    return this.status();
  }

  override async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    // A restored panel whose page never saved which exchange it showed (the window closed while it loaded) would
    // say "Loading…" forever: close it. A second restored one is closed by the base.
    const id = parsePanelState(state)?.id;
    if (id === undefined) {
      panel.dispose();
      return;
    }
    await super.restore(panel, state);
    if (this.panel === panel) await this.show(id);
  }

  /** The exchange shown was still streaming, or its response record had not landed: show it again once it has. */
  protected async capturesChanged(change: CaptureChange): Promise<void> {
    const id = this.currentId;
    if (!id || !this.pageReady || this.postedId !== id) return;
    if (change.reset || change.delta?.updated.includes(id) || change.delta?.added.includes(id)) await this.post(id);
  }

  protected override adopted(): void {
    this.postedId = undefined;
  }

  protected pageGone(): void {
    this.postedId = undefined;
    this.rendered = undefined;
    if (this.panel) return;
    // Closed, not just hidden.
    this.currentId = undefined;
    this.postedPending = undefined;
  }

  protected async receive(raw: unknown): Promise<void> {
    const message = parseFromWebview(raw);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        this.pageReady = true;
        this.postedId = undefined;
        if (this.currentId !== undefined) await this.post(this.currentId);
        return;
      case 'openLog':
        await this.openLog(message.id, message.record);
        return;
      case 'rendered': {
        const { type: _type, ...rendered } = message;
        this.rendered = rendered;
        return;
      }
      case 'openSegment':
        await this.openSegment(message.id);
        return;
    }
  }

  private async show(id: string): Promise<void> {
    this.currentId = id;
    this.postedId = undefined;
    const summary = await this.summary(id);
    if (this.panel && this.currentId === id) this.panel.title = panelTitle(summary, id);
    if (this.pageReady) await this.post(id);
  }

  /**
   * Posts the exchange with the explanation last computed; when newer captures are not explained yet, explains
   * them once no exchange relays and posts it again (the page keeps its open sections and scroll).
   */
  private async post(id: string): Promise<void> {
    await this.deliver(id);
    if (!this.deps.explain.fresh) void this.followExplanation(id);
  }

  private async followExplanation(id: string): Promise<void> {
    await this.deps.explain.settled();
    if (this.currentId === id && this.postedId === id) await this.deliver(id);
  }

  private async deliver(id: string): Promise<void> {
    const message = await this.load(id);
    const panel = this.panel;
    // Another request may have been opened while this one was read.
    if (!panel || this.currentId !== id || !this.pageReady) return;
    if (message.type === 'show') panel.title = panelTitle(message.exchange.summary, id);
    const delivered = await panel.webview.postMessage(message);
    if (delivered && this.currentId === id) {
      this.postedId = id;
      this.postedPending = message.type === 'show' ? message.exchange.summary.pending : undefined;
      this.postedSecrets = message.type === 'show' ? message.exchange.secrets?.map(({ kind, where, masked }) => ({ kind, where, masked })) : undefined;
    }
  }

  private async load(id: string): Promise<ToWebview> {
    try {
      const index = await this.openIndex();
      let records = await index.readExchange(id);
      if (!records) {
        await index.refresh();
        records = await index.readExchange(id);
      }
      if (!records) return { type: 'missing', id, reason: vscode.l10n.t('No exchange {0} in {1}.', id, this.captureDir()) };
      const exchange: ExchangeView = { summary: records.summary };
      if (records.request) {
        exchange.request = records.request;
        if (records.request.kind === 'request' && records.request.schema === undefined) exchange.extract = extractOf(records.request) as unknown as Extracted;
      }
      if (records.response) exchange.response = records.response;
      if (records.summary.secrets?.found.length) {
        exchange.secrets = [...secretLocations(records.request, 'request'), ...secretLocations(records.response, 'response')];
      }
      this.explain(exchange);
      return { type: 'show', exchange };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.output.error(`Open Request ${id}: ${reason}`);
      return { type: 'missing', id, reason };
    }
  }

  /** The exchange's cache, context and cost explanation; without one, its cost from its own usage. */
  private explain(exchange: ExchangeView): void {
    const explained = this.deps.explain.latest();
    const pricing = explained?.pricing ?? this.deps.explain.pricing();
    exchange.pricingDate = pricing.date;
    const explanation = explained?.byId.get(exchange.summary.id);
    if (explanation) {
      exchange.explanation = explanation;
      return;
    }
    exchange.cost = exchangeCost(exchange.summary, pricing);
    if (explained?.error) exchange.explainError = explained.error;
  }

  /**
   * The diff that shows what broke the cache: the skeleton diff of the system prompt family at the changed
   * slot (this exchange's prompt as the sample), else this request against the one it was compared with.
   */
  private async openSegment(id: string): Promise<void> {
    const explanation = (await this.deps.explain.settled()).byId.get(id);
    const slot = explanation?.cache.segment?.slot;
    if (explanation && slot?.source === 'system') {
      await vscode.commands.executeCommand(CommandId.ShowSkeletonDiff, { agent: slot.agent, family: slot.family, sampleId: id });
      return;
    }
    const previous = explanation?.cache.previousId;
    if (previous) await vscode.commands.executeCommand(CommandId.CompareRequests, [previous, id]);
    else await vscode.commands.executeCommand(CommandId.DiffWithPrevious, { id });
  }

  private async summary(id: string): Promise<ExchangeSummary | undefined> {
    try {
      const index = await this.openIndex();
      return index.get(id);
    } catch {
      return undefined;
    }
  }

  /** The window's shared index of the capture folder, read up to now (the proxy or the CLI may be appending). */
  private async openIndex(): Promise<LogIndex> {
    const hold = this.deps.watcher.hold();
    try {
      const index = await this.deps.watcher.currentIndex();
      if (!index) throw new Error(`cannot read the capture logs in ${this.captureDir()} (see the output channel)`);
      return index;
    } finally {
      hold.dispose();
    }
  }

  private async pick(): Promise<string | undefined> {
    let exchanges: readonly ExchangeSummary[];
    try {
      exchanges = (await this.openIndex()).exchanges();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.output.error(`Open Request: ${reason}`);
      const openOutput = vscode.l10n.t('Open Output');
      const choice = await vscode.window.showErrorMessage(
        vscode.l10n.t('Agent Interlude could not read the capture logs. See output channel for more details.'),
        openOutput,
      );
      if (choice === openOutput) this.deps.output.show();
      return undefined;
    }
    if (exchanges.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: nothing captured yet in {0}.', this.captureDir()));
      return undefined;
    }
    const items = exchanges
      .slice(-QUICK_PICK_LIMIT)
      .reverse()
      .map((summary) => {
        const time = summary.requestTime ?? summary.responseTime;
        return {
          label: exchangeLabel(summary),
          description: time !== undefined ? new Date(time).toLocaleString() : undefined,
          detail: summary.agent,
          id: summary.id,
        };
      });
    const chosen = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Open Request'),
      placeHolder: vscode.l10n.t('Pick a captured exchange (most recent first)'),
      matchOnDescription: true,
    });
    return chosen?.id;
  }

  private async openLog(id: string, which: 'request' | 'response'): Promise<void> {
    try {
      const index = await this.openIndex();
      const summary = index.get(id);
      const ref = summary?.[which];
      const file = ref ? index.files()[ref.file] : undefined;
      if (!ref || !file) return;
      const line = await lineAtByte(file.path, ref.offset);
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file.path));
      const position = new vscode.Position(line, 0);
      await vscode.window.showTextDocument(document, {
        viewColumn: vscode.ViewColumn.Beside,
        selection: new vscode.Range(position, position),
        preview: true,
      });
    } catch (error) {
      this.deps.output.error(`Open log for ${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  protected html(webview: vscode.Webview): string {
    return webviewPageHtml(webview, this.context.extensionUri, {
      page: 'request',
      title: vscode.l10n.t('Request'),
      sharedStyles: ['explain'],
      body: `<main id="root" aria-live="polite"><p class="placeholder">${vscode.l10n.t('Loading…')}</p></main>`,
    });
  }

}

/** The 0-based line holding byte `offset` of a file (record refs are byte offsets; editors count lines). */
function lineAtByte(path: string, offset: number): Promise<number> {
  return new Promise((resolveLine, rejectLine) => {
    let lines = 0;
    if (offset <= 0) {
      resolveLine(0);
      return;
    }
    const stream = createReadStream(path, { start: 0, end: offset - 1 });
    stream.on('data', (chunk) => {
      const buffer = chunk as Buffer;
      for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) lines++;
    });
    stream.on('end', () => resolveLine(lines));
    stream.on('error', rejectLine);
  });
}
