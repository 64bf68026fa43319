// The real agent CLIs (Claude Code, Codex) for the dogfood suite: installed at pinned versions into a cache
// outside the repository, and run as subprocesses with a clean environment, as TESTING.md §2 describes.
//
// The cache is `$AGENT_INTERLUDE_DOGFOOD_CACHE`, or `~/.cache/agent-interlude-dogfood`. Installing is a plain
// `npm install --prefix <cache>` (about 650 MB, a minute or so) and happens only when an installed version differs
// from the pin or a CLI does not start.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type AgentName = 'claude' | 'codex';

interface PinnedCli {
  packageName: string;
  version: string;
  /** The command npm links into node_modules/.bin. */
  bin: string;
}

export const PINNED_CLIS: Readonly<Record<AgentName, PinnedCli>> = {
  claude: { packageName: '@anthropic-ai/claude-code', version: '2.1.332', bin: 'claude' },
  codex: { packageName: '@openai/codex', version: '0.171.0', bin: 'codex' },
};

export interface AgentClis {
  cacheDir: string;
  /** node_modules/.bin of the cache; put it first on the agents' PATH. */
  binDir: string;
  /** Absolute paths of the two commands. */
  claude: string;
  codex: string;
  /** What `<cli> --version` printed, for the test log. */
  versions: Record<AgentName, string>;
}

export function dogfoodCacheDir(): string {
  const configured = process.env.AGENT_INTERLUDE_DOGFOOD_CACHE;
  return configured && configured.trim() !== '' ? configured : join(homedir(), '.cache', 'agent-interlude-dogfood');
}

