// The client and the fake model API of the "extension host thread blocked" test (threadBlock.test.ts), in a
// process of their own: the mocha suites run on the extension host's thread, which that test blocks, so anything
// timed there would be blocked too. Run under tsx by the test (child_process, with an IPC channel).
//
// Protocol (process.send / 'message'):
//   → {type: 'upstream', url}                 the fake upstream listens; point a listener at it
//   ← {type: 'run', port}                     the Interlude listener's port: start measuring
//   → {type: 'block'}                         stream A is under way: block the extension host's thread now
//   → {type: 'result', result: ProbeResult}   both streams ended
// Every event of a timed stream carries its send time (`t_sent`, this process's clock), so each event's delay is
// the time it arrived here minus the time the upstream wrote it. Each request goes both through Interlude and,
// at the same moment, straight to the upstream: what Interlude adds is the difference.

import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeUpstream } from '../support/fakeUpstream';

export interface StreamTiming {
  /** Wall-clock ms (Date.now) when the request was sent. */
  sentAt: number;
  /** ms from sending the request to its first SSE event. */
  firstEventMs: number;
  /** Per timed event: its upstream send time (this process's clock, ms). */
  sentTimes: number[];
  /** Per timed event: arrival here minus upstream send time, ms. */
  delaysMs: number[];
  /** Wall-clock ms of each timed event's arrival (to check the block overlapped the stream). */
  arrivals: number[];
  status: number;
}

/**
 * A request through Interlude and the same request sent straight to the upstream at the same moment. Both meet
 * the same load on this 2-core machine (this process's own pauses included), so their difference is what the
 * relay adds.
 */
export interface PairedTiming {
  viaInterlude: StreamTiming;
  direct: StreamTiming;
  /**
   * Per event through Interlude: its delay minus that of the direct stream's event sent closest in time (within
   * half an interval; events without such a partner are left out). Both met the same pauses of this process.
   */
  addedMs: number[];
}

export interface ProbeResult {
  bodyBytes: number;
  /** Requests made before the block, nothing else in flight: what "not delayed" means. */
  baselines: PairedTiming[];
  /** The same long stream with nothing blocked: what Interlude adds on this machine at this moment anyway. */
  unblockedStream: PairedTiming;
  /** The long stream the block lands in the middle of. */
  stream: PairedTiming;
  /** The request started while the extension host's thread was blocked. */
  duringBlock: PairedTiming;
}

const STREAM_EVENTS = 400;
const STREAM_INTERVAL_MS = 5;
/** The block is asked for once this many of the stream's events have arrived (0.5 s in). */
const BLOCK_AFTER_EVENTS = 100;
/** The second request starts this long after the block was asked for: well inside the 1 s block. */
const SECOND_REQUEST_AFTER_MS = 300;

/** What Claude Code sends a few turns in: the recorded request's system and tools, a 250 KB conversation. */
function claudeCodeBody(targetBytes: number): string {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '../fixtures/agents/claude-code-messages-request.json'), 'utf8'),
  ) as { messages: unknown[] } & Record<string, unknown>;
  const first = fixture.messages[0];
  const messages: unknown[] = [first];
  const file = Array.from({ length: 120 }, (_, line) => `  ${line + 1}\tconst value${line} = compute(${line}, options.depth ?? 3); // keep the order`).join('\n');
  for (let turn = 0; JSON.stringify({ ...fixture, messages }).length < targetBytes; turn += 1) {
    const toolId = `toolu_01${String(turn).padStart(4, '0')}Hx7Qm2Vd9LkP3sNa`;
    messages.push({
      role: 'assistant',
      content: [
        { type: 'text', text: `Let me read part ${turn} of the module to see how the options flow.` },
        { type: 'tool_use', id: toolId, name: 'Read', input: { file_path: `/work/project/src/module${turn}.ts` } },
      ],
    });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: toolId, content: file }] });
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: 'Now summarise what you found.' }] });
  return JSON.stringify({ ...fixture, messages, stream: true });
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

