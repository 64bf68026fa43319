// Direct, bare relay and ours, side by side in one run: the same keep-alive clients talk to the fake model API
// directly, through a bare pass-through relay that records nothing (bench/bareRelay.ts), and through the real CLI
// (`dist/cli.js`, run as users run it), round after round, interleaved. Bodies are what Claude Code sends
// (bench/agentBodies.ts: system blocks, 20 tools with input_schema, a tool_use/tool_result conversation) at 40 KB,
// 250 KB, 1 MB and 5 MiB, plus a replay of a 100-turn session whose body grows every turn. Ours is judged against
// the bare relay (what capturing costs), both are shown against direct (what any relay costs here).
//
// Four processes, four event loops: the upstream (bench/upstreamServer.ts), the bare relay, the proxy and the
// clients (this process). Each relay's CPU is read from /proc/<pid>/stat (utime+stime: every thread of the
// process, the recorder's worker included) around each scenario and divided by the exchanges it carried; its
// peak RSS is VmHWM, reset before each scenario. Every figure is a median over rounds, or a p99 where the target
// is one.
//
// Run: `npm run bench` (builds the CLI first), or `node --import tsx bench/proxyBench.ts` after `npm run build`.
// Options: `--only=first-event,big-body,event-delay,concurrency,big-stream,session` runs a subset;
// BENCH_PROXY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes flags to the proxy's node (profiling);
// BENCH_PROXY_CLI=<file> benchmarks another build of the CLI (same command line) in place of dist/cli.js.
// Exits 1 when a target fails, 2 when the bench itself could not run.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { Pool } from 'undici';
import { claudeCodeBody, claudeCodeSession } from './agentBodies';

// ---------------------------------------------------------------------------------------------------------------
// Settings (sized so the whole run takes a few minutes on a 2-core machine)

const REPO_ROOT = resolve(__dirname, '..');
/** BENCH_PROXY_CLI: another build with the same command line (an older commit, an experiment) in its place. */
const CLI_PATH = resolve(process.env.BENCH_PROXY_CLI ?? join(REPO_ROOT, 'dist', 'cli.js'));
const UPSTREAM_SCRIPT = join(REPO_ROOT, 'bench', 'upstreamServer.ts');
const BARE_RELAY_SOURCE = join(REPO_ROOT, 'bench', 'bareRelay.ts');
const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'latest.json');
/** Printed by bench/upstreamServer.ts once it listens. */
const UPSTREAM_READY_PATTERN = /^FAKE_UPSTREAM_URL=(http:\/\/127\.0\.0\.1:\d+)$/;
const BARE_READY_PATTERN = /^BARE_RELAY_URL=(http:\/\/127\.0\.0\.1:\d+)$/;
/** The CLI's banner line for the one listener we start. */
const PROXY_READY_PATTERN = /^\[agent-interlude\] claude: (http:\/\/127\.0\.0\.1:\d+) -> /;

/** `--quick`: a fifth of the rounds, to check the bench itself runs (its figures are not worth reporting). */
const QUICK = process.argv.includes('--quick');
const rounds = (count: number): number => (QUICK ? Math.max(2, Math.ceil(count / 5)) : count);

/** Body sizes of the first-event rows, and how many rounds each gets. */
const FIRST_EVENT_SIZES: ReadonlyArray<{ label: string; bytes: number; rounds: number; judged: boolean; cold?: boolean }> = [
  { label: '100 B', bytes: 0, rounds: rounds(200), judged: false },
  { label: '40 KB', bytes: 40_000, rounds: rounds(200), judged: true },
  { label: '250 KB', bytes: 250_000, rounds: rounds(120), judged: true },
  { label: '1 MB', bytes: 1_000_000, rounds: rounds(50), judged: true },
  // Every round above resends the same body, so from the second on the recorder takes all of it from the turn before
  // (earlierScans.ts). Here every round is a new conversation: nothing to lean on, the whole body scanned.
  { label: '1 MB (a new conversation every round)', bytes: 1_000_000, rounds: rounds(50), judged: true, cold: true },
];
const FIRST_EVENT_WARMUP_ROUNDS = 10;
const EVENT_COUNT = 200;
const EVENT_INTERVAL_MS = 5;
const EVENT_DELAY_ROUNDS = rounds(10);
const EVENT_DELAY_BODY_BYTES = 250_000;
const BIG_STREAM_BYTES = 50 * 1024 * 1024;
const BIG_STREAM_ROUNDS = rounds(7);
/** Text bytes per SSE event of the big stream: models stream deltas of a few to a few hundred bytes. */
const BIG_STREAM_EVENT_BYTES = 256;
const CONCURRENT_CLIENTS = 32;
const REQUESTS_PER_CLIENT = 8;
const CONCURRENCY_ROUNDS = rounds(5);
const CONCURRENCY_BODY_BYTES = 250_000;
const BIG_BODY_BYTES = 5 * 1024 * 1024;
const BIG_BODY_WARMUP_ROUNDS = 3;
const BIG_BODY_ROUNDS = rounds(25);
const SESSION_TURNS = 100;
/** Each turn adds a tool round of about this many bytes; the 100th body is then about 0.9 MB. */
const SESSION_GROWTH_BYTES = 8_000;
const SESSION_REPLAYS = rounds(3);
const SESSION_BLOCK_TURNS = 10;

/** No single exchange may hang the run. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The whole run is cut off after this, children included, whatever state it is in. */
const WATCHDOG_MS = 20 * 60_000;
const CHILD_START_TIMEOUT_MS = 20_000;
const CHILD_STOP_GRACE_MS = 5_000;
/** After a scenario, time for the recorder to write what it still holds before CPU is read. */
const SETTLE_MS = 300;
const CLOCK_TICKS_PER_SECOND = 100;

const TARGETS = {
  firstEventAddedVsBareMs: 0.3,
  bigBodyAddedVsBareMs: 5,
  eventDelayAddedVsBareP99Ms: 0.5,
  cpuRatioVsBare: 2,
  rssAboveBareMiB: 64,
  concurrencyFailures: 0,
  concurrencyThroughputVsBare: 0.9,
  bigStreamThroughputVsBare: 0.9,
  /** Per-byte CPU of the session's last blocks over its middle blocks: linear cost stays at or below 1. */
  sessionGrowthRatio: 1.2,
} as const;

