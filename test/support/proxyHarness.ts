// Starts the real proxy on port-0 loopback listeners in front of a given upstream,
// writing to a fresh temporary capture directory, and reads back what it logged. The proxy runs on the
// caller's thread, or with `thread: true` on its own thread behind RelayHost, as the CLI and the extension run it.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { InterludeProxy, type ListenerStatus, type ProxyOptions } from '../../src/core/capture/proxy';
import { RelayHost } from '../../src/core/capture/relayHost';
import type { CaptureRecord, RequestRecord, ResponseRecord } from '../../src/core/records';
import { startFakeUpstream, type FakeUpstream } from './fakeUpstream';

export interface Harness {
  proxy: InterludeProxy | RelayHost;
  statuses: ListenerStatus[];
  /** Base URL of the listener at index `listener` (default 0). */
  url(listener?: number): string;
  captureDir: string;
  problems: string[];
  /** Every log line parsed; throws if any line is not valid JSON. */
  records(): CaptureRecord[];
  requestRecord(id: string): RequestRecord;
  responseRecord(id: string): ResponseRecord;
  /** Polls until `count` response records exist (records land after the relay ends). */
  waitForResponses(count: number, timeoutMs?: number): Promise<ResponseRecord[]>;
  close(): Promise<void>;
}

export async function startHarness(
  upstreamUrl: string,
  options: Partial<ProxyOptions> & { agent?: string; thread?: boolean } = {},
): Promise<Harness> {
  const captureDir = options.captureDir ?? mkdtempSync(join(tmpdir(), 'interlude-capture-'));
  const proxyOptions: ProxyOptions = {
    listeners: options.listeners ?? [{ port: 0, upstream: upstreamUrl, agent: options.agent ?? 'claude' }],
    captureDir,
    extraCa: options.extraCa,
    logFile: options.logFile,
    stopGraceMs: options.stopGraceMs ?? 200,
    recordOnWorker: options.recordOnWorker,
    memoryBudgetBytes: options.memoryBudgetBytes,
    recording: options.recording,
    freePortWhenTaken: options.freePortWhenTaken,
  };
  const problems: string[] = [];
  const onProblem = (problem: string) => problems.push(problem);
  let proxy: InterludeProxy | RelayHost;
  if (options.thread) {
    const host = new RelayHost(proxyOptions);
    host.on('problem', onProblem);
    proxy = host;
  } else {
    const inThread = new InterludeProxy(proxyOptions);
    inThread.on('problem', onProblem);
    proxy = inThread;
  }
  const statuses = await proxy.start();
  const readRecords = (): CaptureRecord[] => {
    const path = proxy.logPath;
    if (!path) return [];
    const text = readFileSync(path, 'utf8');
    // A line is written when its newline is: a read in the middle of a large line's write sees only its start,
    // which is not yet a record (and not an invalid one). Every finished line must be JSON.
    const lines = text.split('\n');
    lines.pop();
    return lines
      .filter((line) => line.length > 0)
      .map((line, index) => {
        try {
          return JSON.parse(line) as CaptureRecord;
        } catch (error) {
          throw new Error(`log line ${index + 1} is not JSON: ${(error as Error).message}: ${line.slice(0, 200)}`);
        }
      });
  };
  const find = <K extends CaptureRecord['kind']>(id: string, kind: K) => {
    const record = readRecords().find((candidate) => candidate.id === id && candidate.kind === kind);
    if (!record) throw new Error(`no ${kind} record with id ${id}`);
    return record as Extract<CaptureRecord, { kind: K }>;
  };
  return {
    proxy,
    statuses,
    url: (listener = 0) => {
      const status = statuses[listener];
      if (!status?.url) throw new Error(`listener ${listener} did not start: ${status?.error}`);
      return status.url;
    },
    captureDir,
    problems,
    records: readRecords,
    requestRecord: (id) => find(id, 'request'),
    responseRecord: (id) => find(id, 'response'),
    async waitForResponses(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const responses = readRecords().filter((record): record is ResponseRecord => record.kind === 'response');
        if (responses.length >= count) return responses;
        if (Date.now() > deadline) throw new Error(`expected ${count} response records, found ${responses.length}`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
    },
    async close() {
      await proxy.stop();
      if (!options.captureDir) rmSync(captureDir, { recursive: true, force: true });
    },
  };
}

/** After any fault: the proxy still relays a plain request and every log line parses. */
export async function assertStillServes(harness: Harness, { checkLog = true } = {}): Promise<void> {
  const responsesBefore = checkLog ? harness.records().filter((record) => record.kind === 'response').length : 0;
  const response = await request(`${harness.url()}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'test' },
    body: JSON.stringify({ model: 'claude-test', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'ping' }] }),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200 || !text.includes('"type":"message_stop"')) {
    throw new Error(`proxy no longer relays: status ${response.statusCode}: ${text.slice(0, 200)}`);
  }
  // Waiting for this exchange's record keeps later index-based lookups exact.
  if (checkLog) await harness.waitForResponses(responsesBefore + 1);
}

export function logFilesIn(directory: string): string[] {
  return readdirSync(directory).filter((name) => name.endsWith('.jsonl'));
}

/** The usual pair for a suite: the fake model API (test/support/fakeUpstream.ts) and the proxy in front of it. */
export async function startProxyOverFakeUpstream(): Promise<{ upstream: FakeUpstream; harness: Harness; close: () => Promise<void> }> {
  const upstream = await startFakeUpstream();
  const harness = await startHarness(upstream.url);
  return {
    upstream,
    harness,
    close: async () => {
      await harness.close();
      await upstream.close();
    },
  };
}
