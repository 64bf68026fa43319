// Native diffs over the `agent-interlude` documents: Show Skeleton Diff (a family's skeleton against one of
// its samples), Diff with Previous and Compare Requests… (two exchanges' system prompt, tools and messages,
// in one multi-diff editor when `vscode.changes` exists, else one diff editor each). Also links the prompt
// lines that name an injected workspace file (CLAUDE.md, AGENTS.md) to that file.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { injectedFileOf, shorten } from '../../core/analysis/readableRequest';
import { markBidiControls } from '../../shared/bidiText';
import { countWith } from '../../shared/countText';
import type { SystemFamily } from '../../core/analysis/agentPrompts';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import type { LogIndex } from '../../core/logIndex/logIndex';
import type { CaptureViewDeps } from '../captureWatcher';
import { CommandId } from '../commandIds';
import {
  EXCHANGE_PARTS,
  PROMPT_SCHEME,
  PromptDocumentProvider,
  PromptModel,
  promptUri,
  type FamilySample,
} from './promptDocuments';
import { SlotDecorations } from './slotDecorations';


/** What the diff commands return (tests check the URIs). */
export interface OpenedDiff {
  title: string;
  /** True when one multi-diff editor (`vscode.changes`) shows every pair. */
  multi: boolean;
  diffs: Array<{ left: string; right: string; title: string }>;
}