const SCENARIO_NAMES = ['first-event', 'big-body', 'event-delay', 'concurrency', 'big-stream', 'session'] as const;
type ScenarioName = (typeof SCENARIO_NAMES)[number];

type Route = 'direct' | 'bare' | 'ours';
const ROUTES: readonly Route[] = ['direct', 'bare', 'ours'];
type Relay = Exclude<Route, 'direct'>;
const RELAYS: readonly Relay[] = ['bare', 'ours'];

/** The 100-byte body of the old bench (not judged: no agent sends it). */
const SMALL_STREAM_REQUEST_BODY = Buffer.from(
  JSON.stringify({
    model: 'claude-bench',
    max_tokens: 64,
    stream: true,
    messages: [{ role: 'user', content: 'Reply with exactly PONG' }],
  }),
);
// Statistics

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Linear interpolation between closest ranks; NaN for no values. */
function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = sortedCopy(values);
  const position = (sorted.length - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const lowerValue = sorted[lower] as number;
  const upperValue = sorted[upper] as number;
  return lowerValue + (upperValue - lowerValue) * (position - lower);
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

interface Summary {
  count: number;
  median: number;
  p99: number;
  min: number;
  max: number;
}

function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    median: round3(median(values)),
    p99: round3(percentile(values, 0.99)),
    min: round3(Math.min(...values)),
    max: round3(Math.max(...values)),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

interface RunningChild {
  name: string;
  process: ChildProcess;
  /** The last stderr lines, for error messages. */
  stderrTail: string[];
  stderrLineCount: number;
}

const runningChildren: RunningChild[] = [];
/** The proxy's temporary capture directory, removed however the run ends. */
let temporaryCaptureDir: string | undefined;

/**
 * Spawns `node <args>` and resolves with the first stdout line matching `readyPattern`. Both pipes are drained
 * for the child's whole life: a full pipe would block the child's (synchronous) writes and stall the proxy.
 */
function startChild(
  name: string,
  args: readonly string[],
  readyPattern: RegExp,
  echoStderr: boolean,
): Promise<{ child: RunningChild; readyMatch: RegExpExecArray }> {
  const childProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const child: RunningChild = { name, process: childProcess, stderrTail: [], stderrLineCount: 0 };
  runningChildren.push(child);
  return new Promise((resolveReady, rejectReady) => {
    let ready = false;
    const timer = setTimeout(() => {
      rejectReady(new Error(`${name} did not start within ${CHILD_START_TIMEOUT_MS} ms; stderr: ${child.stderrTail.join(' | ')}`));
    }, CHILD_START_TIMEOUT_MS);
    forEachLine(childProcess.stdout, (line) => {
      if (ready) return;
      const match = readyPattern.exec(line);
      if (!match) return;
      ready = true;
      clearTimeout(timer);
      resolveReady({ child, readyMatch: match });
    });
    forEachLine(childProcess.stderr, (line) => {
      child.stderrLineCount += 1;
      child.stderrTail.push(line);
      if (child.stderrTail.length > 20) child.stderrTail.shift();
      if (echoStderr) process.stderr.write(`[${name} stderr] ${line}\n`);
    });
    childProcess.once('error', (error) => {
      clearTimeout(timer);
      rejectReady(error);
    });
    childProcess.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) rejectReady(new Error(`${name} exited (${signal ?? code}) before it was ready; stderr: ${child.stderrTail.join(' | ')}`));
    });
  });
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  });
}

function hasExited(child: RunningChild): boolean {
  return child.process.exitCode !== null || child.process.signalCode !== null;
}

/** SIGTERM (the CLI then flushes its log, and writes a CPU profile when asked to), SIGKILL after a grace period. */
async function stopChild(child: RunningChild): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolveExit) => child.process.once('exit', () => resolveExit()));
  child.process.stdin?.end();
  child.process.kill('SIGTERM');
  let graceTimer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((resolveGrace) => {
    graceTimer = setTimeout(() => resolveGrace('grace over'), CHILD_STOP_GRACE_MS);
  });
  if ((await Promise.race([exited, graceOver])) === 'grace over') {
    process.stderr.write(`bench: ${child.name} ignored SIGTERM; killing it\n`);
    child.process.kill('SIGKILL');
    await exited;
  }
  clearTimeout(graceTimer);
}

function killChildrenNow(): void {
  for (const child of runningChildren) {
    if (!hasExited(child)) child.process.kill('SIGKILL');
  }
  if (temporaryCaptureDir) rmSync(temporaryCaptureDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Proxy memory (/proc/<pid>/status, in kB)

/** CPU time of the whole process (all its threads), in ms; resolution one clock tick (10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at "state"; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time of one thread of a process (the main thread's id is the process id), in ms. */
function threadCpuMs(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, own processes); false where that is not possible. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Clients

/** Identical settings for both routes: keep-alive, Nagle off (undici's default), bounded waits. */
function keepAlivePool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
}

interface ExchangeOptions {
  /** The `x-fake-scenario` header; none = the default short stream. */
  scenario?: string;
  body: string | Buffer;
  /** Called for every response body chunk with its arrival time (performance.now()). */
  onChunk?: (chunk: Buffer, receivedAt: number) => void;
  /** Keep the whole response body as text (small responses only). */
  keepText?: boolean;
}

interface ExchangeResult {
  status: number;
  startedAt: number;
  headersAt: number;
  endedAt: number;
  bytes: number;
  text: string;
}

async function exchange(pool: Pool, options: ExchangeOptions): Promise<ExchangeResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': '2023-06-01',
    'x-api-key': 'bench-not-a-real-key',
  };
  if (options.scenario) headers['x-fake-scenario'] = options.scenario;
  const startedAt = performance.now();
  const response = await pool.request({ path: '/v1/messages', method: 'POST', headers, body: options.body });
  const headersAt = performance.now();
  let bytes = 0;
  const kept: Buffer[] = [];
  // 'data' listeners rather than async iteration: fewer promise hops between a chunk's arrival and its timestamp.
  await new Promise<void>((resolveBody, rejectBody) => {
    response.body.on('data', (chunk: Buffer) => {
      const receivedAt = performance.now();
      bytes += chunk.length;
      if (options.keepText) kept.push(chunk);
      options.onChunk?.(chunk, receivedAt);
    });
    response.body.once('end', () => resolveBody());
    response.body.once('error', rejectBody);
  });
  return {
    status: response.statusCode,
    startedAt,
    headersAt,
    endedAt: performance.now(),
    bytes,
    text: options.keepText ? Buffer.concat(kept).toString('utf8') : '',
  };
}

