// Agent Interlude: Export… — a session, the selected exchanges, or the whole capture folder, as HAR, a one-file
// HTML report, the original's JSONL or OpenTelemetry. The work is core's (export/exportCaptures.ts); this asks
// what and where, shows cancellable progress, and offers to open the result. Secrets are masked unless the
// user's setting says otherwise.
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { EXPORT_EXTENSIONS, EXPORT_FORMATS, exportToFile, type ExportFormat, type ExportResult } from '../core/export/exportCaptures';
import { ExportCancelled } from '../core/export/exportRecords';
import { LogIndex, LogSourceError } from '../core/logIndex/logIndex';
import type { CaptureCommandHost } from './captureCommands';
import { SECTION } from './settings';
import { countOf, exchangesText } from '../shared/countText';

/** What a test (or another command) can pass to run the export without asking. */
export interface ExportRequest {
  format?: ExportFormat;
  /** Exchange ids; the whole folder when absent. */
  ids?: string[];
  path?: string;
  /** Skip the "Open" offer at the end. */
  quiet?: boolean;
}

const FORMAT_PICKS: Array<vscode.QuickPickItem & { format: ExportFormat }> = [
  { format: 'html', label: vscode.l10n.t('HTML report'), description: vscode.l10n.t('one file: timeline, request details, prompt skeleton; opens offline') },
  { format: 'har', label: 'HAR 1.2', description: vscode.l10n.t('browser devtools, HTTP Toolkit') },
  { format: 'jsonl', label: vscode.l10n.t('Original JSONL'), description: vscode.l10n.t("the original agent-interlude's record format (its analyze and report)") },
  { format: 'otlp', label: 'OpenTelemetry (OTLP/JSON)', description: vscode.l10n.t('GenAI spans, a trace per conversation (Jaeger, Tempo, Langfuse, Phoenix)') },
];

/** Ids from the tree: a session node (all its exchanges), exchange nodes (the selection), or `{ ids }`. */
function idsFromArguments(first: unknown, selected: unknown): string[] | undefined {
  const nodes = Array.isArray(selected) && selected.length ? selected : first !== undefined ? [first] : [];
  const ids: string[] = [];
  for (const node of nodes) {
    if (!node || typeof node !== 'object') continue;
    const value = node as { kind?: unknown; id?: unknown; ids?: unknown };
    if (value.kind === 'session' && Array.isArray(value.ids)) ids.push(...value.ids.filter((id): id is string => typeof id === 'string'));
    else if (typeof value.id === 'string') ids.push(value.id);
  }
  return ids.length ? [...new Set(ids)] : undefined;
}

function isRequest(value: unknown): value is ExportRequest {
  return typeof value === 'object' && value !== null && !('kind' in value) && ('format' in value || 'path' in value || 'ids' in value);
}

export async function exportCaptures(
  host: CaptureCommandHost,
  first?: unknown,
  selected?: unknown,
): Promise<ExportResult | undefined> {
  const request: ExportRequest = isRequest(first) ? first : {};
  const dir = await host.captureDir();
  if (!dir) return undefined;
  const ids = request.ids ?? (isRequest(first) ? undefined : idsFromArguments(first, selected));
  let index: LogIndex;
  try {
    // Not the views' shared index, which may lag the folder (a log removed or rewritten since it was read): an
    // export reads the folder as it is now.
    index = await LogIndex.open([dir]);
  } catch (error) {
    if (error instanceof LogSourceError) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: nothing to export yet: {0}', error.message));
      return undefined;
    }
    throw error;
  }
  if (!index.exchanges().length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: no captured exchanges in {0} to export.', dir));
    return undefined;
  }

  let format = request.format;
  if (!format) {
    if (!ids) {
      const scope = await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('Whole capture folder'), description: exchangesText(index.exchanges().length), scope: 'all' as const },
          { label: vscode.l10n.t('A session…'), description: vscode.l10n.t('choose a session in the Captures view and use Export… on it'), scope: 'session' as const },
        ],
        { title: vscode.l10n.t('Export captures'), placeHolder: vscode.l10n.t('What to export') },
      );
      if (!scope) return undefined;
      if (scope.scope === 'session') {
        void vscode.commands.executeCommand('agentInterlude.captures.focus');
        return undefined;
      }
    }
    const exportTitle = ids ? (ids.length === 1 ? vscode.l10n.t('Export {0} exchange', ids.length) : vscode.l10n.t('Export {0} exchanges', ids.length)) : vscode.l10n.t('Export the capture folder');
    const pick = await vscode.window.showQuickPick(FORMAT_PICKS, { title: exportTitle, placeHolder: vscode.l10n.t('Format') });
    if (!pick) return undefined;
    format = pick.format;
  }
  if (!EXPORT_FORMATS.includes(format)) throw new Error(`unknown export format ${String(format)}`);

  let path = request.path;
  if (!path) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(dirname(dir), `agent-interlude-${stamp}.${EXPORT_EXTENSIONS[format]}`)),
      title: vscode.l10n.t('Export captures'),
    });
    if (!target) return undefined;
    path = target.fsPath;
  }
  const mask = vscode.workspace.getConfiguration(SECTION).get<boolean>('export.maskSecrets') ?? true;
  const content = vscode.workspace.getConfiguration(SECTION).get<boolean>('otlp.content') ?? false;
  const output = path;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting to {0}', basename(output)), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        return exportToFile(
          index,
          {
            format: format!,
            ids,
            mask,
            content,
            signal: abort.signal,
            onProgress: ({ done, total }) => {
              const percent = total ? (done / total) * 100 : 100;
              progress.report({ increment: percent - shown, message: `${done} / ${total}` });
              shown = percent;
            },
          },
          output,
        );
      },
    );
    host.log.info(`exported ${countOf(result.exchanges, 'exchange')} as ${format} to ${result.path} (${countOf(result.bytes, 'byte')}${mask ? ', secrets masked' : ', secrets NOT masked'})`);
    if (!request.quiet) {
      const open = vscode.l10n.t('Open');
      const exported = result.exchanges === 1
        ? vscode.l10n.t('Agent Interlude: exported {0} exchange to {1}.', result.exchanges, basename(result.path))
        : vscode.l10n.t('Agent Interlude: exported {0} exchanges to {1}.', result.exchanges, basename(result.path));
      void vscode.window.showInformationMessage(exported, open).then((choice) => {
        if (choice === open) void vscode.env.openExternal(vscode.Uri.file(result.path));
      });
    }
    return result;
  } catch (error) {
    if (error instanceof ExportCancelled) {
      host.log.info('export cancelled');
      return undefined;
    }
    host.log.error(`Export failed: ${error instanceof Error ? error.message : String(error)}`);
    host.fail(vscode.l10n.t('Agent Interlude: the export failed. See output channel for more details.'));
    return undefined;
  }
}