export interface SkeletonDiffArgs {
  agent?: string;
  family?: number;
  /** An exchange id (that exchange's system prompt is the sample) or a sample's system hash. */
  sampleId?: string;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `14:03:22`, with the date when not today. */
export function exchangeTime(summary: ExchangeSummary, now = Date.now()): string {
  const ms = summary.requestTime ?? summary.responseTime;
  if (ms === undefined) return summary.id;
  const at = new Date(ms);
  const today = new Date(now);
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  const sameDay =
    at.getFullYear() === today.getFullYear() && at.getMonth() === today.getMonth() && at.getDate() === today.getDate();
  return sameDay ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

/** The exchange id a command got: a string, `{ id }` (a tree node or another command). */
function exchangeIdOf(argument: unknown): string | undefined {
  if (typeof argument === 'string') return argument;
  if (typeof argument === 'object' && argument !== null && 'id' in argument) {
    const { id } = argument as { id: unknown };
    if (typeof id === 'string') return id;
  }
  return undefined;
}

function isTreeExchange(argument: unknown): boolean {
  return typeof argument === 'object' && argument !== null && (argument as { kind?: unknown }).kind === 'exchange';
}

/** The file a prompt line names, if it exists: the path itself, or the same file under a workspace folder. */
export function resolveInjectedFile(path: string, folders: readonly string[]): string | undefined {
  const expanded = path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  const isFile = (candidate: string): boolean => {
    try {
      return existsSync(candidate) && statSync(candidate).isFile();
    } catch {
      return false;
    }
  };
  if (isAbsolute(expanded) && isFile(expanded)) return expanded;
  // Captured on another machine or checkout: the part after this workspace folder's name.
  const segments = expanded.split(/[\\/]+/).filter((segment) => segment !== '');
  for (const folder of folders) {
    const name = basename(folder);
    for (let at = segments.lastIndexOf(name); at >= 0; at = segments.lastIndexOf(name, at - 1)) {
      const candidate = join(folder, ...segments.slice(at + 1));
      if (at + 1 < segments.length && isFile(candidate)) return candidate;
      if (at === 0) break;
    }
  }
  return undefined;
}

export function registerDiffs(context: vscode.ExtensionContext, deps: CaptureViewDeps): void {
  const { output, watcher } = deps;
  const model = new PromptModel(watcher);
  const provider = new PromptDocumentProvider(model, output);
  const decorations = new SlotDecorations(provider, context.extensionUri, deps.explain);

  const missing = (what: string): undefined => {
    void vscode.window.showWarningMessage(vscode.l10n.t('Agent Interlude: {0}', what));
    return undefined;
  };

  /** Runs `work` with the index up to date, keeping the watcher on meanwhile. */
  const withIndex = async <T>(work: (index: LogIndex) => Promise<T | undefined>): Promise<T | undefined> => {
    const hold = {};
    try {
      const index = await model.index(hold);
      if (!index) return missing(vscode.l10n.t('no capture logs are readable yet.'));
      return await work(index);
    } finally {
      model.release(hold);
    }
  };

  const pickFamily = async (index: LogIndex, args: SkeletonDiffArgs): Promise<{ agent: string; family: SystemFamily } | undefined> => {
    const candidates = model
      .agents(index)
      .filter((agent) => args.agent === undefined || agent === args.agent)
      .flatMap((agent) => (model.system(index, agent)?.families ?? []).map((family) => ({ agent, family })))
      .filter((candidate) => args.family === undefined || candidate.family.id === args.family);
    if (candidates.length === 0) return missing(vscode.l10n.t('no captured system prompt matches.'));
    if (candidates.length === 1) return candidates[0];
    const picked = await vscode.window.showQuickPick(
      candidates.map((candidate) => ({
        label: vscode.l10n.t('{0} · family {1}', candidate.agent, candidate.family.id),
        description: `${countWith(candidate.family.samples, (n) => vscode.l10n.t('{0} sample', n), (n) => vscode.l10n.t('{0} samples', n))} · ${countWith(candidate.family.requests, (n) => vscode.l10n.t('{0} request', n), (n) => vscode.l10n.t('{0} requests', n))} · ${countWith(candidate.family.slots.length, (n) => vscode.l10n.t('{0} slot', n), (n) => vscode.l10n.t('{0} slots', n))}`,
        detail: candidate.family.label,
        candidate,
      })),
      { title: vscode.l10n.t('Show Skeleton Diff: which system prompt family?'), matchOnDetail: true },
    );
    return picked?.candidate;
  };

  const pickSample = async (index: LogIndex, family: SystemFamily, samples: FamilySample[]): Promise<FamilySample | undefined> => {
    if (samples.length === 1) return samples[0];
    const fixed = new Set(family.skeleton);
    const picked = await vscode.window.showQuickPick(
      samples.map((sample) => {
        const text = index.systemText(sample.hash) ?? '';
        const differing = text.split('\n').filter((line) => line.trim() !== '' && !fixed.has(line));
        return {
          label: exchangeTime(sample.exchange),
          description: `${sample.hash === family.canonicalKey ? vscode.l10n.t('canonical · ') : ''}${countWith(sample.requests, (n) => vscode.l10n.t('{0} request', n), (n) => vscode.l10n.t('{0} requests', n))}`,
          detail: differing.length === 0 ? vscode.l10n.t('(only the skeleton)') : shorten(differing.join(' ⏎ '), 200),
          sample,
        };
      }),
      { title: vscode.l10n.t('Show Skeleton Diff: which sample?'), matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.sample;
  };

  const openDiff = async (left: vscode.Uri, right: vscode.Uri, title: string): Promise<void> => {
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: false });
  };

  const showSkeletonDiff = (argument?: unknown): Promise<OpenedDiff | undefined> =>
    withIndex(async (index) => {
      let args: SkeletonDiffArgs = {};
      if (isTreeExchange(argument) || typeof argument === 'string') {
        const summary = index.get(exchangeIdOf(argument) ?? '');
        if (!summary) return missing(vscode.l10n.t('that exchange is not in the capture logs shown.'));
        if (!summary.system) return missing(vscode.l10n.t('that exchange sent no system prompt.'));
        const family = model.familyOf(index, summary);
        if (!family) return missing(vscode.l10n.t('that exchange’s system prompt is in no family.'));
        args = { agent: summary.agent, family: family.id, sampleId: summary.id };
      } else if (typeof argument === 'object' && argument !== null) {
        args = argument as SkeletonDiffArgs;
      }
      const chosen = await pickFamily(index, args);
      if (!chosen) return undefined;
      const { agent, family } = chosen;
      let sampleExchange: ExchangeSummary | undefined;
      if (args.sampleId !== undefined) {
        const direct = index.get(args.sampleId);
        const inFamily = direct?.system !== undefined && model.familyOf(index, direct)?.id === family.id;
        sampleExchange = inFamily
          ? direct
          : model.samples(index, agent, family).find((sample) => sample.hash === args.sampleId)?.exchange;
        if (!sampleExchange) return missing(vscode.l10n.t('{0} is not a sample of {1} family {2}.', args.sampleId, agent, family.id));
      } else {
        sampleExchange = (await pickSample(index, family, model.samples(index, agent, family)))?.exchange;
        if (!sampleExchange) return undefined;
      }
      const left = promptUri({ kind: 'skeleton', agent, family: family.id });
      const right = promptUri({ kind: 'exchange', id: sampleExchange.id, part: 'system' });
      const title = vscode.l10n.t('{0} · family {1}: skeleton ↔ sample {2}', agent, family.id, exchangeTime(sampleExchange));
      await openDiff(left, right, title);
      return { title, multi: false, diffs: [{ left: left.toString(), right: right.toString(), title }] };
    });

  /**
   * Two exchanges side by side: the older one's system prompt, tools and messages against the newer one's. In the
   * multi-diff editor each pair is one document changed, not a rename: the older side's URI has the newer one's
   * path (its own id in the query), since that editor marks a pair whose paths differ "R" and strikes one through.
   */
  const compareExchanges = async (a: ExchangeSummary, b: ExchangeSummary): Promise<OpenedDiff> => {
    const title = vscode.l10n.t('Compare exchanges: {0} {1} ↔ {2} {3}', markBidiControls(a.agent), exchangeTime(a), markBidiControls(b.agent), exchangeTime(b));
    const multi = (await vscode.commands.getCommands(true)).includes('vscode.changes');
    const pairs = EXCHANGE_PARTS.map((part) => ({
      left: promptUri({ kind: 'exchange', id: a.id, part, ...(multi ? { shownAs: b.id } : {}) }),
      right: promptUri({ kind: 'exchange', id: b.id, part }),
      title: `${title} · ${part}`,
    }));
    if (multi) {
      await vscode.commands.executeCommand(
        'vscode.changes',
        title,
        pairs.map((pair) => [pair.right, pair.left, pair.right]),
      );
    } else {
      for (const pair of pairs) await openDiff(pair.left, pair.right, pair.title);
    }
    return {
      title,
      multi,
      diffs: pairs.map((pair) => ({ left: pair.left.toString(), right: pair.right.toString(), title: pair.title })),
    };
  };

  const diffWithPrevious = (argument?: unknown): Promise<OpenedDiff | undefined> =>
    withIndex(async (index) => {
      const id = exchangeIdOf(argument);
      if (!id) return missing(vscode.l10n.t('choose an exchange in the Captures view first.'));
      const summary = index.get(id);
      if (!summary) return missing(vscode.l10n.t('exchange {0} is not in the capture logs shown.', id));
      const list = index.exchanges();
      let previous: ExchangeSummary | undefined;
      for (let at = list.indexOf(summary) - 1; at >= 0 && !previous; at--) {
        const candidate = list[at] as ExchangeSummary;
        if (candidate.agent === summary.agent && candidate.wire === summary.wire && candidate.request) previous = candidate;
      }
      if (!previous) return missing(vscode.l10n.t('no earlier {0} request on the same API before {1}.', summary.agent, exchangeTime(summary)));
      return compareExchanges(previous, summary);
    });

  const compareRequests = (first?: unknown, second?: unknown): Promise<OpenedDiff | undefined> =>
    withIndex(async (index) => {
      let ids: string[] = [];
      if (Array.isArray(second) && second.length === 2) ids = second.map(exchangeIdOf).filter((id): id is string => !!id);
      else if (Array.isArray(first)) ids = first.map(exchangeIdOf).filter((id): id is string => !!id);
      else if (typeof first === 'object' && first !== null && 'a' in first && 'b' in first) {
        const { a, b } = first as { a: unknown; b: unknown };
        ids = [exchangeIdOf(a), exchangeIdOf(b)].filter((id): id is string => !!id);
      }
      if (ids.length !== 2) {
        const withRequest = index.exchanges().filter((exchange) => exchange.request !== undefined);
        const recent = withRequest.slice(-500).reverse();
        const picked = await vscode.window.showQuickPick(
          recent.map((exchange) => ({
            label: `${exchangeTime(exchange)} · ${exchange.agent}`,
            description: `${exchange.method} ${exchange.path.split('?')[0]}${exchange.model ? ` · ${exchange.model}` : ''}`,
            detail: exchange.id,
            picked: exchangeIdOf(first) === exchange.id,
            exchange,
          })),
          { title: vscode.l10n.t('Compare Requests: pick two'), canPickMany: true, matchOnDescription: true, matchOnDetail: true },
        );
        if (!picked) return undefined;
        if (picked.length !== 2) return missing(vscode.l10n.t('pick exactly two requests to compare ({0} picked).', picked.length));
        ids = picked.map((item) => item.exchange.id);
      }
      const found = ids.map((id) => index.get(id));
      if (found.some((summary) => !summary)) return missing(vscode.l10n.t('an exchange to compare is not in the capture logs shown.'));
      // The older one on the left, as in Diff with Previous.
      const order = index.exchanges();
      const [a, b] = (found as ExchangeSummary[]).sort((x, y) => order.indexOf(x) - order.indexOf(y));
      return compareExchanges(a as ExchangeSummary, b as ExchangeSummary);
    });

  const folders = (): string[] => (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
  const links: vscode.DocumentLinkProvider = {
    provideDocumentLinks(document) {
      const found: vscode.DocumentLink[] = [];
      for (let line = 0; line < document.lineCount; line++) {
        const text = document.lineAt(line).text;
        if (!text.includes('Contents of ') && !text.includes('instructions for ')) continue;
        const injected = injectedFileOf(text);
        const target = injected && resolveInjectedFile(injected.path, folders());
        if (!injected || !target) continue;
        const link = new vscode.DocumentLink(new vscode.Range(line, injected.start, line, injected.end), vscode.Uri.file(target));
        link.tooltip = vscode.l10n.t('Open {0}', target);
        found.push(link);
      }
      return found;
    },
  };

  context.subscriptions.push(
    model,
    provider,
    decorations,
    vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, provider),
    vscode.languages.registerDocumentLinkProvider({ scheme: PROMPT_SCHEME }, links),
    vscode.commands.registerCommand(CommandId.ShowSkeletonDiff, showSkeletonDiff),
    vscode.commands.registerCommand(CommandId.DiffWithPrevious, diffWithPrevious),
    vscode.commands.registerCommand(CommandId.CompareRequests, compareRequests),
    vscode.commands.registerCommand(CommandId.InternalSlotDecorations, () => decorations.state()),
  );
}
