// Which workspace folder receives the captures in a multi-root workspace: the `captureWorkspaceFolder` setting
// (a folder name), else a pick when there are several folders; one folder needs no question.
import * as vscode from 'vscode';
import type { InterludeSettings } from './settings';

export type FolderChoice =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder | undefined }
  | { kind: 'cancelled' }
  | { kind: 'unknownName'; name: string };

export async function chooseCaptureFolder(settings: InterludeSettings): Promise<FolderChoice> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  const wanted = settings.captureWorkspaceFolder;
  if (wanted) {
    const named = folders.find((folder) => folder.name === wanted);
    return named ? { kind: 'folder', folder: named } : { kind: 'unknownName', name: wanted };
  }
  if (folders.length <= 1) return { kind: 'folder', folder: folders[0] };
  const picked = await vscode.window.showQuickPick(
    folders.map((folder) => ({ label: folder.name, description: folder.uri.fsPath, folder })),
    {
      title: vscode.l10n.t('Agent Interlude: where should captures go?'),
      placeHolder: vscode.l10n.t('Workspace folder for .agent-interlude/ (set agentInterlude.captureWorkspaceFolder to skip this)'),
      ignoreFocusOut: true,
    },
  );
  return picked ? { kind: 'folder', folder: picked.folder } : { kind: 'cancelled' };
}
