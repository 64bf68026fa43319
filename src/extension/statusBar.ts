// One status bar item: the real ports while running (tooltip: each port → upstream and the capture folder),
// an offer to start when stopped.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../core/proxy';
import { CommandId } from './commandIds';

/** Exchanges of the indexed capture folder in which the recorder found secrets. */
export interface SecretCount {
  exchanges: number;
  masked: number;
}

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

  get tooltipText(): string | undefined {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : tooltip?.value;
  }

  /** `$(radio-tower) Interlude 8788 · 8789 · 8790 · 12`: the real ports, then this run's captures. */
  showRunning(listeners: readonly ListenerStatus[], captureDir: string, captures = 0, busy = false, secrets?: SecretCount): void {
    const running = listeners.filter((listener) => listener.port !== undefined);
    const ports = running.map((listener) => listener.port).join(' · ');
    this.item.text = `${busy ? '$(sync~spin) ' : ''}$(radio-tower) Interlude ${ports} · ${captures}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = false;
    tooltip.appendMarkdown('**Agent Interlude** is capturing\n\n');
    for (const listener of listeners) {
      const line = listener.port !== undefined
        ? `${listener.port} → ${listener.spec.upstream} (${listener.spec.agent})` +
          (listener.fallbackFrom !== undefined ? ` — ${listener.fallbackFrom} was in use` : '')
        : `${listener.spec.port} not running: ${listener.error ?? 'unknown error'}`;
      tooltip.appendText(`${line}\n`);
      tooltip.appendMarkdown('\n');
    }
    tooltip.appendText(`Captures: ${captureDir}\n`);
    tooltip.appendMarkdown('\n');
    if (secrets?.exchanges) {
      tooltip.appendText(
        `⚠ ${secrets.exchanges} exchange${secrets.exchanges === 1 ? ' carries' : 's carry'} secrets in the capture folder` +
          (secrets.masked === secrets.exchanges ? ' (masked in the log)' : ' (the log holds them; see agentInterlude.redact)') + '\n',
      );
      tooltip.appendMarkdown('\n');
    }
    tooltip.appendText(`${captures} captured this run${busy ? ', streaming now' : ''}. Click for actions.`);
    this.item.tooltip = tooltip;
    this.item.command = { command: CommandId.InternalStatusMenu, title: 'Agent Interlude actions' };
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
