// Soak: 20 000 exchanges with 220 KB Claude Code-shaped bodies through the real CLI (`dist/cli.js`), 4 clients at
// a time, printing the proxy's RSS every 1 000 exchanges. Memory must stay flat: nothing may be kept after an
// exchange ends. The capture log is emptied as the run goes (the proxy appends, so it carries on at the new end)
// to keep the disk out of it. Stops by itself; exits 1 when RSS grew, 2 when the soak could not run.
//
// Run: `npm run bench:soak` (builds the CLI first). SOAK_EXCHANGES=<n> runs a shorter soak.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { claudeCodeBody } from './agentBodies';

const REPO_ROOT = resolve(__dirname, '..');
const CLI_PATH = join(REPO_ROOT, 'dist', 'cli.js');
const EXCHANGES = Number(process.env.SOAK_EXCHANGES ?? 20_000);
const BODY_BYTES = 220_000;
const CLIENTS = 4;
const REPORT_EVERY = 1_000;
/** Samples before this many exchanges are warm-up (JIT, heap growing to its working size), not judged. */
const WARMUP_EXCHANGES = Math.min(2_000, EXCHANGES / 5);
/**
 * RSS wanders with GC timing; what a leak shows is growth. Flat: the second half of the run (after warm-up) never
 * goes more than this above the first half's highest sample, and its mean no more than this above the first's.
 */
const GROWTH_TOLERANCE_MIB = 8;
const WATCHDOG_MS = 30 * 60_000;

const children: ChildProcess[] = [];
let captureDir: string | undefined;

function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolveReady, rejectReady) => {
    let pending = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      pending += text;
      for (const line of pending.split('\n')) {
        const match = ready.exec(line);
        if (match) resolveReady({ child, match });
      }
      pending = pending.slice(pending.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => rejectReady(new Error(`${args.join(' ')} exited (${code}) before it was ready`)));
  });
}

function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (captureDir) rmSync(captureDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  captureDir = mkdtempSync(join(tmpdir(), 'interlude-soak-'));
  const upstream = await start(['--import', 'tsx', join(REPO_ROOT, 'bench', 'upstreamServer.ts')], /^FAKE_UPSTREAM_URL=(\S+)$/);
  const proxy = await start(
    [CLI_PATH, '--listen', `0=claude=${upstream.match[1]}`, '--capture-dir', captureDir, '-q'],
    /^\[agent-interlude\] claude: (http:\/\/127\.0\.0\.1:\d+) -> /,
  );
  const pid = proxy.child.pid as number;
  const pool = new Pool(proxy.match[1] as string, { connections: CLIENTS, pipelining: 1 });
  const body = claudeCodeBody(BODY_BYTES);
  const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'soak-not-a-real-key' };
  const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
  process.stdout.write(
    `soak: ${EXCHANGES} exchanges, ${body.length}-byte Claude Code-shaped bodies, ${CLIENTS} clients, proxy pid ${pid}, load ${load()}\n`,
  );
  process.stdout.write('exchanges  proxy RSS MiB  peak (VmHWM) MiB  log MiB written  elapsed s\n');
  const started = performance.now();
  let sent = 0;
  let done = 0;
  let failures = 0;
  let logBytes = 0;
  const samples: Array<{ exchanges: number; rssMiB: number }> = [];
  const report = () => {
    const rssMiB = statusMiB(pid, 'VmRSS');
    samples.push({ exchanges: done, rssMiB });
    for (const name of readdirSync(captureDir as string).filter((file) => file.endsWith('.jsonl'))) {
      const path = join(captureDir as string, name);
      logBytes += statSync(path).size;
      truncateSync(path, 0);
    }
    process.stdout.write(
      `${String(done).padStart(9)}  ${rssMiB.toFixed(1).padStart(13)}  ${statusMiB(pid, 'VmHWM').toFixed(1).padStart(16)}  ${(logBytes / 1024 / 1024)
        .toFixed(0)
        .padStart(15)}  ${((performance.now() - started) / 1000).toFixed(1).padStart(9)}\n`,
    );
  };
  report();
  const client = async (): Promise<void> => {
    while (sent < EXCHANGES) {
      sent += 1;
      try {
        const response = await pool.request({ path: '/v1/messages', method: 'POST', headers, body });
        const text = await response.body.text();
        if (response.statusCode !== 200 || !text.includes('message_stop')) failures += 1;
      } catch {
        failures += 1;
      }
      done += 1;
      if (done % REPORT_EVERY === 0) report();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await pool.close();
  // Let the recorder write what it still holds, then one last sample.
  await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
  report();

  const judged = samples.filter((sample) => sample.exchanges >= WARMUP_EXCHANGES).map((sample) => sample.rssMiB);
  const firstHalf = judged.slice(0, Math.floor(judged.length / 2));
  const secondHalf = judged.slice(Math.floor(judged.length / 2));
  const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const drift = average(secondHalf) - average(firstHalf);
  const rise = Math.max(...secondHalf) - Math.max(...firstHalf);
  const flat = drift <= GROWTH_TOLERANCE_MIB && rise <= GROWTH_TOLERANCE_MIB && failures === 0;
  const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`;
  process.stdout.write(
    `\nafter ${WARMUP_EXCHANGES} warm-up exchanges: RSS ${Math.min(...judged).toFixed(1)}–${Math.max(...judged).toFixed(1)} MiB; ` +
      `second half vs first: mean ${signed(drift)} MiB, highest ${signed(rise)} MiB; ` +
      `${failures} failures, ${((performance.now() - started) / 1000).toFixed(0)} s, load ${load()}\n` +
      `${flat ? 'PASS' : 'FAIL'}: RSS ${flat ? 'stays flat' : 'grows'} (second half at most ${GROWTH_TOLERANCE_MIB} MiB above the first, mean and highest; no failures)\n`,
  );
  if (!flat) process.exitCode = 1;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`soak: still running after ${WATCHDOG_MS / 60_000} min; giving up\n`);
  stopAll();
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  })
  .finally(stopAll);
