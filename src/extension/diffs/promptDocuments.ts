// Read-only virtual documents of the `agent-interlude` scheme: a prompt family's canonical system prompt and
// its skeleton (slots as placeholder lines), an exchange's system prompt, tools and messages, a tool's schema.
// Rendered from the LogIndex of a CaptureWatcher of its own, which runs only while such a document is open
// (or a command needs it), so a window that never opens one pays nothing. When new captures change a document
// that is open, its provider fires onDidChange and VS Code re-reads it.
import * as vscode from 'vscode';
import { analyzeSystem, type SystemAnalysis, type SystemFamily } from '../../core/analysis/agentPrompts';
import { isAnalyzable } from '../../core/analysis/analysisInput';
import { messagesOf } from '../../core/analysis/recordText';
import { messagesReadable, prettyCanonical, skeletonText, toolsJson, type SkeletonText } from '../../core/analysis/readableRequest';
import { toolName } from '../../core/analysis/toolCatalog';
import { markBidiControls } from '../../shared/bidiText';
import { errorText } from '../../core/errorText';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import type { LogIndex } from '../../core/logIndex/logIndex';
import type { CaptureWatcher } from '../captureWatcher';

export const PROMPT_SCHEME = 'agent-interlude';

export type ExchangePart = 'system' | 'tools' | 'messages';
export const EXCHANGE_PARTS: readonly ExchangePart[] = ['system', 'tools', 'messages'];

export type PromptDocRef =
  | { kind: 'canonical' | 'skeleton'; agent: string; family: number }
  /**
   * `shownAs`: the exchange whose document this one stands beside in a comparison. The URI then has that
   * exchange's path (the id in the query instead), so the multi-diff editor, which calls two URIs with different
   * paths a rename, shows the pair as one document modified.
   */
  | { kind: 'exchange'; id: string; part: ExchangePart; shownAs?: string }
  | { kind: 'tool'; agent: string; name: string };

const PART_FILES: Record<ExchangePart, string> = { system: 'system.txt', tools: 'tools.json', messages: 'messages.txt' };

function segment(text: string): string {
  return encodeURIComponent(text);
}

export function promptUri(ref: PromptDocRef): vscode.Uri {
  let path: string;
  switch (ref.kind) {
    case 'canonical':
    case 'skeleton':
      path = `/family/${segment(ref.agent)}/${ref.family}/${ref.kind}.txt`;
      break;
    case 'exchange':
      if (ref.shownAs !== undefined && ref.shownAs !== ref.id) {
        return vscode.Uri.from({ scheme: PROMPT_SCHEME, path: `/exchange/${segment(ref.shownAs)}/${PART_FILES[ref.part]}`, query: `exchange=${segment(ref.id)}` });
      }
      path = `/exchange/${segment(ref.id)}/${PART_FILES[ref.part]}`;
      break;
    case 'tool':
      path = `/tool/${segment(ref.agent)}/${segment(ref.name)}.json`;
      break;
  }
  return vscode.Uri.from({ scheme: PROMPT_SCHEME, path });
}

export function parsePromptUri(uri: vscode.Uri): PromptDocRef | undefined {
  if (uri.scheme !== PROMPT_SCHEME) return undefined;
  const parts = uri.path.split('/').filter((part) => part !== '');
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const [kind, first, second, third] = parts;
  if (kind === 'family' && parts.length === 4 && first && second && /^\d+$/.test(second)) {
    const doc = third === 'canonical.txt' ? 'canonical' : third === 'skeleton.txt' ? 'skeleton' : undefined;
    return doc ? { kind: doc, agent: decode(first), family: Number(second) } : undefined;
  }
  if (kind === 'exchange' && parts.length === 3 && first && second) {
    const part = EXCHANGE_PARTS.find((candidate) => PART_FILES[candidate] === second);
    // A comparison's older side: the path of the exchange it stands beside, its own id in the query.
    const own = /^exchange=([^&]+)$/.exec(uri.query)?.[1];
    if (!part) return undefined;
    return own !== undefined ? { kind: 'exchange', id: decode(own), part, shownAs: decode(first) } : { kind: 'exchange', id: decode(first), part };
  }
  if (kind === 'tool' && parts.length === 3 && first && second?.endsWith('.json')) {
    return { kind: 'tool', agent: decode(first), name: decode(second.slice(0, -'.json'.length)) };
  }
  return undefined;
}

