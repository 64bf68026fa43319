// Wires the Captures sidebar into the extension: the watcher over the capture folder, the tree view, the
// `hasCaptures` context key, Copy ID, Reveal in Log and the hidden snapshot command tests read.
import { open } from 'node:fs/promises';
import * as vscode from 'vscode';
import { DEFAULT_SESSION_GAP_MS } from '../../core/analysis/conversations';
import { errorText } from '../../core/errorText';
import type { CaptureViewDeps } from '../captureWatcher';
import { CAPTURES_VIEW_ID, CapturesTreeProvider, type CapturesTreeSnapshot } from './capturesTree';
import { CommandId } from '../commandIds';
import { SECTION } from '../settings';

/** What Reveal in Log returns (tests check the line). */
export interface RevealedRecord {
  path: string;
  /** Zero-based line of the record. */
  line: number;
}

const SESSION_GAP_SETTING = 'sessionGapSeconds';

function sessionGapMs(): number {
  const seconds = vscode.workspace.getConfiguration(SECTION).get<number>(SESSION_GAP_SETTING);
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_SESSION_GAP_MS;
}

/** The id a command was given: `{ id }` from a click or another command, or the tree node from a context menu. */
function exchangeIdOf(argument: unknown, view: vscode.TreeView<unknown>): string | undefined {
  const candidate = argument ?? view.selection[0];
  if (typeof candidate === 'string') return candidate;
  if (typeof candidate === 'object' && candidate !== null && 'id' in candidate) {
    const { id } = candidate as { id: unknown };
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** Counts the newlines before `offset`: the zero-based line a record starting there is on. */
export async function lineAtOffset(path: string, offset: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(4 * 1024 * 1024, Math.max(offset, 1)));
    let line = 0;
    let position = 0;
    while (position < offset) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, offset - position), position);
      if (bytesRead === 0) break;
      let at = buffer.indexOf(10, 0);
      while (at !== -1 && at < bytesRead) {
        line++;
        at = buffer.indexOf(10, at + 1);
      }
      position += bytesRead;
    }
    return line;
  } finally {
    await handle.close();
  }
}

export function registerCapturesTree(context: vscode.ExtensionContext, deps: CaptureViewDeps): void {
  const { service, output, watcher } = deps;
  const provider = new CapturesTreeProvider(watcher, sessionGapMs(), () => deps.explain.pricing());
  const view = vscode.window.createTreeView(CAPTURES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true, canSelectMany: true });
  let held: vscode.Disposable | undefined;
  const followActivity = (): void => {
    const wanted = view.visible || service.running !== undefined;
    if (wanted && !held) held = watcher.hold();
    else if (!wanted && held) {
      held.dispose();
      held = undefined;
    }
  };
  followActivity();
  const onState = (): void => followActivity();
  service.changes.on('state', onState);

  const missing = (what: string): undefined => {
    void vscode.window.showWarningMessage(vscode.l10n.t('Agent Interlude: {0}', what));
    return undefined;
  };

  const copyId = async (argument?: unknown): Promise<string | undefined> => {
    const id = exchangeIdOf(argument, view);
    if (!id) return missing(vscode.l10n.t('select an exchange in the Captures view first.'));
    await vscode.env.clipboard.writeText(id);
    vscode.window.setStatusBarMessage(vscode.l10n.t('Copied exchange ID {0}', id), 3000);
    return id;
  };

  const revealInLog = async (argument?: unknown): Promise<RevealedRecord | undefined> => {
    const id = exchangeIdOf(argument, view);
    if (!id) return missing(vscode.l10n.t('select an exchange in the Captures view first.'));
    const index = watcher.current;
    const summary = index?.get(id);
    const ref = summary?.request ?? summary?.response;
    const file = ref ? index?.files()[ref.file] : undefined;
    if (!ref || !file) return missing(vscode.l10n.t('exchange {0} is not in the capture logs shown.', id));
    try {
      const line = await lineAtOffset(file.path, ref.offset);
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file.path));
      const end = document.lineAt(Math.min(line, document.lineCount - 1)).range.end;
      const selection = new vscode.Range(line, 0, end.line, end.character);
      await vscode.window.showTextDocument(document, { selection, preview: true });
      return { path: file.path, line };
    } catch (error) {
      output.error(`Reveal in Log ${id}: ${errorText(error)}`);
      const openOutput = vscode.l10n.t('Open Output');
      const choice = await vscode.window.showErrorMessage(
        vscode.l10n.t('Agent Interlude could not open the capture log. See output channel for more details.'),
        openOutput,
      );
      if (choice === openOutput) output.show();
      return undefined;
    }
  };

  context.subscriptions.push(
    { dispose: () => held?.dispose() },
    provider,
    view,
    view.onDidChangeVisibility(followActivity),
    { dispose: () => service.changes.off('state', onState) },
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.${SESSION_GAP_SETTING}`)) provider.setSessionGap(sessionGapMs());
      // The idle folder follows the capture-directory setting; the watcher's poll picks it up.
      if (event.affectsConfiguration(`${SECTION}.captureDirectory`)) void watcher.sync();
    }),
    vscode.commands.registerCommand(CommandId.CopyId, copyId),
    vscode.commands.registerCommand(CommandId.RevealInLog, revealInLog),
    // The tree as it stands (no refresh of its own, so tests see what live updates delivered), or after a
    // refresh with `{ sync: true }`.
    vscode.commands.registerCommand(
      CommandId.InternalCapturesTree,
      async (options?: { sync?: boolean }): Promise<CapturesTreeSnapshot> => {
        if (options?.sync) await watcher.sync();
        return provider.snapshot();
      },
    ),
  );
}
