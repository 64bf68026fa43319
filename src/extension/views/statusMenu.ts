// The status bar item's click while running: the few things one does with a running Interlude.
import * as vscode from 'vscode';
import { CommandId } from '../commandIds';

interface MenuItem extends vscode.QuickPickItem {
  command: string;
}

export async function showStatusMenu(running: boolean): Promise<void> {
  if (!running) {
    await vscode.commands.executeCommand(CommandId.Start);
    return;
  }
  const items: MenuItem[] = [
    { label: `$(debug-stop) ${vscode.l10n.t('Stop Interlude')}`, description: vscode.l10n.t('free every port'), command: CommandId.Stop },
    { label: `$(copy) ${vscode.l10n.t('Copy Agent Setup')}`, description: vscode.l10n.t('the command that points Claude Code or Codex here'), command: CommandId.CopyAgentSetup },
    { label: `$(terminal) ${vscode.l10n.t('Run Codex through Interlude')}`, description: vscode.l10n.t('a terminal running codex on this listener'), command: CommandId.RunCodex },
    { label: `$(timeline-view-icon) ${vscode.l10n.t('Open Timeline')}`, description: vscode.l10n.t('the exchanges as a sequence diagram'), command: CommandId.OpenTimeline },
    { label: `$(graph-line) ${vscode.l10n.t('Open Insights')}`, description: vscode.l10n.t('prompts, tokens and cache, tools, conversation graph'), command: CommandId.OpenInsights },
    { label: `$(folder-opened) ${vscode.l10n.t('Open Capture Folder')}`, command: CommandId.OpenCaptureFolder },
    { label: `$(graph) ${vscode.l10n.t('Analyze Captures')}`, command: CommandId.Analyze },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Agent Interlude') });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
