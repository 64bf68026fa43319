// Copy Agent Setup: a pick of the exact commands that point Claude Code or Codex at this window's listeners,
// with the real ports (another window may have pushed them off the defaults), copied to the clipboard.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../core/proxy';
import { agentSetups, type AgentSetupId } from './agentSetupLines';

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
  const setups = agentSetups(listeners);
  if (setups.length === 0) {
    void vscode.window.showWarningMessage('Agent Interlude: no claude or codex listener is running.');
    return undefined;
  }
  let setup = typeof choice === 'string' ? setups.find((candidate) => candidate.id === choice) : undefined;
  if (typeof choice === 'string' && !setup) {
    void vscode.window.showWarningMessage(
      `Agent Interlude: no running listener for "${choice}" (available: ${setups.map((item) => item.id).join(', ')}).`,
    );
    return undefined;
  }
  if (!setup) {
    const picked = await vscode.window.showQuickPick(
      setups.map((item) => ({ label: item.label, description: item.detail, detail: item.text.replace(/ \\\n\s*/g, ' '), setup: item })),
      { title: 'Agent Interlude: copy the command that points an agent here', matchOnDetail: true },
    );
    setup = picked?.setup;
  }
  if (!setup) return undefined;
  await vscode.env.clipboard.writeText(setup.text);
  void vscode.window.showInformationMessage(`Agent Interlude: copied the ${setup.label} command (port ${setup.port}).`);
  return { id: setup.id, text: setup.text };
}