function expectOk(route: Route, result: ExchangeResult, what: string): void {
  if (result.status !== 200) throw new Error(`${route} ${what}: HTTP ${result.status} ${result.text.slice(0, 300)}`);
}

/** Runs `rounds` rounds of every route, rotating which goes first every round. */
async function interleaved(rounds: number, runOnce: (route: Route, round: number) => Promise<void>): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    // Each route goes first, second and last in turn.
    const order = ROUTES.map((_, index) => ROUTES[(index + round) % ROUTES.length] as Route);
    for (const route of order) await runOnce(route, round);
  }
}

function collectGarbage(): void {
  // With --expose-gc (npm run bench), a collection between scenarios keeps one scenario's garbage out of the next.
  (globalThis as { gc?: () => void }).gc?.();
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

type Origins = Record<Route, string>;
type RouteSeries<T> = Record<Route, T>;
type RelaySeries<T> = Record<Relay, T>;

function routeSeries<T>(make: () => T): RouteSeries<T> {
  return { direct: make(), bare: make(), ours: make() };
}

/** What each relay process spent on a scenario: CPU over every thread, per exchange it carried, and peak RSS. */
interface ProcessCost {
  cpuMsPerExchange: RelaySeries<number>;
  /** The part of cpuMsPerExchange spent on the process's main thread (the relay's event loop). */
  mainThreadCpuMsPerExchange: RelaySeries<number>;
  cpuMsTotal: RelaySeries<number>;
  peakRssMiB: RelaySeries<number>;
  /** 'VmHWM' when the peak counter could be reset before the scenario, else the highest sampled VmRSS. */
  peakSource: 'VmHWM' | 'sampled VmRSS';
}

type Pids = RelaySeries<number>;

/** Runs `work` (which returns how many exchanges each route carried) and measures both relays around it. */
async function withProcessCost<T extends { exchanges: RouteSeries<number> }>(
  pids: Pids,
  work: () => Promise<T>,
): Promise<T & { cost: ProcessCost }> {
  await sleep(SETTLE_MS);
  const cpuBefore = { bare: processCpuMs(pids.bare), ours: processCpuMs(pids.ours) };
  const mainBefore = { bare: threadCpuMs(pids.bare, pids.bare), ours: threadCpuMs(pids.ours, pids.ours) };
  const reset = RELAYS.every((relay) => resetPeakRss(pids[relay]));
  const sampled = { bare: procStatusKiB(pids.bare, 'VmRSS') ?? 0, ours: procStatusKiB(pids.ours, 'VmRSS') ?? 0 };
  const sampler = setInterval(() => {
    for (const relay of RELAYS) sampled[relay] = Math.max(sampled[relay], procStatusKiB(pids[relay], 'VmRSS') ?? 0);
  }, 10);
  let result: T;
  try {
    result = await work();
    await sleep(SETTLE_MS);
  } finally {
    clearInterval(sampler);
  }
  const cost: ProcessCost = {
    cpuMsPerExchange: { bare: 0, ours: 0 },
    mainThreadCpuMsPerExchange: { bare: 0, ours: 0 },
    cpuMsTotal: { bare: 0, ours: 0 },
    peakRssMiB: { bare: 0, ours: 0 },
    peakSource: reset ? 'VmHWM' : 'sampled VmRSS',
  };
  for (const relay of RELAYS) {
    const spent = processCpuMs(pids[relay]) - cpuBefore[relay];
    cost.cpuMsTotal[relay] = round3(spent);
    cost.cpuMsPerExchange[relay] = round3(spent / Math.max(1, result.exchanges[relay]));
    const mainSpent = threadCpuMs(pids[relay], pids[relay]) - mainBefore[relay];
    cost.mainThreadCpuMsPerExchange[relay] = round3(mainSpent / Math.max(1, result.exchanges[relay]));
    const peakKiB = reset ? (procStatusKiB(pids[relay], 'VmHWM') ?? sampled[relay]) : sampled[relay];
    cost.peakRssMiB[relay] = round3(peakKiB / 1024);
  }
  return { ...result, cost };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

function pools(origins: Origins, connections: number): RouteSeries<Pool> {
  return { direct: keepAlivePool(origins.direct, connections), bare: keepAlivePool(origins.bare, connections), ours: keepAlivePool(origins.ours, connections) };
}

async function closePools(open: RouteSeries<Pool>): Promise<void> {
  await Promise.all(ROUTES.map((route) => open[route].close()));
}

interface FirstEventResult {
  label: string;
  bodyBytes: number;
  judged: boolean;
  rounds: number;
  firstEventMs: RouteSeries<Summary>;
  exchanges: RouteSeries<number>;
}

/** 1. Time from sending a Claude Code-shaped request to receiving the first complete SSE event of the reply. */
async function measureFirstEvent(origins: Origins, size: (typeof FIRST_EVENT_SIZES)[number]): Promise<FirstEventResult> {
  const body = size.bytes === 0 ? SMALL_STREAM_REQUEST_BODY : claudeCodeBody(size.bytes);
  // A cold row's bodies: one per exchange of every route, each another conversation (another seed), made up front.
  const coldBodies = size.cold
    ? Array.from({ length: (FIRST_EVENT_WARMUP_ROUNDS + size.rounds) * ROUTES.length }, (_, index) => claudeCodeBody(size.bytes, 100 + index))
    : [];
  let nextCold = 0;
  const open = pools(origins, 1);
  const samples = routeSeries<number[]>(() => []);
  const exchanges = routeSeries(() => 0);
  const runOnce = async (route: Route, record: boolean): Promise<void> => {
    let firstEventAt: number | undefined;
    let previousChunkEndedWithNewline = false;
    const result = await exchange(open[route], {
      body: size.cold ? (coldBodies[nextCold++] as Buffer) : body,
      keepText: true,
      onChunk: (chunk, receivedAt) => {
        if (firstEventAt !== undefined) return;
        // An event ends at a blank line, which may straddle two chunks.
        if (chunk.includes('\n\n') || (previousChunkEndedWithNewline && chunk[0] === 0x0a)) firstEventAt = receivedAt;
        previousChunkEndedWithNewline = chunk[chunk.length - 1] === 0x0a;
      },
    });
    exchanges[route] += 1;
    expectOk(route, result, `${size.label} stream`);
    if (firstEventAt === undefined || !result.text.includes('message_stop')) {
      throw new Error(`${route} ${size.label} stream: incomplete SSE reply: ${result.text.slice(0, 300)}`);
    }
    if (record) samples[route].push(firstEventAt - result.startedAt);
  };
  try {
    await interleaved(FIRST_EVENT_WARMUP_ROUNDS, (route) => runOnce(route, false));
    await interleaved(size.rounds, (route) => runOnce(route, true));
  } finally {
    await closePools(open);
  }
  return {
    label: size.label,
    bodyBytes: body.length,
    judged: size.judged,
    rounds: size.rounds,
    firstEventMs: { direct: summarize(samples.direct), bare: summarize(samples.bare), ours: summarize(samples.ours) },
    exchanges,
  };
}

interface BigBodyResult {
  rounds: number;
  requestBytes: number;
  timeToHeadersMs: RouteSeries<Summary>;
  exchanges: RouteSeries<number>;
}

/**
 * 2. A 5 MiB Claude Code-shaped body: time until the response headers arrive. The fake reads the whole body before
 * it answers (echo-body), so this is dominated by how fast the body gets through.
 */
async function measureBigBody(origins: Origins): Promise<BigBodyResult> {
  const body = claudeCodeBody(BIG_BODY_BYTES);
  const expectedSha256 = createHash('sha256').update(body).digest('hex');
  const open = pools(origins, 1);
  const samples = routeSeries<number[]>(() => []);
  const exchanges = routeSeries(() => 0);
  const runOnce = async (route: Route, record: boolean): Promise<void> => {
    const result = await exchange(open[route], { scenario: 'echo-body', body, keepText: true });
    exchanges[route] += 1;
    expectOk(route, result, 'big body');
    const echoed = JSON.parse(result.text) as { bytes?: number; sha256?: string };
    if (echoed.bytes !== body.length || echoed.sha256 !== expectedSha256) {
      throw new Error(`${route} big body: the upstream received ${echoed.bytes} bytes (sha256 ${echoed.sha256}), not the body sent`);
    }
    if (record) samples[route].push(result.headersAt - result.startedAt);
  };
  try {
    await interleaved(BIG_BODY_WARMUP_ROUNDS, (route) => runOnce(route, false));
    await interleaved(BIG_BODY_ROUNDS, (route) => runOnce(route, true));
  } finally {
    await closePools(open);
  }
  return {
    rounds: BIG_BODY_ROUNDS,
    requestBytes: body.length,
    timeToHeadersMs: { direct: summarize(samples.direct), bare: summarize(samples.bare), ours: summarize(samples.ours) },
    exchanges,
  };
}

interface EventDelayResult {
  rounds: number;
  bodyBytes: number;
  /** Per route: the median over rounds of each round's p99 per-event delay. */
  medianOfRoundP99Ms: RouteSeries<number>;
  exchanges: RouteSeries<number>;
}

/** Collects `t_sent` stamps from SSE events as they arrive and turns them into per-event delays. */
class EventDelayCollector {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  readonly delaysMs: number[] = [];

  push(chunk: Buffer, receivedAt: number): void {
    // t_sent is performance.timeOrigin + performance.now() in the upstream process; compare like with like.
    const receivedAtEpochMs = performance.timeOrigin + receivedAt;
    this.pending += this.decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = this.pending.indexOf('\n\n')) >= 0) {
      const event = this.pending.slice(0, boundary);
      this.pending = this.pending.slice(boundary + 2);
      const stamp = /"t_sent":([0-9.eE+-]+)/.exec(event);
      if (stamp) this.delaysMs.push(receivedAtEpochMs - Number(stamp[1]));
    }
  }
}

