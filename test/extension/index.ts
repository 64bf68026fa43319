// Entry the workbench loads as `extensionTestsPath` (code-server via scripts/runExtensionTests.mjs here, or
// @vscode/test-electron in desktop VS Code): runs the mocha suites inside the real extension host.
// Results go to the file named by INTERLUDE_TEST_COUNTS (the host inherits the runner's environment), because
// the extension host's console does not reliably reach the runner (the runner prints them; mocha stays quiet).
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import { activationTests } from './activation.test';
import { requestPanelTests } from './requestPanel.test';
import { capturesTreeTests } from './capturesTree.test';
import { diffsTests } from './diffs.test';
import { startStopTests } from './startStop.test';
import { wiringTests } from './wiring.test';

interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: Mocha.reporters.Base });
  // The suites are bundled into this file; give them mocha's globals, then register them in order.
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'extension.bundle', mocha);
  activationTests();
  startStopTests();
  requestPanelTests();
  wiringTests();
  capturesTreeTests();
  diffsTests();

  const results: TestResult[] = [];
  const failures = await new Promise<number>((resolveRun) => {
    const runner = mocha.run((count) => resolveRun(count));
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
    runner.on(EVENT_TEST_PASS, (test) => results.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration }));
    runner.on(EVENT_TEST_PENDING, (test) => results.push({ title: test.fullTitle(), state: 'pending' }));
    runner.on(EVENT_TEST_FAIL, (test, error: Error) =>
      results.push({ title: test.fullTitle(), state: 'failed', error: error.stack ?? String(error) }),
    );
  });
  const countsFile = process.env.INTERLUDE_TEST_COUNTS;
  if (countsFile) {
    const count = (state: TestResult['state']) => results.filter((result) => result.state === state).length;
    writeFileSync(
      countsFile,
      JSON.stringify({ passed: count('passed'), failed: count('failed'), skipped: count('pending'), results }),
    );
  }
  if (failures > 0) throw new Error(`${failures} extension test(s) failed`);
}
