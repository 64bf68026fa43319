// Copy Agent Setup: a pick of the exact commands that point Claude Code or Codex at this window's listeners,
// with the real ports (another window may have pushed them off the defaults), copied to the clipboard.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../../core/capture/proxy';
import { agentSetups, type AgentSetup, type AgentSetupId } from './agentSetupLines';

export interface CopiedSetup {
  id: AgentSetupId;
  text: string;
}

/**
 * `choice` skips the pick (tests, keybindings: `"args": "codexChatGpt"`). `listeners` are the running ones;
 * the caller offers to start first.
 */
export async function copyAgentSetup(
  listeners: readonly ListenerStatus[],
  choice?: unknown,
): Promise<CopiedSetup | undefined> {
  const setup = await pickSetup(agentSetups(listeners), choice, vscode.l10n.t('Agent Interlude: copy the command that points an agent here'), vscode.l10n.t('claude or codex'));
  if (!setup) return undefined;
  await vscode.env.clipboard.writeText(setup.text);
  void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: copied the {0} command (port {1}).', setup.label, setup.port));
  return { id: setup.id, text: setup.text };
}

export const CODEX_TERMINAL_NAME = 'Codex · Interlude';

/** What was run, as plain data (tests read it through the command's result). */
export interface CodexTerminal {
  id: AgentSetupId;
  line: string;
  name: string;
}

/**
 * Run Codex through Interlude: a new terminal that runs `codex` on this window's listener, so nobody types the
 * provider flags. Codex reads no environment variable for its base URL (OPENAI_BASE_URL is ignored), and the
 * user's ~/.codex/config.toml is theirs, never edited: the flags on the command line are the one route that leaves
 * both alone. The line stays in the shell's history, to run again.
 */
export async function runCodexInTerminal(listeners: readonly ListenerStatus[], choice?: unknown): Promise<CodexTerminal | undefined> {
  const codexSetups = agentSetups(listeners).filter((setup) => setup.terminalLine !== undefined);
  const setup = await pickSetup(codexSetups, choice, vscode.l10n.t('Agent Interlude: run Codex through Interlude, signed in with…'), 'codex');
  if (!setup?.terminalLine) return undefined;
  const terminal = vscode.window.createTerminal({ name: CODEX_TERMINAL_NAME, iconPath: new vscode.ThemeIcon('terminal') });
  terminal.show();
  terminal.sendText(setup.terminalLine, true);
  return { id: setup.id, line: setup.terminalLine, name: terminal.name };
}

/** `choice` skips the pick (tests, keybindings: `"args": "codexChatGpt"`). */
async function pickSetup(setups: AgentSetup[], choice: unknown, title: string, wanted: string): Promise<AgentSetup | undefined> {
  if (setups.length === 0) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Agent Interlude: no {0} listener is running.', wanted));
    return undefined;
  }
  let setup = typeof choice === 'string' ? setups.find((candidate) => candidate.id === choice) : undefined;
  if (typeof choice === 'string' && !setup) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Agent Interlude: no running listener for "{0}" (available: {1}).', choice, setups.map((item) => item.id).join(', ')),
    );
    return undefined;
  }
  if (!setup) {
    const picked = await vscode.window.showQuickPick(
      setups.map((item) => ({ label: item.label, description: item.detail, detail: item.text.replace(/ \\\n\s*/g, ' '), setup: item })),
      { title, matchOnDetail: true },
    );
    setup = picked?.setup;
  }
  return setup;
}
