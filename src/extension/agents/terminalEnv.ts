// Wires new integrated terminals to the claude listener: ANTHROPIC_BASE_URL through the terminal environment
// API, so `claude` typed in any VS Code terminal is captured. Not persistent: after a reload nothing listens
// until Interlude starts again, and a stale URL would break `claude`.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../../core/capture/proxy';
import { LOOPBACK_HOST } from '../../core/capture/listeners';

export const CLAUDE_ENV = 'ANTHROPIC_BASE_URL';

export class TerminalWiring {
  constructor(private readonly collection: vscode.GlobalEnvironmentVariableCollection) {
    collection.persistent = false;
  }

  /** Points new terminals at the first running claude listener, or clears when off / none runs. */
  apply(listeners: readonly ListenerStatus[], enabled: boolean): void {
    const claude = listeners.find((listener) => listener.spec.agent === 'claude' && listener.port !== undefined);
    if (!enabled || !claude) {
      this.clear();
      return;
    }
    const url = `http://${LOOPBACK_HOST}:${claude.port}`;
    this.collection.replace(CLAUDE_ENV, url);
    this.collection.description = vscode.l10n.t(
      'Agent Interlude sets {0}={1} so Claude Code in this terminal is captured (setting agentInterlude.terminalIntegration turns this off).',
      CLAUDE_ENV,
      url,
    );
  }

  clear(): void {
    this.collection.clear();
    this.collection.description = undefined;
  }

  /** The value new terminals get now (tests and the status read it). */
  get value(): string | undefined {
    return this.collection.get(CLAUDE_ENV)?.value;
  }
}
