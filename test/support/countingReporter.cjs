// Mocha reporter: mocha's spec output for people, plus a machine-readable
// count file for scripts/runTests.mjs, which prints the one closing line CI reads.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const countsFile = process.env.INTERLUDE_TEST_COUNTS;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!countsFile) return;
      const { passes, failures, pending } = runner.stats ?? this.stats;
      fs.writeFileSync(countsFile, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
    });
  }
}

module.exports = CountingReporter;
