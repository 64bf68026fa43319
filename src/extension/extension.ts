// Entry point of the VS Code extension. Thin by design: it composes the core capture engine (src/core, no
// `vscode` there) with commands, a status bar item and a log output channel.
import './l10nSetup';
import { secretReport } from '../core/analysis/secretReport';
import * as vscode from 'vscode';
import type { ListenerSpec } from '../core/capture/listeners';
import type { ListenerStatus } from '../core/capture/proxy';
import { copyAgentSetup, runCodexInTerminal } from './agents/agentSetup';
import { analyzeCaptures, openCaptureFolder, registerReportProvider, type CaptureCommandHost } from './captureCommands';
import { chooseCaptureFolder } from './captureFolder';
import { CaptureWatcher } from './captureWatcher';
import { registerCapturesTree } from './views/capturesView';
import { CommandId, RUNNING_CONTEXT_KEY } from './commandIds';
import { registerDiffs } from './diffs/diffCommands';
import { exportCaptures } from './exportCommand';
import { ExplainSource } from './explainSource';
import { InterludeService, type RunningState } from './interludeService';
import { registerRequestPanel } from './panels/requestPanel';
import { registerTimeline } from './panels/timelinePanel';
import { registerInsights } from './panels/insightsPanel';
import { readSettings, recordingOptions, resolveCaptureDir, SECTION, type CaptureLocation } from './settings';
import { InterludeStatusBar, type SecretCount } from './views/statusBar';
import { showStatusMenu } from './views/statusMenu';
import { TerminalWiring } from './agents/terminalEnv';

/** What the hidden `agentInterlude.internal.status` command returns (tests and later features read it). */
export interface InterludeStatus {
  running: boolean;
  listeners: ListenerStatus[];
  captureDir?: string;
  logPath?: string;
  statusBarText: string;
  /** Responses captured since this run started. */
  captures: number;
  /** What new integrated terminals get as ANTHROPIC_BASE_URL (undefined: nothing). */
  terminalBaseUrl?: string;
  /** The status bar tooltip's secrets count (undefined until a view has indexed the capture folder). */
  secrets?: SecretCount;
  statusBarTooltip?: string;
}

let service: InterludeService | undefined;

