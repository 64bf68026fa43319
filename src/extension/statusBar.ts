// One status bar item: the real ports while running (tooltip: each port → upstream and the capture folder),
// an offer to start when stopped.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../core/proxy';
import { CommandId } from './commandIds';

export class InterludeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('agentInterlude.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Agent Interlude';
    this.showStopped();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  showRunning(listeners: readonly ListenerStatus[], captureDir: string): void {
    const running = listeners.filter((listener) => listener.port !== undefined);
    this.item.text = `$(radio-tower) Interlude ${running.map((listener) => listener.port).join(' · ')}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = false;
    tooltip.appendMarkdown('**Agent Interlude** is capturing\n\n');
    for (const listener of listeners) {
      const line = listener.port !== undefined
        ? `${listener.port} → ${listener.spec.upstream} (${listener.spec.agent})`
        : `${listener.spec.port} not running: ${listener.error ?? 'unknown error'}`;
      tooltip.appendText(`${line}\n`);
      tooltip.appendMarkdown('\n');
    }
    tooltip.appendText(`Captures: ${captureDir}`);
    this.item.tooltip = tooltip;
    this.item.command = { command: CommandId.Stop, title: 'Stop Interlude' };
  }

  showStopped(): void {
    this.item.text = '$(radio-tower) Interlude';
    this.item.tooltip = 'Agent Interlude is stopped. Click to start capturing.';
    this.item.command = { command: CommandId.Start, title: 'Start Interlude' };
  }

  dispose(): void {
    this.item.dispose();
  }
}
