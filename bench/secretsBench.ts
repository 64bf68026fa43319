// Cost of the secrets hook per MB of log line, on Claude Code / Codex-shaped sessions whose requests resend the
// whole conversation every turn (bench/generateLog.ts): with the scanner's memory of clean pieces (as the recorder
// runs it) and without (every line scanned whole, the worst case).
//
// `--only=exchanges`: what detection adds to the recorder per exchange, on the request line the recorder writes for
// a Claude Code-shaped body (bench/agentBodies.ts) of 40 KB, 250 KB, 1 MB and 5 MiB, spliced from the body's bytes
// (requestSplice.ts) and written by CaptureLog with the recorder's hook, against the same CaptureLog without it.
// Two cases per size: the same body resent (what bench/proxyBench.ts sends), and a session growing by one tool
// round a turn (each turn resends the conversation). Lines go to the hook with the objects the scan knows by digest
// (KnownValue), as the recorder hands them; to measure a tree from before that, run that tree's own copy of this file.
//
// Run: `npx tsx bench/secretsBench.ts [--size 64MiB]`, `npx tsx bench/secretsBench.ts --only=exchanges`

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureLog } from '../src/core/capture/captureLog';
import { spliceRequest } from '../src/core/capture/requestSplice';
import { LineRedactor } from '../src/core/secrets/lineRedactor';
import type { KnownValue } from '../src/core/secrets/secretScanner';
import { claudeCodeBody, claudeCodeSession } from './agentBodies';
import { parseSize, SyntheticLog } from './generateLog';

const args = process.argv.slice(2);
if (args.includes('--only=exchanges')) void exchanges().then(() => process.exit(0));
else perMiB();

function perMiB(): void {
  const sizeAt = args.indexOf('--size');
  const target = parseSize(sizeAt >= 0 ? args[sizeAt + 1] : '64MiB');

  const synthetic = new SyntheticLog(1);
  const lines: string[] = [];
  let bytes = 0;
  let largest = 0;
  while (bytes < target) {
    for (const line of synthetic.nextExchangeLines()) {
      lines.push(line);
      bytes += line.length;
      largest = Math.max(largest, line.length);
    }
  }
  const mb = bytes / 1024 / 1024;

  function run(label: string, redactorFor: () => LineRedactor): void {
    let shared = redactorFor();
    const started = process.cpuUsage();
    const wall = performance.now();
    let found = 0;
    for (const line of lines) {
      if (label.includes('without')) shared = redactorFor();
      const out = shared.apply(line);
      if (out.length !== line.length) found += 1;
    }
    const cpu = process.cpuUsage(started);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `${label}: ${lines.length} lines, ${mb.toFixed(1)} MiB (largest ${(largest / 1024).toFixed(0)} KiB) in ${(performance.now() - wall).toFixed(0)} ms wall, ` +
        `${cpuMs.toFixed(0)} ms CPU → ${(cpuMs / mb).toFixed(2)} ms CPU per MiB; lines with findings: ${found}`,
    );
  }

  // Warm the JIT on a tenth of the lines first, so the figures are the steady state a recorder runs at.
  {
    const warm = new LineRedactor('flag');
    for (const line of lines.slice(0, Math.ceil(lines.length / 10))) warm.apply(line);
  }
  for (let round = 1; round <= 3; round += 1) {
    console.log(`round ${round}`);
    run('flag, with memory of clean pieces', () => new LineRedactor('flag'));
    run('flag, without memory (each line scanned whole)', () => new LineRedactor('flag'));
    run('mask, with memory of clean pieces', () => new LineRedactor('mask'));
  }
}

/** The request line the recorder writes for `body` (pieces, views of it), and its objects known by the scan's digests. */
interface BenchLine {
  line: Uint8Array[];
  known: KnownValue[];
}

