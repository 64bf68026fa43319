// Runs mocha suites inside an extension host (the `run()` of an `extensionTestsPath` entry) and writes
// {passed, failed, skipped, results} to INTERLUDE_TEST_COUNTS, which scripts/runExtensionTests.mjs prints:
// the extension host's console does not reliably reach the runner. Rejects when a test failed.
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';

interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

/** `register` declares the (bundled) suites once mocha's globals exist. */
export async function runMochaInHost(bundleName: string, register: () => void): Promise<void> {
  // INTERLUDE_TEST_GREP (inherited through code-server) runs only the matching tests while working on one suite.
  const grep = process.env.INTERLUDE_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: Mocha.reporters.Base, ...(grep ? { grep } : {}) });
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, bundleName, mocha);
  register();

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
