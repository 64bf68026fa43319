// A/B of relay builds by CPU and context switches per exchange (every thread's /proc ticks and voluntary +
// involuntary switches), blocks of sequential or concurrent exchanges interleaved between the builds, same upstream.
// A bare relay is given as bench/bareRelay.ts. Context switches count the thread wake-ups, which load does not blur.
// usage: [RELAY_NODE_ARGS=…] node --import tsx bench/relayCpuAb.ts BODY_BYTES BLOCKS PER_BLOCK CONCURRENCY <cli.js|bench/bareRelay.ts>...
// e.g. node --import tsx bench/relayCpuAb.ts 40000 6 200 1 /tmp/main-dist/cli.js dist/cli.js bench/bareRelay.ts
// BODY_BYTES `session`: each block replays a 100-turn Claude Code session (bench/agentBodies.ts claudeCodeSession),
// turn after turn, as the bench's session row does (PER_BLOCK is then the turns taken from it, at most 100).
// BODY_BYTES `cold<bytes>` (e.g. cold1000000): every exchange sends another conversation (another seed), as the
// bench's "a new conversation every round" row does: nothing for the recorder to lean on.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { claudeCodeBody, claudeCodeSession } from './agentBodies';

const [size, blocks, perBlock, conc, ...clis] = process.argv.slice(2);
/** RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": flags for our CLIs' node (a profile of every thread). */
const nodeArgs = (process.env.RELAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const coldBytes = size.startsWith('cold') ? Number(size.slice(4)) : undefined;
let coldSeed = 1000;
const coldBodies = (count: number) => Array.from({ length: count }, () => claudeCodeBody(coldBytes!, coldSeed++));
let bodies = size === 'session' ? claudeCodeSession(100, 8_400) : coldBytes ? coldBodies(20) : [claudeCodeBody(Number(size))];
function start(args: string[], pattern: RegExp): Promise<{ pid: number; url: string; kill(): void }> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = pattern.exec(buf);
      if (m) resolve({ pid: child.pid!, url: m[1]!, kill: () => child.kill() });
    });
  });
}
/** Ticks by thread, keyed by its place in the process's thread list (its start order: main first). */
function threadTicks(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  const tids = readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b);
  for (const [place, tid] of tids.entries()) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = `t${place}`;
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {}
  }
  return byName;
}
function stat(pid: number): { ticks: number; ctx: number } {
  let ticks = 0, ctx = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      const st = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      ctx += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(st)![1]) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(st)![1]);
    } catch {}
  }
  return { ticks, ctx };
}
const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
async function main() {
  const up = await start(['--import', 'tsx', join(__dirname, 'upstreamServer.ts')], /FAKE_UPSTREAM_URL=(http:\/\/127\.0\.0\.1:\d+)/);
  const proxies: Array<{ cli: string; pid: number; pool: Pool; cpu: number[]; ctx: number[]; threads: Map<string, number>; kill(): void }> = [];
  const dirs: string[] = [];
  for (const cli of clis) {
    const dir = mkdtempSync(join(tmpdir(), 'interlude-cpuab-'));
    dirs.push(dir);
    const p = cli.endsWith('bareRelay.ts')
      ? await start(['--import', 'tsx', cli, up.url], /BARE_RELAY_URL=(http:\/\/127\.0\.0\.1:\d+)/)
      : await start([...nodeArgs, cli, '--listen', `0=claude=${up.url}`, '--capture-dir', dir, '-q'], /claude: (http:\/\/127\.0\.0\.1:\d+) ->/);
    proxies.push({ cli, pid: p.pid, pool: new Pool(p.url, { connections: Number(conc) }), cpu: [], ctx: [], threads: new Map(), kill: p.kill });
  }
  const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'bench-not-a-real-key' };
  let turn = 0;
  const one = async (pool: Pool) => {
    const body = bodies[turn++ % bodies.length];
    const r = await pool.request({ path: '/v1/messages', method: 'POST', headers, body });
    for await (const _ of r.body) void _;
  };
  const run = async (pool: Pool, n: number) => {
    let left = n;
    await Promise.all(Array.from({ length: Number(conc) }, async () => { while (left-- > 0) await one(pool); }));
  };
  for (const p of proxies) await run(p.pool, 20);
  const l0 = loadavg()[0];
  for (let b = 0; b < Number(blocks); b++) {
    for (const p of b % 2 ? [...proxies].reverse() : proxies) {
      if (coldBytes) bodies = coldBodies(Number(perBlock));
      await new Promise((r) => setTimeout(r, 300));
      const s0 = stat(p.pid);
      const t0 = threadTicks(p.pid);
      turn = 0;
      await run(p.pool, Number(perBlock));
      await new Promise((r) => setTimeout(r, 300));
      const s1 = stat(p.pid);
      for (const [name, ticks] of threadTicks(p.pid)) p.threads.set(name, (p.threads.get(name) ?? 0) + ticks - (t0.get(name) ?? 0));
      p.cpu.push(((s1.ticks - s0.ticks) * 10) / Number(perBlock));
      p.ctx.push((s1.ctx - s0.ctx) / Number(perBlock));
    }
  }
  console.log(`size ${size} blocks ${blocks}x${perBlock} conc ${conc} load ${l0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
  for (const p of proxies) {
    const perExchange = [...p.threads].filter(([, ticks]) => ticks > 0).sort((a, b) => b[1] - a[1]).map(([name, ticks]) => `${name} ${((ticks * 10) / (Number(blocks) * Number(perBlock))).toFixed(2)}`);
    console.log(`${p.cli}: CPU/exchange by thread (mean over blocks, ms): ${perExchange.join(', ')}`);
  }
  for (const p of proxies) {
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1];
    console.log(`${p.cli}: peak RSS (VmHWM) ${(Number(hwm) / 1024).toFixed(0)} MiB`);
  }
  for (const p of proxies) console.log(`${p.cli}: CPU/exchange median ${median(p.cpu).toFixed(2)} ms [${p.cpu.map((v) => v.toFixed(2)).join(' ')}], ctx switches/exchange ${median(p.ctx).toFixed(1)}`);
  for (const p of proxies) {
    await p.pool.close();
    p.kill();
  }
  up.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
void main();