/**
 * 3. 200 events 5 ms apart after a 250 KB body: delay of each event = arrival here − t_sent there. The two
 * processes' clocks may disagree by a constant, which cancels between routes (same two processes on all).
 */
async function measureEventDelay(origins: Origins): Promise<EventDelayResult> {
  const body = claudeCodeBody(EVENT_DELAY_BODY_BYTES);
  const open = pools(origins, 1);
  const roundP99 = routeSeries<number[]>(() => []);
  const exchanges = routeSeries(() => 0);
  const runOnce = async (route: Route, eventCount: number, record: boolean): Promise<void> => {
    const collector = new EventDelayCollector();
    const result = await exchange(open[route], {
      scenario: `events:${eventCount}:${EVENT_INTERVAL_MS}`,
      body,
      onChunk: (chunk, receivedAt) => collector.push(chunk, receivedAt),
    });
    exchanges[route] += 1;
    expectOk(route, result, 'timed events');
    if (collector.delaysMs.length !== eventCount) {
      throw new Error(`${route} timed events: ${collector.delaysMs.length} stamped events arrived, expected ${eventCount}`);
    }
    if (record) roundP99[route].push(percentile(collector.delaysMs, 0.99));
  };
  try {
    await interleaved(1, (route) => runOnce(route, 20, false));
    await interleaved(EVENT_DELAY_ROUNDS, (route) => runOnce(route, EVENT_COUNT, true));
  } finally {
    await closePools(open);
  }
  return {
    rounds: EVENT_DELAY_ROUNDS,
    bodyBytes: body.length,
    medianOfRoundP99Ms: {
      direct: round3(median(roundP99.direct)),
      bare: round3(median(roundP99.bare)),
      ours: round3(median(roundP99.ours)),
    },
    exchanges,
  };
}

