// Small helpers shared by the suites that run inside the extension host.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InterludeStatus } from '../../src/extension/extension';

export const EXTENSION_ID = 'agent-interlude.agent-interlude';

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  await extension.activate();
  return extension;
}

export function interludeStatus(): Thenable<InterludeStatus> {
  return vscode.commands.executeCommand<InterludeStatus>('agentInterlude.internal.status');
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test workbench opened no folder');
  // scripts/runExtensionTests.mjs says which temp folder it opened; the captures must land there.
  const expected = process.env.INTERLUDE_TEST_WORKSPACE;
  if (expected && folder.uri.fsPath !== expected) {
    throw new Error(`the workbench opened ${folder.uri.fsPath}, not the runner's workspace ${expected}`);
  }
  return folder.uri.fsPath;
}

/** Every record in the capture logs of `dir`, in file then line order. */
export function readCaptureRecords(dir: string): Array<Record<string, unknown>> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^log-.*\.jsonl$/.test(name)).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

/** Runs a (hidden status) command until its answer is accepted; the last answer is in the timeout message. */
export async function waitForCommand<T>(command: string, what: string, accept: (answer: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await vscode.commands.executeCommand<T>(command);
    if (accept(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last answer ${JSON.stringify(answer)}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

/** The open tabs showing a webview of this view type. */
export function webviewTabs(viewType: string): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(viewType));
}

/** Drives one of the panels through its hidden status command (`action` acts in the page as a user would). */
export function panelDriver<Status extends { probe?: unknown }>(command: string, viewType: string) {
  const status = (action?: unknown): Thenable<Status> => vscode.commands.executeCommand<Status>(command, action);
  const waitFor = (what: string, accept: (answer: Status) => boolean, timeoutMs = 30_000): Promise<Status> =>
    waitForCommand<Status>(command, what, accept, timeoutMs);
  return {
    status,
    waitFor,
    /** What the page sees of itself (script elements, whether a captured handler ran, …). */
    async probe(): Promise<NonNullable<Status['probe']>> {
      await status({ probe: true });
      const answer = await waitFor('the page to answer the probe', (s) => s.probe !== undefined);
      return answer.probe as NonNullable<Status['probe']>;
    },
    tabs: (): vscode.Tab[] => webviewTabs(viewType),
  };
}

/**
 * Hides a panel as a user would: a text file opened in its editor group. The webview's page is discarded
 * (retainContextWhenHidden is off). Returns what closes the file again.
 */
export async function hideBehindFile(tab: vscode.Tab, file: string): Promise<() => Promise<void>> {
  writeFileSync(file, 'hides the panel\n');
  const document = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(document, { viewColumn: tab.group.viewColumn, preview: false });
  return async () => {
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((candidate) => candidate.input instanceof vscode.TabInputText && candidate.input.uri.fsPath === file);
    await vscode.window.tabGroups.close(tabs);
  };
}

export interface ClaudeExchange {
  id: string;
  /** Request time, epoch ms; the response lands `roundTripMs` later. */
  at: number;
  agent: string;
  model: string;
  system: unknown[];
  tools: unknown[];
  messages: unknown[];
  /** The response's content blocks. */
  content: unknown[];
  stopReason?: string;
  usage?: Record<string, number>;
  roundTripMs?: number;
  stream?: boolean;
}

/** One Messages API exchange as two JSONL lines in the original tool's record format (as its CLI writes them). */
export function claudeExchangeLines(exchange: ClaudeExchange): string {
  const { id, agent, model, system, tools, messages } = exchange;
  const request = {
    id,
    kind: 'request',
    ts: new Date(exchange.at).toISOString(),
    agent,
    wire: 'claude-messages',
    method: 'POST',
    path: '/v1/messages',
    headers_kept: { 'content-type': 'application/json' },
    request: { model, max_tokens: 8, ...(exchange.stream ? { stream: true } : {}), system, tools, messages },
    extract: { system, tools, messages },
  };
  const response = {
    id,
    kind: 'response',
    ts: new Date(exchange.at + (exchange.roundTripMs ?? 400)).toISOString(),
    agent,
    wire: 'claude-messages',
    status: 200,
    stream: false,
    body: {
      type: 'message',
      role: 'assistant',
      content: exchange.content,
      model,
      ...(exchange.stopReason ? { stop_reason: exchange.stopReason } : {}),
      ...(exchange.usage ? { usage: exchange.usage } : {}),
    },
    content_type: 'application/json',
  };
  return `${JSON.stringify(request)}\n${JSON.stringify(response)}\n`;
}

/** Points the views at `dir` through the capture-directory setting, as a user with captures elsewhere would. */
export function useCaptureFolder(dir: string): Thenable<void> {
  return vscode.workspace.getConfiguration('agentInterlude').update('captureDirectory', dir, vscode.ConfigurationTarget.Global);
}

/** After a suite: every editor closed, the capture-directory setting cleared, `dir` deleted. */
export async function dropCaptureFolder(dir: string): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.workspace.getConfiguration('agentInterlude').update('captureDirectory', undefined, vscode.ConfigurationTarget.Global);
  rmSync(dir, { recursive: true, force: true });
}

/** The command exists, and package.json keeps it out of the command palette (`when: false`). */
export async function assertInternalCommand(command: string): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes(command), `${command} is registered`);
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  const palette = (extension?.packageJSON as { contributes: { menus: { commandPalette: Array<{ command: string; when: string }> } } }).contributes.menus
    .commandPalette;
  assert.equal(palette.find((entry) => entry.command === command)?.when, 'false', `${command} stays out of the palette`);
}
