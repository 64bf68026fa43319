// Open Capture Folder and Analyze Captures. The report is the CLI's text report (`agent-interlude analyze`),
// shown as a read-only virtual document so it can be read, searched and saved but never edited in place.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { analyzeOutput, renderReport } from '../cli/analyze';
import { pricingFromSetting } from '../core/analysis/pricing';
import { buildAnalysisReport } from '../core/analysis/analysisReport';
import { LogIndex, LogSourceError } from '../core/logIndex/logIndex';

export const REPORT_SCHEME = 'agent-interlude-report';

export interface CaptureCommandHost {
  /** The running capture folder, else the configured one (may ask which folder); undefined: the user cancelled. */
  captureDir(): Promise<string | undefined>;
  log: vscode.LogOutputChannel;
  /** An error notification for a failed user action, with "Open Output". */
  fail(message: string): void;
}

class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export type OpenFolderResult = { revealed: 'explorer' | 'external'; path: string } | { revealed: 'none'; path?: string };

export async function openCaptureFolder(host: CaptureCommandHost): Promise<OpenFolderResult> {
  const dir = await host.captureDir();
  if (!dir) return { revealed: 'none' };
  if (!existsSync(dir)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: nothing captured yet; captures will go to {0}.', dir));
    return { revealed: 'none', path: dir };
  }
  const uri = vscode.Uri.file(dir);
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return { revealed: 'explorer', path: dir };
  }
  if (!(await vscode.env.openExternal(uri))) host.fail(vscode.l10n.t('Agent Interlude could not open {0}.', dir));
  return { revealed: 'external', path: dir };
}

export function registerReportProvider(): { provider: ReportDocuments; registration: vscode.Disposable } {
  const provider = new ReportDocuments();
  const registration = vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, provider),
    provider,
  );
  return { provider, registration };
}

/** Runs the analysis over the capture folder and opens the report; returns the document's URI, if any. */
export async function analyzeCaptures(
  host: CaptureCommandHost,
  reports: ReportDocuments,
): Promise<string | undefined> {
  const dir = await host.captureDir();
  if (!dir) return undefined;
  const text = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Agent Interlude: analyzing captures…') },
    async (): Promise<string | undefined> => {
      let index: LogIndex;
      try {
        index = await LogIndex.open([dir]);
      } catch (error) {
        if (!(error instanceof LogSourceError)) throw error;
        host.log.info(`analyze: ${error.message}`);
        return undefined;
      }
      if (index.exchanges().length === 0) return undefined;
      const report = buildAnalysisReport(index.analysisInput(), {});
      const pricing = pricingFromSetting(vscode.workspace.getConfiguration('agentInterlude').get<unknown>('pricing'));
      if (pricing.error) host.log.warn(pricing.error);
      return renderReport(analyzeOutput(index, report, { pricing: pricing.table }));
    },
  ).then(
    (value) => value,
    (error: unknown) => {
      host.log.error(`Analyze Captures failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      host.fail(vscode.l10n.t('Agent Interlude could not analyze the captures. See output channel for more details.'));
      return null;
    },
  );
  if (text === null) return undefined;
  if (text === undefined) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: no captured exchanges to analyze in {0}.', dir));
    return undefined;
  }
  const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: '/Interlude Analysis.txt' });
  reports.set(uri, text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preview: false });
  host.log.info(`analysis of ${dir}: ${text.length} characters`);
  return uri.toString();
}