function requestLine(body: Buffer, turn: number): BenchLine {
  const spliced = spliceRequest({
    meta: {
      id: `bench${String(turn).padStart(8, '0')}`,
      ts: new Date(Date.UTC(2026, 11, 2, 12, 0, turn % 60)).toISOString(),
      agent: 'claude',
      wire: 'claude-messages',
      method: 'POST',
      path: '/v1/messages?beta=true',
      headers_kept: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      contentEncoding: '',
    },
    body,
    bodyBytes: body.length,
    overflowed: false,
    interrupted: false,
  }, undefined, true);
  if (!spliced) throw new Error('the bench body was not spliced');
  return { line: spliced.line, known: spliced.known };
}

/** The recorder's hook, for whichever signature this tree's CaptureLog has. */
function recorderHook(redactor: LineRedactor): unknown {
  const bytes = redactor as unknown as {
    applyPieces?: (pieces: Uint8Array[], known?: readonly KnownValue[]) => Uint8Array[];
  };
  if (typeof bytes.applyPieces === 'function') return (pieces: Uint8Array[], known?: readonly KnownValue[]) => bytes.applyPieces!(pieces, known);
  return (json: string) => redactor.apply(json);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds of the synchronous part of each writeLine (where the hook runs), one per line, written in order. */
async function writeTimes(log: CaptureLog, lines: BenchLine[]): Promise<number[]> {
  const times: number[] = [];
  for (const { line, known } of lines) {
    let written!: () => void;
    const done = new Promise<void>((resolve) => (written = resolve));
    const started = performance.now();
    log.writeLine(line, written, known);
    times.push(performance.now() - started);
    await done;
  }
  return times;
}

async function exchanges(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'secrets-bench-'));
  const sizes = [
    { label: '40 KB', bytes: 40_000, rounds: 200 },
    { label: '250 KB', bytes: 250_000, rounds: 120 },
    { label: '1 MB', bytes: 1_000_000, rounds: 50 },
    { label: '5 MiB', bytes: 5 * 1024 * 1024, rounds: 20 },
  ];
  const open = (hook?: unknown) =>
    CaptureLog.open(
      directory,
      hook ? ({ transformLine: hook } as never) : {},
      join(directory, hook ? 'hooked.jsonl' : 'plain.jsonl'),
    );
  console.log(`detection cost per exchange (request line), medians; ${process.version}`);
  try {
    for (const size of sizes) {
      const body = claudeCodeBody(size.bytes);
      const resent = Array.from({ length: size.rounds }, (_, turn) => requestLine(body, turn));
      // A growing session ending near this size: one tool round a turn.
      const turns = 20;
      const session = claudeCodeSession(turns, Math.max(2_000, Math.floor((size.bytes - 40_000) / turns)), 3).map(
        (turnBody, turn) => requestLine(turnBody, turn),
      );
      const added = {
        resent: [] as number[],
        session: [] as number[],
        cold: [] as number[],
      };
      // Rounds alternate with and without the hook so drift on a shared machine hits both alike.
      for (let round = 0; round < 5; round += 1) {
        const plain = await open();
        const hooked = await open(recorderHook(new LineRedactor('flag')));
        const base = await writeTimes(plain, resent);
        const withHook = await writeTimes(hooked, resent);
        // The first write of a round is a cold scan; the rest are the body resent.
        added.cold.push(withHook[0] - base[0]);
        added.resent.push(median(withHook.slice(1)) - median(base.slice(1)));
        const sessionHooked = await open(recorderHook(new LineRedactor('flag')));
        const sessionBase = await writeTimes(plain, session);
        const sessionWith = await writeTimes(sessionHooked, session);
        added.session.push(median(sessionWith.slice(1)) - median(sessionBase.slice(1)));
        await Promise.all([plain.close(), hooked.close(), sessionHooked.close()]);
        rmSync(join(directory, 'hooked.jsonl'), { force: true });
        rmSync(join(directory, 'plain.jsonl'), { force: true });
      }
      console.log(
        `${size.label} (${(body.length / 1024).toFixed(0)} KiB body): +${median(added.resent).toFixed(3)} ms resent, ` +
          `+${median(added.session).toFixed(3)} ms a turn of a growing session (${session.length} turns to ${(Buffer.concat(session[session.length - 1].line).length / 1024).toFixed(0)} KiB line), ` +
          `+${median(added.cold).toFixed(3)} ms first (cold) scan`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
