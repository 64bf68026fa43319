// `analyze` benchmark on the synthetic logs (bench/generateLog.ts), against issue 11's targets on a 2-core machine:
//   - `agent-interlude analyze --json` (the shipped dist/cli.js, a fresh process, output to a pipe) on 1 GiB:
//     ≤ 4 s wall and ≤ 300 MB peak RSS (/usr/bin/time), with the cache, composition and cost sections; 100 MiB too
//   - one exchange appended to an indexed 1 GiB log (its request, then its response): refresh() + what the editor
//     recomputes (the kept ReportAnalyzer fold, the Explainer fold, the id lookup) ≤ 50 ms
// Medians; the load average is printed with the figures (the machine is shared: wall times move with it).
//
// Run: `npm run bench:analyze` (or `npx tsx bench/analyzeBench.ts [--sizes 100MiB,1GiB] [--runs 3] [--appends 7]`),
// under `flock /tmp/heavy.lock` on a shared machine. Logs go to /tmp/interlude-bench and are reused.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { BENCH_DIR, benchLog, parseSize } from './generateLog';

const REPO_ROOT = resolve(__dirname, '..');
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const BUNDLE_DIR = join(BENCH_DIR, 'analyze-bundle');

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One `analyze --json` run: wall time from outside (node startup included) and peak RSS of the process. */
function analyzeJson(path: string): { wallMs: number; maxRssKiB: number; bytes: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', process.execPath, CLI, 'analyze', path, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`analyze failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const rss = /maxrss (\d+)/.exec(result.stderr);
  JSON.parse(result.stdout);
  return { wallMs, maxRssKiB: rss ? Number(rss[1]) : NaN, bytes: Buffer.byteLength(result.stdout) };
}

async function bundleChild(): Promise<string> {
  await build({
    entryPoints: {
      analyzeBenchChild: join(REPO_ROOT, 'bench', 'analyzeBenchChild.ts'),
      indexWorker: join(REPO_ROOT, 'src', 'core', 'logIndex', 'indexWorker.ts'),
    },
    outdir: BUNDLE_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return join(BUNDLE_DIR, 'analyzeBenchChild.js');
}

const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const fmtMB = (kib: number): string => `${Math.round((kib * 1024) / 1e6)} MB`;

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`no ${CLI}: run \`node esbuild.mjs\` first (npm run bench:analyze does)`);
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed for the peak RSS of a process');
  const sizes = (option('sizes') ?? '100MiB,1GiB').split(',');
  const runs = Number(option('runs') ?? 3);
  const appends = Number(option('appends') ?? 7);
  const loadBefore = loadavg();
  const rows: string[] = [];
  const row = (measure: string, value: string, target: string, met: boolean | undefined, note: string) =>
    rows.push(`| ${measure} | ${value} | ${target} | ${met === undefined ? '—' : met ? 'yes' : '**no**'} | ${note} |`);

  for (const label of sizes) {
    const path = benchLog(label);
    const isGiB = parseSize(label) >= 1024 ** 3;
    analyzeJson(path); // untimed: every timed run reads the log from a warm page cache
    const measured = Array.from({ length: runs }, () => analyzeJson(path));
    const wall = median(measured.map((run) => run.wallMs));
    const rss = median(measured.map((run) => run.maxRssKiB));
    row(
      `\`analyze --json\`, ${label}`,
      `${fmtMs(wall)} wall, ${fmtMB(rss)} peak RSS`,
      isGiB ? '≤ 4 s, ≤ 300 MB' : '—',
      isGiB ? wall <= 4000 && (rss * 1024) / 1e6 <= 300 : undefined,
      `median of ${runs} (${measured.map((run) => fmtMs(run.wallMs)).join(', ')}); ${(measured[0]!.bytes / 1e6).toFixed(1)} MB of JSON`,
    );
    if (isGiB) {
      const child = await bundleChild();
      const result = spawnSync(process.execPath, [child, 'warm', path, String(appends)], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`warm run failed: ${result.stderr}`);
      const warm = JSON.parse(result.stdout.trim()) as { totalMs: number; cpuMs: number; totals: number[]; refreshMs: number; reportMs: number; foldMs: number; exchanges: number };
      row(
        `append one exchange to ${label} + refresh + recompute`,
        fmtMs(warm.totalMs),
        '≤ 50 ms',
        warm.totalMs <= 50,
        `median of ${warm.totals.length} updates (request, then response, ${appends} exchanges); refresh ${fmtMs(warm.refreshMs)}, analysis fold ${fmtMs(warm.reportMs)}, explainer fold ${fmtMs(warm.foldMs)}; CPU ${fmtMs(warm.cpuMs)}; ${warm.exchanges} explained`,
      );
    }
  }
  const loadAfter = loadavg();
  console.log(`\n### analyze benchmark (${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()})\n`);
  console.log(`Load average (1 min) before/after: ${loadBefore[0]?.toFixed(2)} / ${loadAfter[0]?.toFixed(2)}\n`);
  console.log('| measure | result | target | met | notes |');
  console.log('|---|---|---|---|---|');
  for (const line of rows) console.log(line);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