function installedVersion(cacheDir: string, packageName: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(cacheDir, 'node_modules', packageName, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running a process

export interface ProcessRun {
  command: string;
  args: string[];
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Set when the process could not be started at all. */
  spawnError?: string;
}

export interface RunOptions {
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
}

/**
 * Runs a command asynchronously (the proxy under test lives in this process, so a synchronous spawn would stall it),
 * stdin an empty pipe, closed at once (Codex 0.171 given /dev/null as stdin read a shell's error output as
 * "additional input from stdin" into its prompt on this machine), in its own process group so that a timeout kills everything it started.
 */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<ProcessRun> {
  const started = performance.now();
  return new Promise((resolveRun) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdin.end();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    let spawnError: string | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    child.once('error', (error) => {
      spawnError = error.message;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // Anything the agent left running in its group (helpers, shells) goes with it.
      killGroup();
      resolveRun({
        command,
        args,
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        durationMs: Math.round(performance.now() - started),
        ...(spawnError !== undefined ? { spawnError } : {}),
      });
    });
  });
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `…(${text.length - max} earlier chars)…\n${text.slice(-max)}`;
}

/** A run's outcome with its output, for assertion messages. */
export function describeRun(run: ProcessRun, maxChars = 6_000): string {
  const ended = run.timedOut
    ? `timed out after ${run.durationMs} ms and was killed`
    : run.spawnError
      ? `could not start: ${run.spawnError}`
      : `exited with ${run.code ?? run.signal} after ${run.durationMs} ms`;
  return [
    `$ ${run.command} ${run.args.map((arg) => JSON.stringify(arg)).join(' ')}`,
    `  ${ended}`,
    '--- stdout ---',
    tail(run.stdout, maxChars),
    '--- stderr ---',
    tail(run.stderr, maxChars),
    '--------------',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Installing

async function cliVersion(command: string): Promise<{ ok: boolean; output: string; run: ProcessRun }> {
  const home = mkdtempSync(join(tmpdir(), 'interlude-cli-version-'));
  try {
    const run = await runProcess(command, ['--version'], {
      env: { PATH: agentPath(dirname(command)), HOME: home, TERM: 'dumb' },
      cwd: home,
      timeoutMs: 30_000,
    });
    return { ok: run.code === 0, output: run.stdout.trim(), run };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** npm's own environment, minus the settings `npm run` exports that would point the install back at the repo. */
function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'npm_config_prefix' || lower === 'npm_config_local_prefix' || lower === 'npm_config_global') continue;
    env[name] = value;
  }
  return env;
}

export interface EnsureOptions {
  /** Progress lines (what is installed, how long it took). */
  log?: (line: string) => void;
  /** For the whole npm install. */
  installTimeoutMs?: number;
}

/**
 * Makes sure both pinned CLIs are installed in the cache and start; installs them when not. Throws with npm's
 * output, or the CLI's, when that fails.
 */
export async function ensureAgentClis(options: EnsureOptions = {}): Promise<AgentClis> {
  const log = options.log ?? (() => undefined);
  const cacheDir = dogfoodCacheDir();
  const binDir = join(cacheDir, 'node_modules', '.bin');
  const commandOf = (agent: AgentName): string => join(binDir, PINNED_CLIS[agent].bin);
  const agents = Object.keys(PINNED_CLIS) as AgentName[];

  const stale = agents.filter((agent) => installedVersion(cacheDir, PINNED_CLIS[agent].packageName) !== PINNED_CLIS[agent].version);
  // A right version whose command does not start (e.g. Claude Code's native binary never linked) is reinstalled too,
  // from scratch: npm leaves an up-to-date package alone and would not run its postinstall again.
  for (const agent of agents) {
    if (stale.includes(agent)) continue;
    if (!existsSync(commandOf(agent)) || !(await cliVersion(commandOf(agent))).ok) {
      log(`${PINNED_CLIS[agent].packageName}@${PINNED_CLIS[agent].version} is installed but does not start; reinstalling it`);
      rmSync(join(cacheDir, 'node_modules', PINNED_CLIS[agent].packageName), { recursive: true, force: true });
      stale.push(agent);
    }
  }

  if (stale.length > 0) {
    mkdirSync(cacheDir, { recursive: true });
    // Both pins every time, so the cache's package.json never drifts from them.
    const specs = agents.map((agent) => `${PINNED_CLIS[agent].packageName}@${PINNED_CLIS[agent].version}`);
    const args = ['install', '--no-audit', '--no-fund', '--save-exact', '--prefix', cacheDir, ...specs];
    log(`installing ${specs.join(' ')} into ${cacheDir} (about 650 MB; needed for: ${stale.join(', ')})`);
    const run = await runProcess('npm', args, {
      env: npmEnv(),
      cwd: cacheDir,
      timeoutMs: options.installTimeoutMs ?? 9 * 60_000,
    });
    if (run.code !== 0) {
      throw new Error(`npm could not install the agent CLIs into ${cacheDir}:\n${describeRun(run)}`);
    }
    log(`installed in ${Math.round(run.durationMs / 1000)} s`);
    for (const agent of agents) {
      const found = installedVersion(cacheDir, PINNED_CLIS[agent].packageName);
      if (found !== PINNED_CLIS[agent].version) {
        throw new Error(
          `after npm install, ${PINNED_CLIS[agent].packageName} in ${cacheDir} is ${found ?? 'missing'}, not ${PINNED_CLIS[agent].version}:\n${describeRun(run)}`,
        );
      }
    }
  }

  const versions = {} as Record<AgentName, string>;
  for (const agent of agents) {
    const command = commandOf(agent);
    const check = existsSync(command) ? await cliVersion(command) : undefined;
    if (!check?.ok || !check.output.includes(PINNED_CLIS[agent].version)) {
      const hint =
        agent === 'claude'
          ? ' Claude Code\'s postinstall (`node install.cjs`) links the native binary into bin/claude.exe; npm 11 warns ' +
            '"install scripts not yet covered by allowScripts" and a future npm may skip it. Run it by hand in ' +
            `${join(cacheDir, 'node_modules', PINNED_CLIS.claude.packageName)}, or approve the script, then retry.`
          : '';
      throw new Error(
        `${command} --version does not report ${PINNED_CLIS[agent].version}.${hint}\n` +
          (check ? describeRun(check.run) : `${command} does not exist`),
      );
    }
    versions[agent] = check.output;
  }
  return { cacheDir, binDir, claude: commandOf('claude'), codex: commandOf('codex'), versions };
}

// ---------------------------------------------------------------------------------------------------------------
// Clean environments

/** The agent CLIs first, then this Node (Codex's launcher is a node script), then the system's directories. */
export function agentPath(binDir: string): string {
  const entries = [binDir, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'];
  return [...new Set(entries)].join(':');
}

/** A fresh temporary HOME and working directory for one agent run; remove() deletes both. */
export interface AgentSandbox {
  root: string;
  home: string;
  workspace: string;
  /** TMPDIR, so the agents' scratch files (Claude Code's /tmp/claude-<uid>, Codex's helpers) go with the sandbox. */
  temp: string;
  remove(): void;
}

export function makeAgentSandbox(): AgentSandbox {
  const root = mkdtempSync(join(tmpdir(), 'interlude-dogfood-'));
  const home = join(root, 'home');
  const workspace = join(root, 'workspace');
  const temp = join(root, 'tmp');
  mkdirSync(join(home, '.codex'), { recursive: true });
  mkdirSync(workspace);
  mkdirSync(temp);
  return { root, home, workspace, temp, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** `env -i` style: nothing of this process's environment leaks into the agent. */
export function claudeEnv(clis: AgentClis, sandbox: AgentSandbox, baseUrl: string, apiKey: string): Record<string, string> {
  return {
    PATH: agentPath(clis.binDir),
    HOME: sandbox.home,
    TMPDIR: sandbox.temp,
    TERM: 'dumb',
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: apiKey,
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
}

export function codexEnv(clis: AgentClis, sandbox: AgentSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: agentPath(clis.binDir),
    HOME: sandbox.home,
    CODEX_HOME: join(sandbox.home, '.codex'),
    TMPDIR: sandbox.temp,
    TERM: 'dumb',
    ...extra,
  };
}

/** `codex exec` options every dogfood run shares: no update check, no analytics, no plugins, no git needed. */
export const CODEX_QUIET_OPTIONS: readonly string[] = [
  '-c',
  'check_for_update_on_startup=false',
  '-c',
  'analytics.enabled=false',
  '--disable',
  'plugins',
  '--skip-git-repo-check',
];

/** `-c` options for a custom Responses provider `t` at `baseUrl` whose key is in the env var `envKey`. */
export function codexCustomProvider(baseUrl: string, envKey?: string): string[] {
  return [
    '-c',
    'model_provider=t',
    '-c',
    'model_providers.t.name="t"',
    '-c',
    `model_providers.t.base_url=${JSON.stringify(baseUrl)}`,
    '-c',
    'model_providers.t.wire_api="responses"',
    ...(envKey ? ['-c', `model_providers.t.env_key=${JSON.stringify(envKey)}`] : []),
  ];
}
