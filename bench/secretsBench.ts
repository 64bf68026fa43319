// Cost of the secrets hook per MB of log line, on Claude Code / Codex-shaped sessions whose requests resend the
// whole conversation every turn (bench/generateLog.ts): with the scanner's memory of clean pieces (as the recorder
// runs it) and without (every line scanned whole, the worst case).
//
// Run: `npx tsx bench/secretsBench.ts [--size 64MiB]`

import { LineRedactor } from '../src/core/secrets/lineRedactor';
import { parseSize, SyntheticLog } from './generateLog';

const args = process.argv.slice(2);
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
