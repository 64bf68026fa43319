// The built `agent-interlude` binary as a user runs it.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';

const CLI = resolve(__dirname, '../../dist/cli.js');

function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolveMatch, rejectMatch) => {
    let output = '';
    const timer = setTimeout(() => rejectMatch(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolveMatch(output);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

describe('agent-interlude CLI', function () {
  this.timeout(30_000);
  let upstream: FakeUpstream;

  before(async () => {
    const build = spawnSync('node', ['esbuild.mjs'], { cwd: resolve(__dirname, '../..'), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    upstream = await startFakeUpstream();
  });
  after(async () => upstream.close());

  it('--help explains usage and the default listeners', () => {
    const result = spawnSync('node', [CLI, '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /8788 -> https:\/\/api\.anthropic\.com/);
    assert.match(result.stdout, /--listen SPEC/);
  });

  it('a malformed --listen gets a clear error and exit code 2', () => {
    const result = spawnSync('node', [CLI, '--listen', 'claude:8788'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /is not PORT=AGENT=UPSTREAM/);
  });

  it('captures through the banner-announced port, prints one line per request, and flushes on Ctrl-C', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'interlude-cli-'));
    const child = spawn('node', [CLI, '--listen', `0=claude=${upstream.url}`], { cwd });
    try {
      const banner = await waitForOutput(child, /Ctrl-C to stop/);
      const port = Number(/claude: http:\/\/127\.0\.0\.1:(\d+) -> /.exec(banner)?.[1]);
      assert.ok(port > 0, banner);
      assert.match(banner, /logging to .*\.agent-interlude\/log-\d{8}T\d{6}Z\.jsonl/);
      const lines = waitForOutput(child, /\[claude\] POST \/v1\/messages\?beta=true/);
      const response = await request(`http://127.0.0.1:${port}/v1/messages?beta=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.match(await response.body.text(), /"type":"message_stop"/);
      await lines;
      const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      const directory = join(cwd, '.agent-interlude');
      const [logName] = readdirSync(directory).filter((name) => name.endsWith('.jsonl'));
      const records = readFileSync(join(directory, logName), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(records.map((record) => record.kind), ['request', 'response']);
      assert.equal(records[1].reconstructed.text, 'PONG');
      assert.equal(readFileSync(join(directory, '.gitignore'), 'utf8'), '*\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a port in use is named with what to do; the other listeners still run', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolveListen) => blocker.once('listening', resolveListen));
    const taken = (blocker.address() as { port: number }).port;
    const cwd = mkdtempSync(join(tmpdir(), 'interlude-cli-'));
    const child = spawn('node', [CLI, '--listen', `${taken}=claude=${upstream.url}`, '--listen', `0=codex=${upstream.url}`], { cwd });
    try {
      const output = await waitForOutput(child, /Ctrl-C to stop/);
      assert.match(output, new RegExp(`claude listener not started: port ${taken} is already in use`));
      assert.match(output, /codex: http:\/\/127\.0\.0\.1:\d+ -> /);
    } finally {
      child.kill('SIGKILL');
      blocker.close();
    }
  });
});
