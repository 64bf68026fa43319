// One status bar item: the real ports while running (tooltip: each port → upstream and the capture folder),
// an offer to start when stopped.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../../core/capture/proxy';
import { CommandId } from '../commandIds';

/** Exchanges of the indexed capture folder in which the recorder found secrets. */
export interface SecretCount {
  exchanges: number;
  masked: number;
}

export class InterludeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('agentInterlude.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = vscode.l10n.t('Agent Interlude');
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
    this.item.text = `${busy ? '$(sync~spin) ' : ''}${vscode.l10n.t('$(radio-tower) Interlude {0} · {1}', ports, captures)}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = false;
    tooltip.appendMarkdown(`${vscode.l10n.t('**Agent Interlude** is capturing')}\n\n`);
    for (const listener of listeners) {
      const line = listener.port !== undefined
        ? `${listener.port} → ${listener.spec.upstream} (${listener.spec.agent})` +
          (listener.fallbackFrom !== undefined ? vscode.l10n.t(' — {0} was in use', listener.fallbackFrom) : '')
        : vscode.l10n.t('{0} not running: {1}', listener.spec.port, listener.error ?? vscode.l10n.t('unknown error'));
      tooltip.appendText(`${line}\n`);
      tooltip.appendMarkdown('\n');
    }
    tooltip.appendText(`${vscode.l10n.t('Captures: {0}', captureDir)}\n`);
    tooltip.appendMarkdown('\n');
    if (secrets?.exchanges) {
      tooltip.appendText(
        (secrets.exchanges === 1
          ? vscode.l10n.t('⚠ 1 exchange carries secrets in the capture folder')
          : vscode.l10n.t('⚠ {0} exchanges carry secrets in the capture folder', secrets.exchanges)) +
          (secrets.masked === secrets.exchanges ? vscode.l10n.t(' (masked in the log)') : vscode.l10n.t(' (the log holds them; see agentInterlude.redact)')) + '\n',
      );
      tooltip.appendMarkdown('\n');
    }
    tooltip.appendText(busy ? vscode.l10n.t('{0} captured this run, streaming now. Click for actions.', captures) : vscode.l10n.t('{0} captured this run. Click for actions.', captures));
    this.item.tooltip = tooltip;
    this.item.command = { command: CommandId.InternalStatusMenu, title: vscode.l10n.t('Agent Interlude actions') };
  }

  showStopped(): void {
    this.item.text = vscode.l10n.t('$(radio-tower) Interlude');
    this.item.tooltip = vscode.l10n.t('Agent Interlude is stopped. Click to start capturing.');
    this.item.command = { command: CommandId.Start, title: vscode.l10n.t('Start Interlude') };
  }

  dispose(): void {
    this.item.dispose();
  }
}
