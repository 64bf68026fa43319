// Entry of the Workspace Trust suite: scripts/runExtensionTests.mjs --untrusted opens a workspace whose
// checked-in .vscode/settings.json tries to redirect the listeners and the captures, in Restricted Mode.
import { runMochaInHost } from '../support/extensionHostMocha';
import { untrustedWorkspaceTests } from './untrusted.test';

export function run(): Promise<void> {
  return runMochaInHost('extension-untrusted.bundle', () => {
    untrustedWorkspaceTests();
  });
}
