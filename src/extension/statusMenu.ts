// The status bar item's click while running: the few things one does with a running Interlude.
import * as vscode from 'vscode';
import { CommandId, OPEN_TIMELINE_COMMAND } from './commandIds';

interface MenuItem extends vscode.QuickPickItem {
  command: string;
}

export async function showStatusMenu(running: boolean): Promise<void> {
  if (!running) {
    await vscode.commands.executeCommand(CommandId.Start);
    return;
  }
  const commands = await vscode.commands.getCommands(true);
  const items: MenuItem[] = [
    { label: '$(debug-stop) Stop Interlude', description: 'free every port', command: CommandId.Stop },
    { label: '$(copy) Copy Agent Setup', description: 'the command that points Claude Code or Codex here', command: CommandId.CopyAgentSetup },
    ...(commands.includes(OPEN_TIMELINE_COMMAND)
      ? [{ label: '$(timeline-view-icon) Open Timeline', command: OPEN_TIMELINE_COMMAND }]
      : []),
    { label: '$(folder-opened) Open Capture Folder', command: CommandId.OpenCaptureFolder },
    { label: '$(graph) Analyze Captures', command: CommandId.Analyze },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Agent Interlude' });
  if (picked) await vscode.commands.executeCommand(picked.command);
}
