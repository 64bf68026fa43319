// The extension's settings, read as one typed snapshot. `listeners` and `captureDirectory` are listed in
// package.json `restrictedConfigurations`, so VS Code itself ignores their workspace values in an untrusted
// workspace: a checked-in .vscode/settings.json cannot send the user's API keys to another host.
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { RecordingOptions } from '../core/capture/captureRecorder';
import { DEFAULT_LISTENERS, type ListenerSpec } from '../core/capture/listeners';
import { REDACT_MODES, type RedactMode } from '../core/secrets/lineRedactor';

export const SECTION = 'agentInterlude';
export const CAPTURE_FOLDER_NAME = '.agent-interlude';

export interface InterludeSettings {
  listeners: ListenerSpec[];
  /** As written by the user; empty means the default place (see resolveCaptureDir). */
  captureDirectory: string;
  /** Name of the workspace folder that receives captures in a multi-root workspace; empty: ask. */
  captureWorkspaceFolder: string;
  /** Give new integrated terminals ANTHROPIC_BASE_URL while running. */
  terminalIntegration: boolean;
  /** Start on window startup instead of waiting for the user. */
  autoStart: boolean;
  /** Secrets in captured bodies: flagged (default) or masked in the log. */
  redact: RedactMode;
  /** OTLP/HTTP endpoint to push each exchange to; empty: no push. */
  otlpEndpoint: string;
  otlpHeaders: Record<string, string>;
  otlpContent: boolean;
}

export function readSettings(): InterludeSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const listeners = config.get<unknown>('listeners');
  return {
    listeners: Array.isArray(listeners) ? listeners.map(toListenerSpec) : DEFAULT_LISTENERS.map((spec) => ({ ...spec })),
    captureDirectory: (config.get<string>('captureDirectory') ?? '').trim(),
    captureWorkspaceFolder: (config.get<string>('captureWorkspaceFolder') ?? '').trim(),
    terminalIntegration: config.get<boolean>('terminalIntegration') ?? true,
    autoStart: config.get<boolean>('autoStart') ?? false,
    redact: REDACT_MODES.includes(config.get<RedactMode>('redact') as RedactMode) ? (config.get<RedactMode>('redact') as RedactMode) : 'flag',
    otlpEndpoint: (config.get<string>('otlp.endpoint') ?? '').trim(),
    otlpHeaders: stringMap(config.get<unknown>('otlp.headers')),
    otlpContent: config.get<boolean>('otlp.content') ?? false,
  };
}

// Settings JSON is only schema-checked in the editor; coerce here and let validateListener (core) explain the rest.
function toListenerSpec(value: unknown): ListenerSpec {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return { port: Number(entry.port), upstream: String(entry.upstream ?? ''), agent: String(entry.agent ?? '') };
}

export interface CaptureLocation {
  dir: string;
  /** Said in the UI when the captures do not go into the workspace (no folder open). */
  note?: string;
}

/**
 * `<workspace folder>/.agent-interlude` by default (the given folder, else the first one; see captureFolder.ts
 * for the multi-root choice); a relative `captureDirectory` is taken from that folder; with no folder open the
 * captures go to the extension's global storage.
 */
export function resolveCaptureDir(
  settings: InterludeSettings,
  globalStorage: vscode.Uri,
  chosen?: vscode.WorkspaceFolder,
): CaptureLocation {
  const folder = chosen ?? vscode.workspace.workspaceFolders?.find((candidate) => candidate.uri.scheme === 'file');
  const configured = settings.captureDirectory;
  if (configured && isAbsolute(configured)) return { dir: configured };
  if (folder) return { dir: join(folder.uri.fsPath, configured || CAPTURE_FOLDER_NAME) };
  return {
    dir: join(globalStorage.fsPath, configured || 'captures'),
    note: vscode.l10n.t('no folder is open, so captures go to the extension’s global storage'),
  };
}

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

/** What the recorder does besides writing: redact mode, and the OpenTelemetry push when an endpoint is set. */
export function recordingOptions(settings: InterludeSettings, log: { warn(message: string): void }): RecordingOptions {
  const recording: RecordingOptions = { redact: settings.redact };
  if (settings.otlpEndpoint) {
    try {
      new URL(settings.otlpEndpoint);
      recording.otlp = { endpoint: settings.otlpEndpoint, headers: settings.otlpHeaders, content: settings.otlpContent };
    } catch {
      log.warn(`agentInterlude.otlp.endpoint is not a URL ("${settings.otlpEndpoint}"): no OpenTelemetry push`);
    }
  }
  return recording;
}
