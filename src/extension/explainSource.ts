// The explanation of the captures shown (why each request's cache hit or missed, what fills its context,
// what it cost), computed once per change of the shared index and read by every view: the request panel,
// the timeline's break marks, the insights "Cache and cost" tab and the skeleton diff's slot hover. The
// host only composes core analyses (one ReportAnalyzer and one Explainer fold per index) over LogIndex.analysisInput(); a view
// asks when it draws, so nothing is computed while no view shows an explanation.
import * as vscode from 'vscode';
import { type AnalysisReport, ReportAnalyzer } from '../core/analysis/analysisReport';
import type { AnalysisInput } from '../core/analysis/analysisInput';
import { DEFAULT_SESSION_GAP_MS } from '../core/analysis/conversations';
import { Explainer, explanationIndex, type ExchangeExplanation, type ExplainReport } from '../core/analysis/explain';
import { DEFAULT_PRICING, withOverride, type PricingTable } from '../core/analysis/pricing';
import { errorText } from '../core/errorText';
import type { LogIndex } from '../core/logIndex/logIndex';
import type { CaptureWatcher } from './captureWatcher';
import { SECTION } from './settings';

export interface Explained {
  analysis: AnalysisReport;
  /** Undefined when the explainer failed on these captures (`error` says why). */
  explain?: ExplainReport;
  byId: ReadonlyMap<string, ExchangeExplanation>;
  error?: string;
  pricing: PricingTable;
}

export const EMPTY_INPUT: AnalysisInput = {
  exchanges: [],
  systemText: () => undefined,
  toolSet: () => undefined,
  prefixText: () => undefined,
  prefixParts: () => undefined,
};

/** Sessions split where the captures tree, the timeline and the insights split them. */
export function sessionGapMs(): number {
  const seconds = vscode.workspace.getConfiguration(SECTION).get<number>('sessionGapSeconds');
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_SESSION_GAP_MS;
}

/**
 * The shipped pricing table with the user's `agentInterlude.pricing` override merged in. A bad override is
 * said once in the output channel and the shipped table is used: a typo must not hide every figure.
 */
export function pricingTable(log: (message: string) => void): PricingTable {
  const override = vscode.workspace.getConfiguration(SECTION).get<unknown>('pricing');
  if (override === undefined || override === null) return DEFAULT_PRICING;
  try {
    return withOverride(DEFAULT_PRICING, override);
  } catch (error) {
    log(`agentInterlude.pricing is ignored: ${errorText(error)}`);
    return DEFAULT_PRICING;
  }
}

export class ExplainSource implements vscode.Disposable {
  private cached?: { index: LogIndex | undefined; result: Explained };
  /** The last explanation computed, kept when captures change: cheap to read while a new one waits. */
  private last?: Explained;
  private table?: PricingTable;
  /** One fold per index and settings: a grown log folds in only its new requests. */
  private explainer?: { index: LogIndex | undefined; gap: number; pricing: PricingTable; fold: Explainer };
  /** One analysis fold per index and session gap, likewise. */
  private analyzer?: { index: LogIndex | undefined; gap: number; fold: ReportAnalyzer };
  private lastError?: string;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly watcher: CaptureWatcher,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      watcher.onDidChange(() => (this.cached = undefined)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`${SECTION}.pricing`) || event.affectsConfiguration(`${SECTION}.sessionGapSeconds`)) {
          this.cached = undefined;
          this.table = undefined;
        }
      }),
    );
  }

  /** The explanation of the index shown now, computed at most once per change of the captures. */
  current(): Explained {
    const index = this.watcher.current;
    if (this.cached && this.cached.index === index) return this.cached.result;
    const result = this.compute(index, index?.analysisInput() ?? EMPTY_INPUT);
    this.cached = { index, result };
    this.last = result;
    return result;
  }

  /** Whether `current()` would answer without computing. */
  get fresh(): boolean {
    return this.cached !== undefined && this.cached.index === this.watcher.current;
  }

  /**
   * The last explanation computed, possibly of fewer captures (undefined before the first): never computes. An
   * exchange's explanation does not change once its response landed, so it serves every one it holds.
   */
  latest(): Explained | undefined {
    return this.fresh ? this.cached!.result : this.last;
  }

  /**
   * The explanation of the captures now. It does not wait for exchanges in flight: the relay has its own thread
   * (RelayHost), so a long pass over a big log here holds back no agent's stream.
   */
  async settled(): Promise<Explained> {
    return this.current();
  }

  /** The pricing table in use: the shipped one with the user's override merged in. */
  pricing(): PricingTable {
    this.table ??= pricingTable((message) => this.say(message));
    return this.table;
  }

  private compute(index: LogIndex | undefined, input: AnalysisInput): Explained {
    const gap = sessionGapMs();
    const pricing = this.pricing();
    const keptAnalyzer = this.analyzer;
    const analyzer = keptAnalyzer && keptAnalyzer.index === index && keptAnalyzer.gap === gap ? keptAnalyzer.fold : new ReportAnalyzer({ sessionGapMs: gap });
    this.analyzer = { index, gap, fold: analyzer };
    let analysis: AnalysisReport;
    try {
      analysis = analyzer.update(input);
    } catch (error) {
      this.analyzer = undefined;
      throw error;
    }
    try {
      const known = this.explainer;
      const fold = known && known.index === index && known.gap === gap && known.pricing === pricing ? known.fold : new Explainer({ sessionGapMs: gap, pricing });
      this.explainer = { index, gap, pricing, fold };
      const explain = fold.update(input, analysis.conversations, analysis.agents);
      this.lastError = undefined;
      return { analysis, explain, byId: explanationIndex(explain), pricing };
    } catch (error) {
      // A fold that threw may be half updated: the next computation starts afresh.
      this.explainer = undefined;
      const text = errorText(error);
      this.say(`cannot explain the captures: ${text}`);
      return { analysis, byId: new Map(), error: text, pricing };
    }
  }

  private say(message: string): void {
    // Every view asks after every capture: the same failure is said once.
    if (message === this.lastError) return;
    this.lastError = message;
    this.output.warn(message);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
