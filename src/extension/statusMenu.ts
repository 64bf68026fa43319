// The status bar item's click while running: the few things one does with a running Interlude.
import * as vscode from 'vscode';
import { CommandId } from './commandIds';

interface MenuItem extends vscode.QuickPickItem {
  command: string;
}

export async function showStatusMenu(running: boolean): Promise<void> {
  if (!running) {
    await vscode.commands.executeCommand(CommandId.Start);
    return;
  }
  const items: MenuItem[] = [
    { label: '$(debug-stop) Stop Interlude', description: 'free every port', command: CommandId.Stop },
    { label: '$(copy) Copy Agent Setup', description: 'the command that points Claude Code or Codex here', command: CommandId.CopyAgentSetup },
    { label: '$(terminal) Run Codex through Interlude', description: 'a terminal running codex on this listener', command: CommandId.RunCodex },
    { label: '$(timeline-view-icon) Open Timeline', description: 'the exchanges as a sequence diagram', command: CommandId.OpenTimeline },
    { label: '$(graph-line) Open Insights', description: 'prompts, tokens and cache, tools, conversation graph', command: CommandId.OpenInsights },
    { label: '$(folder-opened) Open Capture Folder', command: CommandId.OpenCaptureFolder },
    { label: '$(graph) Analyze Captures', command: CommandId.Analyze },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Agent Interlude' });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
