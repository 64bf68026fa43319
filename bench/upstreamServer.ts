// The benchmark's upstream: the test suite's fake model API, alone in its own process so that its event loop
// competes with neither the proxy nor the benchmark clients. Prints one line `FAKE_UPSTREAM_URL=<origin>` once
// it listens, and exits when its stdin closes, so it never outlives a benchmark that was killed outright.

import { startFakeUpstream } from '../test/support/fakeUpstream';

/** proxyBench.ts waits for this prefix (kept in step by hand: importing this file would start a server). */
const UPSTREAM_READY_PREFIX = 'FAKE_UPSTREAM_URL=';

async function main(): Promise<void> {
  const upstream = await startFakeUpstream();
  // Recorded requests are of no use here; emptying the log on every push keeps a long run's memory flat.
  const pushRecorded = upstream.requests.push.bind(upstream.requests);
  upstream.requests.push = (...recorded) => {
    pushRecorded(...recorded);
    upstream.requests.length = 0;
    return 0;
  };
  process.stdout.write(`${UPSTREAM_READY_PREFIX}${upstream.url}\n`);

  const stop = (): void => {
    void upstream.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench upstream failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