/** Which system prompt a sample is: its hash, and the latest exchange that sent it. */
export interface FamilySample {
  hash: string;
  exchange: ExchangeSummary;
  requests: number;
}

/** The analyses the documents are made of, recomputed only after the index changed. */
export class PromptModel implements vscode.Disposable {
  private systems = new Map<string, SystemAnalysis | null>();
  /** Each document or command using the model holds the shared watcher. */
  private readonly holds = new Map<object, vscode.Disposable>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly watcher: CaptureWatcher) {
    this.disposables.push(watcher.onDidChange(() => this.systems.clear()));
  }

  /**
   * The index, up to date. The watcher runs while `holder` (a document, a command) uses it; `release` it
   * after. A first open of a big folder can take a while: wait for it rather than show nothing.
   */
  async index(holder: object): Promise<LogIndex | undefined> {
    this.use(holder);
    return this.watcher.currentIndex();
  }

  use(holder: object): void {
    if (!this.holds.has(holder)) this.holds.set(holder, this.watcher.hold());
  }

  release(holder: object): void {
    this.holds.get(holder)?.dispose();
    this.holds.delete(holder);
  }

  /** The system-prompt analysis of one agent's analyzable requests. */
  system(index: LogIndex, agent: string): SystemAnalysis | null {
    if (!this.systems.has(agent)) {
      const exchanges = index.exchanges().filter((exchange) => exchange.agent === agent && isAnalyzable(exchange));
      this.systems.set(agent, analyzeSystem(index.analysisInput(), exchanges));
    }
    return this.systems.get(agent) ?? null;
  }

  agents(index: LogIndex): string[] {
    const agents = new Set<string>();
    for (const exchange of index.exchanges()) if (exchange.system) agents.add(exchange.agent);
    return [...agents].sort();
  }

  family(index: LogIndex, agent: string, id: number): SystemFamily | undefined {
    return this.system(index, agent)?.families.find((family) => family.id === id);
  }

  /** The family an exchange's system prompt belongs to. */
  familyOf(index: LogIndex, exchange: ExchangeSummary): SystemFamily | undefined {
    const hash = exchange.system?.hash;
    if (hash === undefined) return undefined;
    const text = index.systemText(hash);
    const families = this.system(index, exchange.agent)?.families ?? [];
    return (
      families.find((family) => family.sampleKeys.includes(hash)) ??
      families.find((family) => family.sampleKeys.some((key) => index.systemText(key) === text))
    );
  }

  /** The family's distinct samples, each with the latest exchange that sent it, newest first. */
  samples(index: LogIndex, agent: string, family: SystemFamily): FamilySample[] {
    const keyOfText = new Map<string, string>();
    for (const key of family.sampleKeys) {
      const text = index.systemText(key);
      if (text !== undefined) keyOfText.set(text, key);
    }
    const latest = new Map<string, FamilySample>();
    for (const exchange of index.exchanges()) {
      if (exchange.agent !== agent || !exchange.system || !isAnalyzable(exchange)) continue;
      const text = index.systemText(exchange.system.hash);
      const key = text === undefined ? undefined : keyOfText.get(text);
      if (key === undefined) continue;
      const known = latest.get(key);
      latest.set(key, { hash: key, exchange, requests: (known?.requests ?? 0) + 1 });
    }
    return [...latest.values()].sort(
      (a, b) => (b.exchange.requestTime ?? b.exchange.responseTime ?? 0) - (a.exchange.requestTime ?? a.exchange.responseTime ?? 0),
    );
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    for (const hold of this.holds.values()) hold.dispose();
    this.holds.clear();
  }
}