interface ConcurrencyResult {
  rounds: number;
  clients: number;
  requestsPerClient: number;
  bodyBytes: number;
  requestsPerSecond: RouteSeries<Summary>;
  failures: RouteSeries<number>;
  failureExamples: RouteSeries<string[]>;
  exchanges: RouteSeries<number>;
}

/** 4. 32 concurrent clients, each sending 250 KB bodies one after another on its own kept-alive connection. */
async function measureConcurrency(origins: Origins): Promise<ConcurrencyResult> {
  const body = claudeCodeBody(CONCURRENCY_BODY_BYTES);
  const requestsPerSecond = routeSeries<number[]>(() => []);
  const failures = routeSeries<string[]>(() => []);
  const exchanges = routeSeries(() => 0);
  const round = async (route: Route, record: boolean): Promise<void> => {
    // A fresh pool, so all 32 connections are opened at once, as a burst of agents would.
    const pool = keepAlivePool(origins[route], CONCURRENT_CLIENTS);
    const failed: string[] = [];
    const startedAt = performance.now();
    const client = async (): Promise<void> => {
      for (let request = 0; request < REQUESTS_PER_CLIENT; request += 1) {
        try {
          const result = await exchange(pool, { body, keepText: true });
          if (result.status !== 200) failed.push(`HTTP ${result.status}`);
          else if (!result.text.includes('message_stop')) failed.push('stream ended without message_stop');
        } catch (error) {
          failed.push((error as NodeJS.ErrnoException).code ?? (error as Error).message);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, client));
    } finally {
      await pool.close();
    }
    exchanges[route] += CONCURRENT_CLIENTS * REQUESTS_PER_CLIENT;
    if (!record) return;
    const succeeded = CONCURRENT_CLIENTS * REQUESTS_PER_CLIENT - failed.length;
    requestsPerSecond[route].push(succeeded / ((performance.now() - startedAt) / 1000));
    failures[route].push(...failed);
  };
  await interleaved(1, (route) => round(route, false));
  await interleaved(CONCURRENCY_ROUNDS, (route) => round(route, true));
  return {
    rounds: CONCURRENCY_ROUNDS,
    clients: CONCURRENT_CLIENTS,
    requestsPerClient: REQUESTS_PER_CLIENT,
    bodyBytes: body.length,
    requestsPerSecond: { direct: summarize(requestsPerSecond.direct), bare: summarize(requestsPerSecond.bare), ours: summarize(requestsPerSecond.ours) },
    failures: { direct: failures.direct.length, bare: failures.bare.length, ours: failures.ours.length },
    failureExamples: { direct: failures.direct.slice(0, 5), bare: failures.bare.slice(0, 5), ours: failures.ours.slice(0, 5) },
    exchanges,
  };
}

interface BigStreamResult {
  rounds: number;
  responseBytes: number;
  throughputMBps: RouteSeries<Summary>;
  exchanges: RouteSeries<number>;
}

/** 5. One 50 MiB streamed response of model-sized (256 B) events. */
async function measureBigStream(origins: Origins): Promise<BigStreamResult> {
  const scenario = `bytes:${BIG_STREAM_BYTES}:${BIG_STREAM_EVENT_BYTES}`;
  const open = pools(origins, 1);
  const throughput = routeSeries<number[]>(() => []);
  const exchanges = routeSeries(() => 0);
  const sizes = new Set<number>();
  const runOnce = async (route: Route, record: boolean): Promise<void> => {
    const result = await exchange(open[route], { scenario, body: SMALL_STREAM_REQUEST_BODY });
    exchanges[route] += 1;
    expectOk(route, result, 'big stream');
    if (result.bytes < BIG_STREAM_BYTES) throw new Error(`${route} big stream: only ${result.bytes} bytes arrived`);
    sizes.add(result.bytes);
    if (record) throughput[route].push(result.bytes / 1e6 / ((result.endedAt - result.startedAt) / 1000));
  };
  try {
    await interleaved(1, (route) => runOnce(route, false));
    await interleaved(BIG_STREAM_ROUNDS, (route) => runOnce(route, true));
  } finally {
    await closePools(open);
  }
  // Every route must have carried exactly the same stream, or the comparison is meaningless.
  if (sizes.size !== 1) throw new Error(`big stream sizes differ between rounds/routes: ${[...sizes].join(', ')}`);
  return {
    rounds: BIG_STREAM_ROUNDS,
    responseBytes: [...sizes][0] as number,
    throughputMBps: { direct: summarize(throughput.direct), bare: summarize(throughput.bare), ours: summarize(throughput.ours) },
    exchanges,
  };
}

interface SessionResult {
  turns: number;
  replays: number;
  firstBodyBytes: number;
  lastBodyBytes: number;
  totalBytesPerReplay: number;
  /** Per block of SESSION_BLOCK_TURNS turns: request bytes, and each relay's CPU summed over the replays. */
  blocks: Array<{ bytes: number; cpuMs: RelaySeries<number> }>;
  /** CPU per MB of the last two blocks over that of blocks 4–5: above 1 means cost grows faster than bytes. */
  growthRatio: RelaySeries<number>;
  cpuMsPerExchange: RelaySeries<number>;
  exchanges: RouteSeries<number>;
}

/**
 * 6. A 100-turn Claude Code session replayed through each route: every turn resends the conversation so far plus
 * one more tool round. CPU is read per block of turns (a clock tick is 10 ms), summed over a few replays.
 */
