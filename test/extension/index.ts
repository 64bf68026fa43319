// Entry the workbench loads as `extensionTestsPath` (code-server via scripts/runExtensionTests.mjs here, or
// @vscode/test-electron in desktop VS Code): runs the mocha suites inside the real extension host.
import { runMochaInHost } from '../support/extensionHostMocha';
import { activationTests } from './activation.test';
import { capturesTreeTests } from './capturesTree.test';
import { diffsTests } from './diffs.test';
import { explainTests } from './explain.test';
import { insightsTests } from './insights.test';
import { l10nTests } from './l10n.test';
import { relayCrashTests } from './relayCrash.test';
import { requestPanelTests } from './requestPanel.test';
import { secretsExportTests } from './secretsExport.test';
import { startStopTests } from './startStop.test';
import { threadBlockTests } from './threadBlock.test';
import { timelineTests } from './timeline.test';
import { wiringTests } from './wiring.test';

export function run(): Promise<void> {
  // The suites are bundled into this file; they are registered in order once mocha's globals exist.
  return runMochaInHost('extension.bundle', () => {
    activationTests();
    startStopTests();
    requestPanelTests();
    wiringTests();
    capturesTreeTests();
    diffsTests();
    timelineTests();
    insightsTests();
    secretsExportTests();
    threadBlockTests();
    relayCrashTests();
    explainTests();
    l10nTests();
  });
}
