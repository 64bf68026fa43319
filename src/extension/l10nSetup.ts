// The vscode-free modules the host runs (captureLabels, agentSetupLines, src/webview/explainFormat) translate with
// @vscode/l10n: give it the bundle VS Code loaded for vscode.l10n (none in English). Imported first by
// extension.ts, so module-level strings (explainFormat's part labels) are translated too: VS Code loads the
// bundle before it loads the extension's main module.
import * as vscode from 'vscode';
import * as l10n from '@vscode/l10n';

if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
