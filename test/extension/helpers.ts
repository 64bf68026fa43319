// Small helpers shared by the suites that run inside the extension host.
import { readdirSync, readFileSync } from 'node:fs';
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