function timedStream(port: number, body: string, scenario: string, onEvent?: (count: number) => void): Promise<StreamTiming> {
  return new Promise((resolveStream, rejectStream) => {
    const sentAt = Date.now();
    const started = performance.now();
    const timing: StreamTiming = { sentAt, firstEventMs: -1, sentTimes: [], delaysMs: [], arrivals: [], status: 0 };
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/messages',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-probe', 'anthropic-version': '2023-06-01', 'x-fake-scenario': scenario },
      },
      (res) => {
        timing.status = res.statusCode ?? 0;
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const arrived = now();
          if (timing.firstEventMs < 0) timing.firstEventMs = performance.now() - started;
          pending += text;
          let end = pending.indexOf('\n\n');
          while (end >= 0) {
            const event = pending.slice(0, end);
            pending = pending.slice(end + 2);
            const sent = /"t_sent":([0-9.]+)/.exec(event);
            if (sent) {
              timing.sentTimes.push(Number(sent[1]));
              timing.delaysMs.push(arrived - Number(sent[1]));
              timing.arrivals.push(Date.now());
              onEvent?.(timing.delaysMs.length);
            }
            end = pending.indexOf('\n\n');
          }
        });
        res.on('end', () => resolveStream(timing));
        res.on('error', rejectStream);
      },
    );
    req.on('error', rejectStream);
    req.end(body);
  });
}

function addedDelays(viaInterlude: StreamTiming, direct: StreamTiming): number[] {
  const added: number[] = [];
  let at = 0;
  viaInterlude.sentTimes.forEach((sent, index) => {
    while (at + 1 < direct.sentTimes.length && Math.abs(direct.sentTimes[at + 1] - sent) <= Math.abs(direct.sentTimes[at] - sent)) at += 1;
    if (Math.abs(direct.sentTimes[at] - sent) <= STREAM_INTERVAL_MS / 2) added.push(viaInterlude.delaysMs[index] - direct.delaysMs[at]);
  });
  return added;
}

async function paired(port: number, upstreamPort: number, body: string, scenario: string, onEvent?: (count: number) => void): Promise<PairedTiming> {
  const [viaInterlude, direct] = await Promise.all([timedStream(port, body, scenario, onEvent), timedStream(upstreamPort, body, scenario)]);
  return { viaInterlude, direct, addedMs: addedDelays(viaInterlude, direct) };
}

async function measure(port: number, upstreamPort: number): Promise<ProbeResult> {
  const body = claudeCodeBody(250_000);
  // The first exchange warms up the relay (its connection to the upstream, the code paths) and is not counted.
  await paired(port, upstreamPort, body, 'events:20:5');
  const baselines: PairedTiming[] = [];
  for (let round = 0; round < 5; round += 1) baselines.push(await paired(port, upstreamPort, body, 'events:20:5'));
  const longStream = `events:${STREAM_EVENTS}:${STREAM_INTERVAL_MS}`;
  const unblockedStream = await paired(port, upstreamPort, body, longStream);
  let second: Promise<PairedTiming> | undefined;
  const stream = await paired(port, upstreamPort, body, longStream, (count) => {
    if (count !== BLOCK_AFTER_EVENTS) return;
    process.send?.({ type: 'block' });
    setTimeout(() => (second = paired(port, upstreamPort, body, 'events:20:5')), SECOND_REQUEST_AFTER_MS);
  });
  while (!second) await new Promise((resolveWait) => setTimeout(resolveWait, 10));
  return { bodyBytes: Buffer.byteLength(body), baselines, unblockedStream, stream, duringBlock: await second };
}

async function main(): Promise<void> {
  const upstream = await startFakeUpstream();
  // Nothing here reads the recorded requests; 250 KB bodies would pile up.
  upstream.requests.push = () => 0;
  process.on('message', (message: { type: string; port?: number }) => {
    if (message.type !== 'run' || !message.port) return;
    measure(message.port, upstream.port).then(
      (result) => process.send?.({ type: 'result', result }),
      (error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? error.stack : String(error) }),
    );
  });
  // The test's end (or its extension host's) ends this process.
  process.on('disconnect', () => void upstream.close().finally(() => process.exit(0)));
  process.send?.({ type: 'upstream', url: upstream.url });
}

void main();