export class PromptDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** What each open document was last given, to fire only for the ones new captures really changed. */
  private readonly served = new Map<string, string>();
  private readonly skeletons = new Map<string, SkeletonText>();
  private readonly disposables: vscode.Disposable[] = [];
  private updating: Promise<void> = Promise.resolve();
  /** Counts the captures' changes (each one clears what the model computed from them). */
  private generation = 0;

  constructor(
    private readonly model: PromptModel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.changed,
      model.watcher.onDidChange(() => {
        this.generation += 1;
        this.updating = this.updating.then(() => this.recheck());
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme !== PROMPT_SCHEME) return;
        const key = document.uri.toString();
        this.served.delete(key);
        this.skeletons.delete(key);
        this.model.release(document);
      }),
      vscode.workspace.onDidOpenTextDocument((document) => {
        if (document.uri.scheme === PROMPT_SCHEME) this.model.use(document);
      }),
    );
  }

  /** A skeleton document's slot lines as last served (undefined for other documents). */
  skeletonOf(uri: vscode.Uri): SkeletonText | undefined {
    return this.skeletons.get(uri.toString());
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    // A change of the captures while this renders is rechecked only for documents already served, so a text
    // rendered from the captures before it would stay: render again until none came in between.
    for (;;) {
      const generation = this.generation;
      const text = await this.render(uri);
      if (generation !== this.generation) continue;
      this.served.set(uri.toString(), text);
      return text;
    }
  }

  private async recheck(): Promise<void> {
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme !== PROMPT_SCHEME) continue;
      const key = document.uri.toString();
      const before = this.served.get(key);
      if (before === undefined) continue;
      const now = await this.render(document.uri);
      if (now !== before) this.changed.fire(document.uri);
    }
  }

  /** The document's text, captured text with its bidi controls and zero-width characters shown as markers. */
  async render(uri: vscode.Uri): Promise<string> {
    return markBidiControls(await this.renderText(uri));
  }

  private async renderText(uri: vscode.Uri): Promise<string> {
    const ref = parsePromptUri(uri);
    if (!ref) return `Not an Agent Interlude document: ${uri.toString()}\n`;
    const hold = {};
    const index = await this.model.index(hold);
    if (!index) {
      this.model.release(hold);
      return 'No capture logs are readable yet.\n';
    }
    try {
      return await this.renderRef(index, ref, uri);
    } catch (error) {
      this.log.error(`cannot show ${uri.toString()}: ${errorText(error)}`);
      return `Cannot show this document: ${errorText(error)}\n`;
    } finally {
      // Open documents keep the watcher running (onDidOpenTextDocument); this render's own hold ends here.
      this.model.release(hold);
    }
  }

  private async renderRef(index: LogIndex, ref: PromptDocRef, uri: vscode.Uri): Promise<string> {
    switch (ref.kind) {
      case 'canonical':
      case 'skeleton': {
        const family = this.model.family(index, ref.agent, ref.family);
        if (!family) return `${ref.agent} has no system prompt family ${ref.family} in the captures shown.\n`;
        if (ref.kind === 'canonical') return index.systemText(family.canonicalKey) ?? '';
        const skeleton = skeletonText(family);
        this.skeletons.set(uri.toString(), skeleton);
        return skeleton.text;
      }
      case 'exchange': {
        const summary = index.get(ref.id);
        if (!summary) return `Exchange ${ref.id} is not in the capture logs shown.\n`;
        if (ref.part === 'system') return summary.system ? (index.systemText(summary.system.hash) ?? '') : '';
        if (ref.part === 'tools') return toolsJson(summary.tools ? (index.toolSet(summary.tools.hash) ?? []) : []);
        const records = await index.readExchange(ref.id);
        return messagesReadable(records?.request ? messagesOf(records.request) : []);
      }
      case 'tool': {
        const exchanges = index.exchanges();
        for (let at = exchanges.length - 1; at >= 0; at--) {
          const exchange = exchanges[at] as ExchangeSummary;
          if (exchange.agent !== ref.agent || !exchange.tools?.names.includes(ref.name)) continue;
          const tool = index.toolSet(exchange.tools.hash)?.find((candidate) => toolName(candidate) === ref.name);
          if (tool !== undefined) return `${prettyCanonical(tool)}\n`;
        }
        return `${ref.agent} sent no tool named ${ref.name} in the captures shown.\n`;
      }
    }
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