/** How long a listener restart waits for the exchanges in flight to end. */
const RESTART_WAIT_MS = 30_000;
/** When, after activation, autoStart and the listeners setting are read again (see the end of activate). */
const SETTINGS_RECHECKS_MS = [2_000, 5_000, 10_000, 20_000];

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Agent Interlude', { log: true });
  const statusBar = new InterludeStatusBar();
  const terminals = new TerminalWiring(context.environmentVariableCollection);
  const reports = registerReportProvider();
  // Captures and the busy sign follow the relay's events (an exchange started or ended, a record landed).
  const refreshStatus = (): void => {
    const state = activeService.running;
    if (state) statusBar.showRunning(state.listeners, state.captureDir, activeService.captures, activeService.activeExchanges > 0, secretCount());
  };
  const activeService = new InterludeService({
    onRequest: (line) => output.info(line),
    onProblem: (message) => output.warn(message),
    onActivity: refreshStatus,
    onCrashed: () => void crashed(),
  });
  service = activeService;
  context.subscriptions.push(output, statusBar, reports.registration);
  // One index of the capture folder for every view in the window.
  const watcher = new CaptureWatcher({
    service: activeService,
    idleDir: () => resolveCaptureDir(readSettings(), context.globalStorageUri).dir,
    log: (message) => output.warn(message),
  });
  const explain = new ExplainSource(watcher, output);
  context.subscriptions.push(watcher, explain);
  const viewDeps = { service: activeService, output, watcher, explain };
  // The status bar's secrets count reads the shared index when a view has it open (no index of its own).
  const secretCount = (): SecretCount | undefined => {
    const exchanges = watcher.current?.exchanges();
    if (!exchanges) return undefined;
    const { exchanges: withSecrets, masked } = secretReport(exchanges);
    return { exchanges: withSecrets, masked };
  };
  context.subscriptions.push(watcher.onDidChange(() => refreshStatus()));
  registerCapturesTree(context, viewDeps);

  const openOutput = async (message: string, ...extra: string[]): Promise<string | undefined> => {
    const open = vscode.l10n.t('Open Output');
    const choice = await vscode.window.showErrorMessage(message, ...extra, open);
    if (choice === open) output.show();
    return choice;
  };

  /** Where captures go when starting now; undefined when the user cancelled the folder pick. */
  const captureLocation = async (): Promise<CaptureLocation | undefined> => {
    const settings = readSettings();
    const choice = await chooseCaptureFolder(settings);
    if (choice.kind === 'cancelled') return undefined;
    if (choice.kind === 'unknownName') {
      output.error(`agentInterlude.captureWorkspaceFolder names "${choice.name}", which is not a folder of this workspace`);
      void settingsProblem(
        vscode.l10n.t('Agent Interlude: no workspace folder is named "{0}" (setting agentInterlude.captureWorkspaceFolder).', choice.name),
        'captureWorkspaceFolder',
      );
      return undefined;
    }
    return resolveCaptureDir(settings, context.globalStorageUri, choice.folder);
  };

  const start = async (): Promise<InterludeStatus> => {
    const settings = readSettings();
    if (activeService.running) return status();
    const location = await captureLocation();
    if (!location) return status();
    let outcome;
    try {
      outcome = await activeService.start({ listeners: settings.listeners, captureDir: location.dir, recording: recordingOptions(settings, output) });
    } catch (error) {
      output.error(`Start Interlude failed: ${error instanceof Error ? error.message : String(error)}`);
      void openOutput(vscode.l10n.t('Agent Interlude could not start. See output channel for more details.'));
      return status();
    }
    switch (outcome.kind) {
      case 'alreadyRunning':
        break;
      case 'invalid':
        output.error(`Start Interlude: ${outcome.reason}`);
        void settingsProblem(vscode.l10n.t('Agent Interlude cannot start: {0}.', outcome.reason));
        break;
      case 'noneListening':
        for (const listener of outcome.listeners) output.error(`port ${listener.spec.port}: ${listener.error}`);
        void openOutput(vscode.l10n.t('Agent Interlude could not open any of its ports. See output channel for more details.'));
        break;
      case 'started': {
        const { state } = outcome;
        await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
        statusBar.showRunning(state.listeners, state.captureDir, activeService.captures, false, secretCount());
        terminals.apply(state.listeners, settings.terminalIntegration);
        reportMovedListeners(state);
        output.info(`capturing to ${state.logPath ?? state.captureDir}${location.note ? ` (${location.note})` : ''}`);
        for (const listener of state.listeners) {
          if (listener.port !== undefined) {
            output.info(`listening on ${listener.url} → ${listener.spec.upstream} (${listener.spec.agent})`);
          }
        }
        reportFailedListeners(state);
        if (location.note) void vscode.window.showInformationMessage(vscode.l10n.t('Agent Interlude: {0} ({1}).', location.note, state.captureDir));
        // The setting may have changed while this start was under way (its change event found nothing running).
        void restartForListeners();
        break;
      }
    }
    return status();
  };

  const reportFailedListeners = (state: RunningState): void => {
    for (const listener of state.listeners.filter((candidate) => candidate.error !== undefined)) {
      output.error(`port ${listener.spec.port}: ${listener.error}`);
      void settingsProblem(
        vscode.l10n.t('Agent Interlude: port {0} ({1}) is not listening: {2}. The other listeners are running.', listener.spec.port, listener.spec.agent, listener.error ?? ''),
      );
    }
  };

  const reportMovedListeners = (state: RunningState): void => {
    const moved = state.listeners.filter((listener) => listener.fallbackFrom !== undefined);
    for (const listener of moved) {
      output.warn(`port ${listener.fallbackFrom} (${listener.spec.agent}) is in use, so this window listens on ${listener.port}`);
    }
    if (moved.length === 0) return;
    const pairs = moved.map((listener) => `${listener.spec.agent} ${listener.fallbackFrom} → ${listener.port}`).join(', ');
    void vscode.window.showInformationMessage(
      moved.length === 1
        ? vscode.l10n.t('Agent Interlude: a port was in use (often another window), so this window listens elsewhere: {0}. Terminals, Copy Agent Setup and the status bar use the new port.', pairs)
        : vscode.l10n.t('Agent Interlude: ports were in use (often another window), so this window listens elsewhere: {0}. Terminals, Copy Agent Setup and the status bar use the new ports.', pairs),
    );
  };

  const settingsProblem = async (message: string, setting = 'listeners'): Promise<void> => {
    const openSettings = vscode.l10n.t('Open Settings');
    const choice = await openOutput(message, openSettings);
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.${setting}`);
    }
  };

  const stop = async (): Promise<InterludeStatus> => {
    if (await activeService.stop()) output.info('stopped; every port is free');
    terminals.clear();
    statusBar.showStopped();
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
    return status();
  };

  // The relay thread died (the service has already dropped it, and its problem line is in the output channel):
  // show stopped, as after Stop, and say so.
  const crashed = async (): Promise<void> => {
    await stop();
    void openOutput(vscode.l10n.t('Agent Interlude stopped unexpectedly: its listeners are closed. Start Interlude again to resume capturing.'));
  };

  // The listeners are read when Interlude starts. When their setting changes while it runs (the user edits it;
  // or, seen in code-server, the machine-scoped value arrives only after an autoStart at window open had used
  // the defaults) they restart, once no exchange is in flight, so no agent's stream is cut.
  let restarting = false;
  const restartForListeners = async (): Promise<void> => {
    if (restarting) return;
    restarting = true;
    try {
      await activeService.whenIdle(RESTART_WAIT_MS);
      const running = activeService.running;
      const wanted = readSettings().listeners;
      const same = (a: ListenerSpec, b: ListenerSpec): boolean => a.port === b.port && a.upstream === b.upstream && a.agent === b.agent;
      if (!running || (running.listeners.length === wanted.length && running.listeners.every((listener, at) => same(listener.spec, wanted[at])))) return;
      output.info('the listener settings changed: restarting the listeners');
      await stop();
      await start();
    } finally {
      restarting = false;
    }
  };

  const status = (): InterludeStatus => {
    const state = activeService.running;
    return {
      running: state !== undefined,
      listeners: state?.listeners ?? [],
      captureDir: state?.captureDir,
      logPath: state?.logPath,
      statusBarText: statusBar.text,
      captures: state ? activeService.captures : 0,
      terminalBaseUrl: terminals.value,
      secrets: secretCount(),
      statusBarTooltip: statusBar.tooltipText,
    };
  };

  const captureHost: CaptureCommandHost = {
    captureDir: async () => activeService.running?.captureDir ?? (await captureLocation())?.dir,
    log: output,
    fail: (message) => void openOutput(message),
  };

  /** Copy Agent Setup and Run Codex need running listeners: offer to start first. */
  const runningListeners = async (): Promise<ListenerStatus[] | undefined> => {
    if (!activeService.running) {
      const startLabel = vscode.l10n.t('Start Interlude');
      const answer = await vscode.window.showInformationMessage(
        vscode.l10n.t('Agent Interlude is not running. Start it to point the agent at the real ports?'),
        startLabel,
      );
      if (answer !== startLabel) return undefined;
      await start();
    }
    return activeService.running?.listeners;
  };
  const copySetup = async (choice?: unknown) => {
    const listeners = await runningListeners();
    return listeners ? copyAgentSetup(listeners, choice) : undefined;
  };
  const runCodex = async (choice?: unknown) => {
    const listeners = await runningListeners();
    return listeners ? runCodexInTerminal(listeners, choice) : undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(CommandId.Start, start),
    vscode.commands.registerCommand(CommandId.Stop, stop),
    vscode.commands.registerCommand(CommandId.InternalStatus, status),
    vscode.commands.registerCommand(CommandId.CopyAgentSetup, copySetup),
    vscode.commands.registerCommand(CommandId.RunCodex, runCodex),
    vscode.commands.registerCommand(CommandId.OpenCaptureFolder, () => openCaptureFolder(captureHost)),
    vscode.commands.registerCommand(CommandId.Analyze, () => analyzeCaptures(captureHost, reports.provider)),
    vscode.commands.registerCommand(CommandId.Export, (first?: unknown, selected?: unknown) => exportCaptures(captureHost, first, selected)),
    vscode.commands.registerCommand(CommandId.InternalStatusMenu, () => showStatusMenu(activeService.running !== undefined)),
    vscode.commands.registerCommand(CommandId.InternalKillRelay, () => activeService.killRelay()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const state = activeService.running;
      if (state && event.affectsConfiguration(`${SECTION}.terminalIntegration`)) {
        terminals.apply(state.listeners, readSettings().terminalIntegration);
      }
      if (state && event.affectsConfiguration(`${SECTION}.listeners`)) void restartForListeners();
    }),
  );
  registerRequestPanel(context, viewDeps);
  registerTimeline(context, viewDeps);
  registerInsights(context, viewDeps);
  registerDiffs(context, viewDeps);

  // autoStart: once, when the window opens. Seen in code-server: the user settings (autoStart itself, and the
  // machine-scoped listeners) can reach the extension only a few seconds after activation, so both are read
  // again a few times; the listeners restart only if they differ from the running ones.
  let autoStarted = false;
  const autoStart = (): void => {
    if (autoStarted || !readSettings().autoStart) return;
    autoStarted = true;
    void start();
  };
  autoStart();
  for (const delayMs of SETTINGS_RECHECKS_MS) {
    const timer = setTimeout(() => {
      autoStart();
      void restartForListeners();
    }, delayMs);
    context.subscriptions.push({ dispose: () => clearTimeout(timer) });
  }
}

export async function deactivate(): Promise<void> {
  const stopping = service?.stop();
  service = undefined;
  await stopping;
}
