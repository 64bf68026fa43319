// Entry point of the VS Code extension. Thin by design: it composes the core capture engine (src/core, no
// `vscode` there) with commands, a status bar item and a log output channel.
import * as vscode from 'vscode';
import type { ListenerStatus } from '../core/proxy';
import { registerCapturesTree } from './capturesView';
import { CommandId, RUNNING_CONTEXT_KEY } from './commandIds';
import { InterludeService, type RunningState } from './interludeService';
import { readSettings, resolveCaptureDir, SECTION } from './settings';
import { InterludeStatusBar } from './statusBar';

/** What the hidden `agentInterlude.internal.status` command returns (tests and later features read it). */
export interface InterludeStatus {
  running: boolean;
  listeners: ListenerStatus[];
  captureDir?: string;
  logPath?: string;
  statusBarText: string;
}

let service: InterludeService | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Agent Interlude', { log: true });
  const statusBar = new InterludeStatusBar();
  const activeService = new InterludeService({
    onRequest: (line) => output.info(line),
    onProblem: (message) => output.warn(message),
  });
  service = activeService;
  context.subscriptions.push(output, statusBar);
  registerCapturesTree(context, { service: activeService, output });

  const openOutput = async (message: string, ...extra: string[]): Promise<string | undefined> => {
    const choice = await vscode.window.showErrorMessage(message, ...extra, 'Open Output');
    if (choice === 'Open Output') output.show();
    return choice;
  };

  const start = async (): Promise<InterludeStatus> => {
    const settings = readSettings();
    const location = resolveCaptureDir(settings, context.globalStorageUri);
    let outcome;
    try {
      outcome = await activeService.start({ listeners: settings.listeners, captureDir: location.dir });
    } catch (error) {
      output.error(`Start Interlude failed: ${error instanceof Error ? error.message : String(error)}`);
      void openOutput('Agent Interlude could not start. See output channel for more details.');
      return status();
    }
    switch (outcome.kind) {
      case 'alreadyRunning':
        break;
      case 'invalid':
        output.error(`Start Interlude: ${outcome.reason}`);
        void settingsProblem(`Agent Interlude cannot start: ${outcome.reason}.`);
        break;
      case 'noneListening':
        for (const listener of outcome.listeners) output.error(`port ${listener.spec.port}: ${listener.error}`);
        void openOutput('Agent Interlude could not open any of its ports. See output channel for more details.');
        break;
      case 'started': {
        const { state } = outcome;
        await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
        statusBar.showRunning(state.listeners, state.captureDir);
        output.info(`capturing to ${state.logPath ?? state.captureDir}${location.note ? ` (${location.note})` : ''}`);
        for (const listener of state.listeners) {
          if (listener.port !== undefined) {
            output.info(`listening on ${listener.url} → ${listener.spec.upstream} (${listener.spec.agent})`);
          }
        }
        reportFailedListeners(state);
        if (location.note) void vscode.window.showInformationMessage(`Agent Interlude: ${location.note} (${state.captureDir}).`);
        break;
      }
    }
    return status();
  };

  const reportFailedListeners = (state: RunningState): void => {
    for (const listener of state.listeners.filter((candidate) => candidate.error !== undefined)) {
      output.error(`port ${listener.spec.port}: ${listener.error}`);
      void settingsProblem(
        `Agent Interlude: port ${listener.spec.port} (${listener.spec.agent}) is not listening: ${listener.error}. ` +
          'The other listeners are running.',
      );
    }
  };

  const settingsProblem = async (message: string): Promise<void> => {
    const choice = await openOutput(message, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.listeners`);
    }
  };

  const stop = async (): Promise<InterludeStatus> => {
    if (await activeService.stop()) output.info('stopped; every port is free');
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
    statusBar.showStopped();
    return status();
  };

  const status = (): InterludeStatus => {
    const state = activeService.running;
    return {
      running: state !== undefined,
      listeners: state?.listeners ?? [],
      captureDir: state?.captureDir,
      logPath: state?.logPath,
      statusBarText: statusBar.text,
    };
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(CommandId.Start, start),
    vscode.commands.registerCommand(CommandId.Stop, stop),
    vscode.commands.registerCommand(CommandId.InternalStatus, status),
  );
}

export async function deactivate(): Promise<void> {
  const stopping = service?.stop();
  service = undefined;
  await stopping;
}