async function measureSession(origins: Origins, pids: Pids): Promise<SessionResult> {
  const bodies = claudeCodeSession(SESSION_TURNS, SESSION_GROWTH_BYTES);
  const blockCount = Math.ceil(SESSION_TURNS / SESSION_BLOCK_TURNS);
  const blocks = Array.from({ length: blockCount }, (_, block) => ({
    bytes: bodies.slice(block * SESSION_BLOCK_TURNS, (block + 1) * SESSION_BLOCK_TURNS).reduce((sum, body) => sum + body.length, 0),
    cpuMs: { bare: 0, ours: 0 },
  }));
  const open = pools(origins, 1);
  const exchanges = routeSeries(() => 0);
  try {
    await interleaved(SESSION_REPLAYS, async (route) => {
      for (let block = 0; block < blockCount; block++) {
        await sleep(SETTLE_MS / 3);
        const before = route === 'direct' ? 0 : processCpuMs(pids[route]);
        for (const body of bodies.slice(block * SESSION_BLOCK_TURNS, (block + 1) * SESSION_BLOCK_TURNS)) {
          const result = await exchange(open[route], { body, keepText: true });
          exchanges[route] += 1;
          expectOk(route, result, 'session turn');
        }
        if (route === 'direct') continue;
        await sleep(SETTLE_MS / 3);
        (blocks[block] as (typeof blocks)[number]).cpuMs[route] += processCpuMs(pids[route]) - before;
      }
    });
  } finally {
    await closePools(open);
  }
  const perMb = (relay: Relay, from: number, to: number): number => {
    const part = blocks.slice(from, to);
    return part.reduce((sum, block) => sum + block.cpuMs[relay], 0) / (part.reduce((sum, block) => sum + block.bytes, 0) / 1e6);
  };
  const growthRatio = {
    bare: round3(perMb('bare', blockCount - 2, blockCount) / perMb('bare', 3, 5)),
    ours: round3(perMb('ours', blockCount - 2, blockCount) / perMb('ours', 3, 5)),
  };
  const totalCpu = (relay: Relay) => blocks.reduce((sum, block) => sum + block.cpuMs[relay], 0);
  return {
    turns: SESSION_TURNS,
    replays: SESSION_REPLAYS,
    firstBodyBytes: (bodies[0] as Buffer).length,
    lastBodyBytes: (bodies[bodies.length - 1] as Buffer).length,
    totalBytesPerReplay: blocks.reduce((sum, block) => sum + block.bytes, 0),
    blocks,
    growthRatio,
    cpuMsPerExchange: {
      bare: round3(totalCpu('bare') / Math.max(1, exchanges.bare)),
      ours: round3(totalCpu('ours') / Math.max(1, exchanges.ours)),
    },
    exchanges,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface ScenarioResults {
  'first-event'?: Array<FirstEventResult & { cost: ProcessCost }>;
  'big-body'?: BigBodyResult & { cost: ProcessCost };
  'event-delay'?: EventDelayResult & { cost: ProcessCost };
  concurrency?: ConcurrencyResult & { cost: ProcessCost };
  'big-stream'?: BigStreamResult & { cost: ProcessCost };
  session?: SessionResult & { cost: ProcessCost };
}

interface TargetCheck {
  scenario: string;
  direct: string;
  bare: string;
  ours: string;
  target: string;
  /** Undefined for a row that is reported, not judged. */
  pass: boolean | undefined;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

function signedMs(value: number): string {
  return `${value >= 0 ? '+' : '−'}${fixed(Math.abs(value), 2)} ms`;
}

/** The CPU and RSS rows every scenario gets. */
function costChecks(name: string, cost: ProcessCost, judged: boolean): TargetCheck[] {
  const cpuRatio = cost.cpuMsPerExchange.ours / Math.max(cost.cpuMsPerExchange.bare, 0.001);
  const rssAbove = cost.peakRssMiB.ours - cost.peakRssMiB.bare;
  return [
    {
      scenario: `${name}: relay CPU per exchange, all threads`,
      direct: '—',
      bare: `${fixed(cost.cpuMsPerExchange.bare, 2)} ms (main thread ${fixed(cost.mainThreadCpuMsPerExchange.bare, 2)})`,
      ours: `${fixed(cost.cpuMsPerExchange.ours, 2)} ms (main thread ${fixed(cost.mainThreadCpuMsPerExchange.ours, 2)}; ${fixed(cpuRatio, 2)}× bare)`,
      target: judged ? `≤ ${TARGETS.cpuRatioVsBare}× bare` : '(reported)',
      pass: judged ? cpuRatio <= TARGETS.cpuRatioVsBare : undefined,
    },
    {
      scenario: `${name}: relay peak RSS (${cost.peakSource})`,
      direct: '—',
      bare: `${fixed(cost.peakRssMiB.bare, 0)} MiB`,
      ours: `${fixed(cost.peakRssMiB.ours, 0)} MiB (bare ${rssAbove >= 0 ? '+' : '−'}${fixed(Math.abs(rssAbove), 0)})`,
      target: judged ? `≤ bare + ${TARGETS.rssAboveBareMiB} MiB` : '(reported)',
      pass: judged ? rssAbove <= TARGETS.rssAboveBareMiB : undefined,
    },
  ];
}

function targetChecks(results: ScenarioResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of results['first-event'] ?? []) {
    const { direct, bare, ours } = row.firstEventMs;
    const added = ours.median - bare.median;
    const name = `1. ${row.label} body (${fixed(row.bodyBytes / 1000, 0)} kB)${row.judged ? '' : ', not judged'}`;
    checks.push({
      scenario: `${name}: first SSE event (${row.rounds} rounds)`,
      direct: `${fixed(direct.median, 2)} ms`,
      bare: `${fixed(bare.median, 2)} ms`,
      ours: `${fixed(ours.median, 2)} ms (bare ${signedMs(added)})`,
      target: row.judged ? `≤ bare + ${TARGETS.firstEventAddedVsBareMs} ms` : '(reported)',
      pass: row.judged ? added <= TARGETS.firstEventAddedVsBareMs : undefined,
    });
    checks.push(...costChecks(name, row.cost, row.judged));
  }
  const bigBody = results['big-body'];
  if (bigBody) {
    const { direct, bare, ours } = bigBody.timeToHeadersMs;
    const added = ours.median - bare.median;
    const name = `2. ${fixed(bigBody.requestBytes / 1024 / 1024, 1)} MiB body`;
    checks.push({
      scenario: `${name}: time to response headers (${bigBody.rounds} rounds)`,
      direct: `${fixed(direct.median, 1)} ms`,
      bare: `${fixed(bare.median, 1)} ms`,
      ours: `${fixed(ours.median, 1)} ms (bare ${signedMs(added)})`,
      target: `≤ bare + ${TARGETS.bigBodyAddedVsBareMs} ms`,
      pass: added <= TARGETS.bigBodyAddedVsBareMs,
    });
    checks.push(...costChecks(name, bigBody.cost, true));
  }
  const eventDelay = results['event-delay'];
  if (eventDelay) {
    const { direct, bare, ours } = eventDelay.medianOfRoundP99Ms;
    const added = ours - bare;
    const name = `3. ${EVENT_COUNT} events ${EVENT_INTERVAL_MS} ms apart, ${fixed(eventDelay.bodyBytes / 1000, 0)} kB body`;
    checks.push({
      scenario: `${name}: per-event delay p99 (${eventDelay.rounds} rounds)`,
      direct: `${fixed(direct, 2)} ms`,
      bare: `${fixed(bare, 2)} ms`,
      ours: `${fixed(ours, 2)} ms (bare ${signedMs(added)})`,
      target: `≤ bare + ${TARGETS.eventDelayAddedVsBareP99Ms} ms`,
      pass: added <= TARGETS.eventDelayAddedVsBareP99Ms,
    });
    checks.push(...costChecks(name, eventDelay.cost, true));
  }
  const concurrency = results.concurrency;
  if (concurrency) {
    const { direct, bare, ours } = concurrency.requestsPerSecond;
    const total = concurrency.rounds * concurrency.clients * concurrency.requestsPerClient;
    const name = `4. ${concurrency.clients} clients × ${concurrency.requestsPerClient} requests, ${fixed(concurrency.bodyBytes / 1000, 0)} kB bodies`;
    checks.push({
      scenario: `${name}: failures (${concurrency.rounds} rounds)`,
      direct: `${concurrency.failures.direct} of ${total}`,
      bare: `${concurrency.failures.bare} of ${total}`,
      ours: `${concurrency.failures.ours} of ${total}`,
      target: '0 failures',
      pass: concurrency.failures.ours === TARGETS.concurrencyFailures,
    });
    const ratio = ours.median / bare.median;
    checks.push({
      scenario: `${name}: throughput`,
      direct: `${fixed(direct.median, 0)} req/s`,
      bare: `${fixed(bare.median, 0)} req/s`,
      ours: `${fixed(ours.median, 0)} req/s (${fixed(ratio, 2)}× bare)`,
      target: `≥ ${TARGETS.concurrencyThroughputVsBare}× bare`,
      pass: ratio >= TARGETS.concurrencyThroughputVsBare,
    });
    checks.push(...costChecks(name, concurrency.cost, true));
  }
  const bigStream = results['big-stream'];
  if (bigStream) {
    const { direct, bare, ours } = bigStream.throughputMBps;
    const ratio = ours.median / bare.median;
    const name = `5. one 50 MiB stream, ${BIG_STREAM_EVENT_BYTES} B events`;
    checks.push({
      scenario: `${name}: throughput (${bigStream.rounds} rounds)`,
      direct: `${fixed(direct.median, 0)} MB/s`,
      bare: `${fixed(bare.median, 0)} MB/s`,
      ours: `${fixed(ours.median, 0)} MB/s (${fixed(ratio, 2)}× bare)`,
      target: `≥ ${TARGETS.bigStreamThroughputVsBare}× bare`,
      pass: ratio >= TARGETS.bigStreamThroughputVsBare,
    });
    checks.push(...costChecks(name, bigStream.cost, true));
  }
  const session = results.session;
  if (session) {
    const name = `6. ${session.turns}-turn session, ${fixed(session.firstBodyBytes / 1000, 0)} → ${fixed(session.lastBodyBytes / 1000, 0)} kB bodies`;
    checks.push({
      scenario: `${name}: CPU per MB, last blocks ÷ middle blocks (${session.replays} replays)`,
      direct: '—',
      bare: `${fixed(session.growthRatio.bare, 2)}`,
      ours: `${fixed(session.growthRatio.ours, 2)}`,
      target: `≤ ${TARGETS.sessionGrowthRatio} (linear)`,
      pass: session.growthRatio.ours <= TARGETS.sessionGrowthRatio,
    });
    checks.push(...costChecks(name, session.cost, true));
  }
  return checks;
}

function markdownTable(checks: readonly TargetCheck[]): string {
  const rows = [
    ['scenario', 'direct', 'bare relay', 'ours', 'target', 'result'],
    ['---', '---', '---', '---', '---', '---'],
    ...checks.map((check) => [
      check.scenario,
      check.direct,
      check.bare,
      check.ours,
      check.target,
      check.pass === undefined ? '—' : check.pass ? 'PASS' : '**FAIL**',
    ]),
  ];
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Size and record count of the proxy's capture log: proof that the proxied rounds were really recorded. */
/**
 * How many lines the proxy wrote, and how many of them are a log copy cut short by the capture itself (the
 * recorder a ring behind, or the memory budget full): the agent got every byte either way, but a faster proxy
 * that records less would not be faster, so the count is printed with the figures.
 */
function captureLogFacts(captureDir: string): { files: number; bytes: number; records: number; cutShort: number } {
  const logs = readdirSync(captureDir).filter((name) => name.endsWith('.jsonl'));
  const cutShortNotes = [Buffer.from('the recorder fell behind'), Buffer.from("capture's memory budget")];
  let bytes = 0;
  let records = 0;
  let cutShort = 0;
  for (const name of logs) {
    const path = join(captureDir, name);
    bytes += statSync(path).size;
    const text = readFileSync(path);
    let start = 0;
    for (let at = text.indexOf(0x0a); at >= 0; start = at + 1, at = text.indexOf(0x0a, start)) {
      records += 1;
      // Notes sit after the body in a line; searching the line's last 4 KiB keeps this quick on 5 MiB lines.
      const tail = text.subarray(Math.max(start, at - 4096), at);
      if (cutShortNotes.some((note) => tail.includes(note))) cutShort += 1;
    }
  }
  return { files: logs.length, bytes, records, cutShort };
}

/** The bare relay as plain JavaScript (no TypeScript loader in its process, as none is in the CLI's). */
function buildBareRelay(directory: string): string {
  const outfile = join(directory, 'bareRelay.js');
  buildSync({ entryPoints: [BARE_RELAY_SOURCE], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning' });
  return outfile;
}

// ---------------------------------------------------------------------------------------------------------------
// Main

function selectedScenarios(argv: readonly string[]): ScenarioName[] {
  const only = argv.find((arg) => arg.startsWith('--only='));
  if (!only) return [...SCENARIO_NAMES];
  const names = only.slice('--only='.length).split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return names as ScenarioName[];
}

/** What has been measured so far, so that a run cut off by the watchdog still shows it. */
const finishedResults: ScenarioResults = {};

async function main(): Promise<void> {
  const scenarios = selectedScenarios(process.argv.slice(2));
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` (or \`npm run bench\`)`);
  const proxyNodeArgs = (process.env.BENCH_PROXY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const captureDir = mkdtempSync(join(tmpdir(), 'interlude-bench-'));
  temporaryCaptureDir = captureDir;
  const runStarted = performance.now();
  const loadBefore = loadavg();
  const results = finishedResults;
  let captureLog: ReturnType<typeof captureLogFacts> | undefined;
  let proxyStderrLines = 0;
  try {
    const bareRelayScript = buildBareRelay(captureDir);
    const upstream = await startChild('upstream', ['--import', 'tsx', UPSTREAM_SCRIPT], UPSTREAM_READY_PATTERN, true);
    const upstreamUrl = upstream.readyMatch[1] as string;
    const bare = await startChild('bare relay', [bareRelayScript, upstreamUrl], BARE_READY_PATTERN, true);
    const logDir = join(captureDir, 'captures');
    const proxy = await startChild(
      'proxy',
      [...proxyNodeArgs, CLI_PATH, '--listen', `0=claude=${upstreamUrl}`, '--capture-dir', logDir, '-q'],
      PROXY_READY_PATTERN,
      true,
    );
    const pids = { bare: bare.child.process.pid, ours: proxy.child.process.pid };
    if (pids.bare === undefined || pids.ours === undefined) throw new Error('a relay has no pid');
    const relayPids = pids as Pids;
    const origins: Origins = { direct: upstreamUrl, bare: bare.readyMatch[1] as string, ours: proxy.readyMatch[1] as string };
    process.stderr.write(
      `bench: upstream ${origins.direct}, bare relay ${origins.bare} (pid ${pids.bare}), ours ${origins.ours} (pid ${pids.ours})\n`,
    );

    for (const scenario of scenarios) {
      collectGarbage();
      const scenarioStarted = performance.now();
      process.stderr.write(`bench: ${scenario} ...`);
      switch (scenario) {
        case 'first-event':
          results['first-event'] = [];
          for (const size of FIRST_EVENT_SIZES) {
            results['first-event'].push(await withProcessCost(relayPids, () => measureFirstEvent(origins, size)));
          }
          break;
        case 'big-body':
          results['big-body'] = await withProcessCost(relayPids, () => measureBigBody(origins));
          break;
        case 'event-delay':
          results['event-delay'] = await withProcessCost(relayPids, () => measureEventDelay(origins));
          break;
        case 'concurrency':
          results.concurrency = await withProcessCost(relayPids, () => measureConcurrency(origins));
          break;
        case 'big-stream':
          results['big-stream'] = await withProcessCost(relayPids, () => measureBigStream(origins));
          break;
        case 'session':
          results.session = await withProcessCost(relayPids, () => measureSession(origins, relayPids));
          break;
      }
      process.stderr.write(` ${fixed((performance.now() - scenarioStarted) / 1000, 1)} s\n`);
    }
    proxyStderrLines = proxy.child.stderrLineCount;
    // Stop the proxy first so its log is flushed before it is counted.
    await stopChild(proxy.child);
    captureLog = captureLogFacts(logDir);
  } finally {
    await Promise.all(runningChildren.map((child) => stopChild(child)));
    rmSync(captureDir, { recursive: true, force: true });
  }

  const checks = targetChecks(results);
  const report = {
    when: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverage: { before: loadBefore, after: loadavg() },
    durationSeconds: round3((performance.now() - runStarted) / 1000),
    proxyCli: CLI_PATH,
    proxyNodeArgs,
    proxyStderrLines,
    captureLog,
    checks,
    allPass: checks.every((check) => check.pass !== false),
    results,
  };
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);

  const load = (values: number[]): string => values.map((value) => value.toFixed(2)).join(' ');
  process.stdout.write(
    `\nagent-interlude proxy bench — ${report.when}, commit ${report.commit ?? '?'}, node ${report.node}, ` +
      `${report.cpus} CPUs, load ${load(loadBefore)} → ${load(report.loadAverage.after)}, ${fixed(report.durationSeconds, 0)} s\n\n`,
  );
  process.stdout.write(`${markdownTable(checks)}\n\n`);
  if (captureLog) {
    process.stdout.write(
      `proxy capture log: ${captureLog.records} records (${captureLog.cutShort} cut short by the recorder falling behind or the memory budget), ` +
        `${fixed(captureLog.bytes / 1024 / 1024, 0)} MiB; proxy stderr lines: ${proxyStderrLines}\n`,
    );
  }
  process.stdout.write(`${report.allPass ? 'all targets PASS' : 'some targets FAIL'}; results in ${RESULTS_FILE}\n`);
  if (!report.allPass) process.exitCode = 1;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`\nbench: still running after ${WATCHDOG_MS / 1000} s; killing the children and giving up\n`);
  process.stdout.write(`scenarios finished before the cut (load ${loadavg().map((value) => value.toFixed(2)).join(' ')}):\n\n${markdownTable(targetChecks(finishedResults))}\n`);
  killChildrenNow();
  process.exit(2);
}, WATCHDOG_MS);
// Only a hung run keeps the process alive long enough for the watchdog; a finished one must not wait for it.
watchdog.unref();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildrenNow();
    process.exit(130);
  });
}
// Last resort (an uncaught error, process.exit anywhere): never leave a child behind.
process.on('exit', killChildrenNow);

main().catch((error: unknown) => {
  process.stderr.write(`\nbench failed: ${(error as Error).stack ?? String(error)}\n`);
  killChildrenNow();
  process.exitCode = 2;
});
