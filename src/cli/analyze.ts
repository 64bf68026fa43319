// `agent-interlude analyze`: the original's prompt-architecture report (per agent: system,
// tools, messages; then the cross-agent table), with prompt families and their slots, the
// prompt prefix, tokens by model family, sessions and line counts. `--json` prints the
// whole data model instead.

import { readFile } from 'node:fs/promises';
import { stringifyChunked } from '@discoveryjs/json-ext';
import { parseArgs } from 'node:util';
import { DEFAULT_CAPTURE_DIR } from '../core/capture/captureLog';
import type { IndexedFile, LineCounts } from '../core/logIndex/indexModel';
import { LogIndex, LogSourceError } from '../core/logIndex/logIndex';
import type { AgentAnalysis, AgentComparison, SystemFamily } from '../core/analysis/agentPrompts';
import { type AnalysisReport, buildAnalysisReport } from '../core/analysis/analysisReport';
import type { ConversationReport } from '../core/analysis/conversations';
import { explainLog, type FolderExplain } from '../core/analysis/explain';
import { DEFAULT_PRICING, PricingError, type PricingTable, withOverride } from '../core/analysis/pricing';
import type { PromptFamily, PromptSlot } from '../core/analysis/promptSkeleton';
import { roundHalfEven, type Spread } from '../core/analysis/stats';
import type { SecretReport } from '../core/analysis/secretReport';
import type { ToolCatalog } from '../core/analysis/toolCatalog';
import type { StopReasons, TokenReport } from '../core/analysis/tokenUsage';
import { countOf, nounOf } from '../shared/countText';

export const DEFAULT_MAX_SLOTS = 15;
/** Values listed per slot; the rest are counted. */
const VALUES_PER_SLOT = 3;
const SESSIONS_LISTED = 20;

export const ANALYZE_HELP = `Usage:
  agent-interlude analyze [paths...] [--agent NAME] [--max-slots N] [--pricing FILE] [--json]

Reads capture logs (default: ./${DEFAULT_CAPTURE_DIR}, i.e. its log-*.jsonl; a path may be a file,
a directory or a glob) and reports each agent's prompt architecture: the system prompt's
skeleton and dynamic slots per prompt family, the prompt prefix, tools and messages, then a
cross-agent table, tokens by model family, stop reasons and sessions; then why each prompt
cache break happened (cause, changed segment, prompt slot), what fills the context, and the cost.

Options:
      --agent NAME      only this agent's exchanges (e.g. claude, codex)
      --max-slots N     slots shown per prompt family (default ${DEFAULT_MAX_SLOTS})
      --pricing FILE    JSON prices per million tokens replacing or adding to the shipped table
                        ({"models": {"<model>": {"input", "output", "cacheRead", "cacheWrite5m", "cacheWrite1h"}}};
                        shipped table dated ${DEFAULT_PRICING.date})
      --json            print the full analysis as JSON instead of the text report
  -h, --help            this help
`;

export interface AnalyzeSources {
  files: readonly IndexedFile[];
  lines: LineCounts;
}

export interface AnalyzeOutput extends AnalysisReport {
  sources: AnalyzeSources;
  /**
   * Cache breaks, context composition and cost over the folder (explain.ts). The per-request explanations
   * are the editor's (one at a time); a folder's JSON keeps the sections, not thousands of rows.
   */
  explain: FolderExplain;
}

class UsageError extends Error {}

interface AnalyzeArgs {
  paths: string[];
  agent?: string;
  maxSlots: number;
  pricing?: string;
  json: boolean;
  help: boolean;
}

function parseAnalyzeArgs(argv: string[]): AnalyzeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        agent: { type: 'string' },
        'max-slots': { type: 'string' },
        pricing: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  let maxSlots = DEFAULT_MAX_SLOTS;
  if (values['max-slots'] !== undefined) {
    maxSlots = Number(values['max-slots']);
    if (!/^\d+$/.test(values['max-slots']) || !Number.isSafeInteger(maxSlots)) {
      throw new UsageError(`--max-slots takes a whole number, not "${values['max-slots']}"`);
    }
  }
  return {
    paths: positionals.length > 0 ? positionals : [DEFAULT_CAPTURE_DIR],
    agent: values.agent,
    maxSlots,
    pricing: values.pricing,
    json: values.json ?? false,
    help: values.help ?? false,
  };
}

/** Runs the command; returns the exit code (0 ok, 1 nothing to analyze, 2 usage). */
export async function runAnalyze(argv: string[]): Promise<number> {
  let args: AnalyzeArgs;
  try {
    args = parseAnalyzeArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`agent-interlude analyze: ${error.message}\nRun agent-interlude analyze --help for usage.\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(ANALYZE_HELP);
    return 0;
  }

  let pricing: PricingTable = DEFAULT_PRICING;
  if (args.pricing !== undefined) {
    try {
      pricing = withOverride(DEFAULT_PRICING, JSON.parse(await readFile(args.pricing, 'utf8')));
    } catch (error) {
      const why = error instanceof PricingError || error instanceof SyntaxError ? error.message : (error as Error).message;
      process.stderr.write(`agent-interlude analyze: --pricing ${args.pricing}: ${why}\n`);
      return 2;
    }
  }

  let index: LogIndex;
  try {
    index = await LogIndex.open(args.paths);
  } catch (error) {
    if (!(error instanceof LogSourceError)) throw error;
    const hint = args.paths.length === 1 && args.paths[0] === DEFAULT_CAPTURE_DIR
      ? ` (run it where agent-interlude captured, or pass a log path)`
      : '';
    process.stderr.write(`agent-interlude analyze: ${error.message}${hint}\n`);
    return 1;
  }

  const lines = index.counts();
  if (index.exchanges().length === 0) {
    process.stderr.write(
      `agent-interlude analyze: no exchanges in ${args.paths.join(', ')} ` +
        `(${plural(lines.records, 'record')}, ${plural(lines.invalid, 'invalid line')})\n`,
    );
    return 1;
  }
  const report = buildAnalysisReport(index.analysisInput(), { agent: args.agent });
  if (args.agent !== undefined && report.exchanges.total === 0) {
    const known = [...new Set(index.exchanges().map((exchange) => exchange.agent))].sort().join(', ');
    process.stderr.write(`agent-interlude analyze: no exchanges of agent "${args.agent}" (agents: ${known})\n`);
    return 1;
  }
  const output = analyzeOutput(index, report, { agent: args.agent, pricing });
  if (args.json) await writeChunks(stringifyChunked(output, null, 2));
  else await writeOut(renderReport(output, args.maxSlots));
  return 0;
}

/** The whole `analyze` model: the analysis report plus cache, composition and cost (shared with the editor's Analyze command). */
export function analyzeOutput(index: LogIndex, report: AnalysisReport, options: { agent?: string; pricing?: PricingTable } = {}): AnalyzeOutput {
  const explained = explainLog(index.analysisInput(), { ...options, agents: report.agents, conversations: report.conversations });
  return { sources: { files: index.files(), lines: index.counts() }, ...report, explain: explained.report };
}

/**
 * The JSON in pieces, each written once the pipe took the last: a folder's JSON is tens of MB, and one string
 * of it (twice over while it is encoded) is most of a big log's peak memory.
 */
async function writeChunks(chunks: Iterable<string>): Promise<void> {
  let closed = false;
  process.stdout.once('error', () => (closed = true));
  for (const chunk of chunks) {
    if (closed) return;
    if (!process.stdout.write(chunk)) {
      await new Promise<void>((resolveDrain) => {
        const done = () => {
          process.stdout.off('drain', done);
          process.stdout.off('error', done);
          resolveDrain();
        };
        process.stdout.on('drain', done);
        process.stdout.on('error', done);
      });
    }
  }
  if (!closed) await writeOut('\n');
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolveWrite) => {
    // A closed pipe (`| head`) is not an error worth a stack trace.
    process.stdout.once('error', () => resolveWrite());
    process.stdout.write(text, () => resolveWrite());
  });
}

// ---------------------------------------------------------------------------------------------------------
// Text report

/** Python's repr of a str → int dict, as the original prints its counters. */
function pyDict(counts: Readonly<Record<string, number>>): string {
  const repr = (key: string) =>
    key.includes("'") && !key.includes('"') ? `"${key}"` : `'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `{${Object.entries(counts).map(([key, count]) => `${repr(key)}: ${count}`).join(', ')}}`;
}

/** The original's trunc(): tabs to spaces, trimmed, at most n characters. */
function trunc(text: string, n = 100): string {
  const clean = text.replace(/\t/g, ' ').trim();
  return clean.length <= n ? clean : `${clean.slice(0, n - 1)}…`;
}

/** A multi-line value on one line. */
function oneLine(text: string, n = 100): string {
  if (text === '') return '(empty)';
  return trunc(text.split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ⏎ '), n);
}

function percent(value: number): string {
  return `${roundHalfEven(value)}%`;
}

function sizeLine(size: Spread): string {
  return `min=${size.min} median=${roundHalfEven(size.median)} max=${size.max}`;
}

/** A count as this report prints it (digits only, as the original's): the noun from the shared helper. */
function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${nounOf(count, one, many)}`;
}

export function renderReport(output: AnalyzeOutput, maxSlots = DEFAULT_MAX_SLOTS): string {
  const out: string[] = [];
  const { sources } = output;
  out.push('# Interlude prompt-architecture report');
  out.push(`sources: ${sources.files.length} file(s), ${sources.lines.records} record(s)`);
  const noise: string[] = [];
  if (sources.lines.blank > 0) noise.push(plural(sources.lines.blank, 'blank line'));
  if (sources.lines.invalid > 0) noise.push(`${plural(sources.lines.invalid, 'invalid line')} (not JSON, skipped)`);
  if (sources.lines.pendingTailBytes > 0) {
    noise.push(`an unfinished last line (${sources.lines.pendingTailBytes} bytes, still being written or torn)`);
  }
  if (noise.length > 0) out.push(`lines  : ${noise.join(', ')}`);
  const { exchanges } = output;
  out.push(
    `exchanges: ${exchanges.total}` + (exchanges.pending > 0 ? ` (${exchanges.pending} awaiting a response)` : ''),
  );
  out.push(`agents : ${output.agents.map((agent) => `${agent.agent} (${agent.requests} analyzable req)`).join(', ')}`);

  for (const agent of output.agents) renderAgent(out, agent, maxSlots);
  if (output.comparison.length >= 2) renderComparison(out, output.comparison);
  renderTokens(out, output.tokens);
  renderStopReasons(out, output.stopReasons);
  renderCache(out, output.explain);
  renderComposition(out, output.explain);
  renderCost(out, output.explain);
  renderConversations(out, output.conversations);
  renderSecrets(out, output.secrets);
  return `${out.join('\n')}\n`;
}

function renderAgent(out: string[], agent: AgentAnalysis, maxSlots: number): void {
  out.push('', `## Agent: ${agent.agent}`);
  out.push(
    `requests analyzed: ${agent.requests}  | wire(s): ` +
      Object.entries(agent.wires).map(([wire, count]) => `${wire}×${count}`).join(', '),
  );

  out.push('', '### system');
  const system = agent.system;
  if (!system) {
    out.push('- (no system field captured)');
  } else {
    out.push(`- representation : ${system.representation}`);
    out.push(`- size (chars)   : ${sizeLine(system.size)}`);
    out.push(`- distinct samples: ${system.distinct} (of ${countOf(system.requests, 'request')})`);
    if (system.distinct < 2) {
      out.push('- skeleton/slots : only 1 distinct system seen — capture more varied sessions to surface dynamic slots');
    } else {
      const pooled = system.pooled;
      out.push(`- skeleton       : ${pooled.fixedLines}/${pooled.uniqueLines} lines fixed (${percent(pooled.fixedPercent)})`);
      out.push(`- dynamic slots  : ${pooled.dynamicLines.length} line(s) vary across samples`);
      out.push('  (both over every distinct sample pooled, as agent-interlude 0.2 counts; per prompt family below)');
    }
    out.push(`- prompt families: ${system.families.length} (samples sharing ≥ half their lines)`);
    for (const family of system.families) renderFamily(out, family, maxSlots, familyTools(family));
  }

  if (agent.prefix) {
    out.push('', '### prompt prefix (system + system messages + context injected into the first user message)');
    out.push(`- distinct samples: ${agent.prefix.distinct} (of ${countOf(agent.prefix.requests, 'request')})`);
    out.push(`- prompt families: ${agent.prefix.families.length}`);
    for (const family of agent.prefix.families) renderFamily(out, family, maxSlots);
  }

  out.push('', '### tools');
  renderTools(out, agent.tools);
  if (agent.system && agent.system.families.length > 1) {
    for (const family of agent.system.families) {
      const tools = family.tools;
      out.push(
        `- family #${family.id}       : ` +
          (tools
            ? `${roundHalfEven(tools.medianCount)} (median), always ${tools.always.length} | sometimes ${tools.sometimes.length}`
            : 'no tools'),
      );
    }
  }
  const invocations = agent.invocations;
  if (invocations.byTool.length > 0) {
    out.push(
      `- invoked        : ${invocations.byTool.map((tool) => `${tool.name}×${tool.calls}`).join(', ')} ` +
        `(in ${invocations.exchangesWithInvocations} of ${countOf(invocations.exchangesAnalyzed, 'exchange')})`,
    );
  }

  out.push('', '### messages');
  const messages = agent.messages;
  if (!messages) {
    out.push('- (no messages captured)');
  } else {
    out.push(`- per-request    : min=${messages.perRequest.min} max=${messages.perRequest.max} items`);
    out.push(`- roles/types    : ${pyDict(messages.roles)}`);
    out.push(`- content blocks : ${pyDict(messages.blockTypes)}`);
  }
}

function familyTools(family: PromptFamily): string | undefined {
  const tools = (family as Partial<SystemFamily>).tools;
  if (tools === undefined) return undefined;
  if (tools === null) return 'no tool list';
  return `${roundHalfEven(tools.medianCount)} tool(s), ${tools.always.length} always present`;
}

function renderFamily(out: string[], family: PromptFamily, maxSlots: number, tools?: string): void {
  const size =
    family.size.min === family.size.max ? `${family.size.min} chars` : `${family.size.min}–${family.size.max} chars`;
  out.push(
    `  #${family.id} "${trunc(family.label, 60)}": ${plural(family.requests, 'request')}, ` +
      `${plural(family.samples, 'distinct sample')}, ${size}` + (tools ? `, ${tools}` : ''),
  );
  if (family.samples < 2) return;
  out.push(
    `     skeleton ${family.fixedLines}/${family.uniqueLines} lines fixed (${percent(family.fixedPercent)}); ` +
      plural(family.slots.length, 'slot'),
  );
  for (const slot of family.slots.slice(0, maxSlots)) renderSlot(out, slot, family.samples);
  if (family.slots.length > maxSlots) out.push(`     … +${family.slots.length - maxSlots} more slot(s)`);
}

function renderSlot(out: string[], slot: PromptSlot, samples: number): void {
  const where =
    slot.after === null
      ? `at the start, before "${trunc(slot.before ?? '', 60)}"`
      : slot.before === null
        ? `at the end, after "${trunc(slot.after, 60)}"`
        : `after "${trunc(slot.after, 50)}", before "${trunc(slot.before, 50)}"`;
  const section = slot.section ? ` [${slot.section}]` : '';
  out.push(`     • line ${slot.canonicalLine}${section} ${where}: ${slot.values.length} value(s), filled in ${slot.filled}/${samples}`);
  for (const value of slot.values.slice(0, VALUES_PER_SLOT)) {
    out.push(`         ${value.samples}× (${plural(value.requests, 'req')}) ${oneLine(value.text, 90)}`);
  }
  if (slot.values.length > VALUES_PER_SLOT) out.push(`         … +${slot.values.length - VALUES_PER_SLOT} more value(s)`);
}

function renderTools(out: string[], tools: ToolCatalog | null): void {
  if (!tools) {
    out.push('- (no tools captured)');
    return;
  }
  out.push(`- count          : ${roundHalfEven(tools.medianCount)} (median)`);
  out.push(`- schema key     : ${tools.schemaKey}`);
  out.push(`- always present : ${tools.always.length} | sometimes: ${tools.sometimes.length}`);
  out.push(`- names          : ${tools.names.join(', ')}`);
  if (tools.sometimes.length > 0) out.push(`- varying tools  : ${tools.sometimes.join(', ')}`);
  if (tools.changing.length > 0) {
    out.push(
      `- changing defs  : ${tools.changing.map((tool) => `${tool.name} (${tool.definitions} versions)`).join(', ')}`,
    );
  }
}

function renderComparison(out: string[], columns: readonly AgentComparison[]): void {
  out.push('', '## Cross-agent comparison');
  const rows: [string, (column: AgentComparison) => string | number][] = [
    ['system representation', (column) => column.systemRepresentation],
    ['system size (median chars)', (column) => column.systemMedianChars],
    ['distinct system samples', (column) => column.distinctSystems],
    ['tool count (median)', (column) => column.toolCount],
    ['tool schema key', (column) => column.toolSchemaKey],
    ['tool container', (column) => column.toolContainer],
  ];
  const width = Math.max(28, ...rows.map(([label]) => label.length)) + 1;
  out.push('dimension'.padEnd(width) + columns.map((column) => column.agent.padEnd(22)).join(''));
  out.push('-'.repeat(width + 22 * columns.length));
  for (const [label, cell] of rows) {
    out.push(label.padEnd(width) + columns.map((column) => String(cell(column)).padEnd(22)).join(''));
  }
}

function table(out: string[], header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  out.push(line(header));
  out.push(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) out.push(line(row));
}

function renderTokens(out: string[], tokens: TokenReport): void {
  out.push('', '## Tokens by model family');
  if (tokens.byFamily.length === 0) {
    out.push('- (no responses with a model)');
    return;
  }
  const rate = (value: number | null) => (value === null ? '—' : `${(100 * value).toFixed(1)}%`);
  table(
    out,
    ['model family', 'calls', 'input', 'output', 'cache read', 'cache write', 'cache hit'],
    [
      ...tokens.byFamily.map((row) => [
        row.family,
        String(row.calls),
        String(row.input),
        String(row.output),
        String(row.cacheRead),
        String(row.cacheCreation),
        rate(row.cacheHitRate),
      ]),
      [
        'total',
        String(tokens.total.calls),
        String(tokens.total.input),
        String(tokens.total.output),
        String(tokens.total.cacheRead),
        String(tokens.total.cacheCreation),
        rate(tokens.total.cacheHitRate),
      ],
    ],
  );
  out.push('cache hit = cache read / (uncached input + cache read + cache write)');
}

function renderStopReasons(out: string[], stops: StopReasons): void {
  const entries = Object.entries(stops.overall);
  if (entries.length === 0) return;
  out.push('', '## Stop reasons');
  out.push(entries.map(([reason, count]) => `${reason}×${count}`).join(', ') + (stops.none > 0 ? `; none given×${stops.none}` : ''));
}

function renderSecrets(out: string[], report: SecretReport): void {
  out.push('', '## Secrets');
  if (report.exchanges === 0) {
    out.push('- none found');
    return;
  }
  const state = report.masked === report.exchanges ? 'masked in the log' : report.masked === 0 ? 'flagged (the log holds the values)' : `${report.masked} masked, the rest flagged`;
  out.push(`- ${plural(report.distinct.length, 'distinct secret')} in ${plural(report.exchanges, 'exchange')}, ${state}`);
  for (const secret of report.distinct) {
    const first = secret.firstTime !== undefined ? `first ${clock(new Date(secret.firstTime).toISOString())} in ${secret.firstExchange}` : `first in ${secret.firstExchange}`;
    out.push(`- ${secret.kind} ‹${secret.hash}›: ${plural(secret.exchanges, 'exchange')} (${secret.agents.join(', ')}), ${first}`);
  }
}

function clock(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function renderConversations(out: string[], report: ConversationReport): void {
  const { summary } = report;
  out.push('', `## Sessions (a gap over ${seconds(report.sessionGapMs)} from a response to the next request splits)`);
  out.push(
    `- ${plural(summary.sessions, 'session')}, ${plural(summary.threads, 'thread')}: ` +
      `${plural(summary.continuations, 'continuation')}, ${plural(summary.retries, 'retry', 'retries')}, ` +
      `${plural(summary.nexts, 'new start')} within a session` +
      (summary.probes > 0 ? `; ${plural(summary.probes, 'request')} outside conversations (probes)` : ''),
  );
  if (report.roundTrips) {
    const trips = report.roundTrips;
    out.push(
      `- round trips    : median ${seconds(trips.medianMs)}, p90 ${seconds(trips.p90Ms)}, ` +
        `max ${seconds(trips.maxMs)} (${plural(trips.count, 'response')})`,
    );
  }
  if (report.hourly.length > 0) {
    const busiest = [...report.hourly].sort((a, b) => b.count - a.count)[0];
    out.push(
      `- active hours   : ${report.hourly.length} (UTC); busiest ${clock(busiest.hour).slice(0, 16)} with ${plural(busiest.count, 'request')}`,
    );
  }
  if (report.repeats.length > 0) {
    out.push(`- resent bodies  : ${report.repeats.map((run) => `${run.ids[0]} ×${run.count}`).join(', ')}`);
  }
  const shown = report.sessions.slice(-SESSIONS_LISTED);
  if (report.sessions.length > shown.length) out.push(`  … ${plural(report.sessions.length - shown.length, 'earlier session')}`);
  for (const session of shown) {
    out.push(
      `  #${session.id + 1} ${clock(session.start)} (${seconds(session.durationMs)}): ` +
        `${plural(session.exchanges, 'exchange')}, ${plural(session.threads.length, 'thread')}, ${session.agents.join('+')}` +
        (session.tokens.output > 0 ? `, ${plural(session.tokens.output, 'output token')}` : ''),
    );
  }
}

const BREAKS_LISTED = 10;
const CONVERSATIONS_LISTED = 5;

function usd(value: number | null): string {
  if (value === null) return 'unpriced';
  return value >= 1 ? `$${value.toFixed(2)}` : value >= 0.01 ? `$${value.toFixed(3)}` : `$${value.toFixed(5)}`;
}

function renderCache(out: string[], explain: FolderExplain): void {
  out.push('', '## Prompt cache');
  const rate = explain.cacheHitRate === null ? '—' : `${(100 * explain.cacheHitRate).toFixed(1)}%`;
  const requests = Object.values(explain.causes).reduce((sum, count) => sum + count, 0);
  out.push(`- cache hit ${rate} over ${plural(requests, 'request')}; ${plural(explain.breaks.length, 'break')} (missed tokens the previous request had cached)`);
  out.push(`- requests by cause: ${Object.entries(explain.causes).map(([kind, count]) => `${kind}×${count}`).join(', ')}`);
  if (explain.breaks.length === 0) return;
  const missed = explain.breaks.reduce((sum, item) => sum + item.missed, 0);
  const cost = explain.breaks.reduce((sum, item) => sum + (item.usd ?? 0), 0);
  out.push(`- breaks cost ${usd(cost)} against a warm cache (${plural(missed, 'token')} written or sent again)`);
  out.push('', 'breaks by cause:');
  for (const group of explain.byCause) out.push(`  ${group.key.padEnd(16)} ${String(group.count).padStart(4)}×  ${String(group.missed).padStart(9)} ${nounOf(group.missed, 'token ', 'tokens')}  ${usd(group.usd)}`);
  if (explain.bySlot.length > 0) {
    out.push('', 'breaks by prompt slot:');
    for (const group of explain.bySlot) out.push(`  ${group.key}: ${group.count}×, ${plural(group.missed, 'token')}, ${usd(group.usd)}`);
  }
  if (explain.byTool.length > 0) {
    out.push('', 'breaks by tool definition:');
    for (const group of explain.byTool) out.push(`  ${group.key}: ${group.count}×, ${plural(group.missed, 'token')}, ${usd(group.usd)}`);
  }
  out.push('', `costliest breaks (of ${explain.breaks.length}):`);
  for (const item of explain.breaks.slice(0, BREAKS_LISTED)) {
    out.push(`  ${item.id} ${item.cause}: ${trunc(item.text, 120)} — ${plural(item.missed, 'token')}, ${usd(item.usd)}`);
  }
}

function renderComposition(out: string[], explain: FolderExplain): void {
  if (explain.conversations.length === 0) return;
  out.push('', '## Context composition (tokens, estimated from bytes, summing to the reported input)');
  const largest = [...explain.conversations]
    .filter((conversation) => conversation.turns.length > 0)
    .sort((a, b) => (b.turns[b.turns.length - 1]?.inputTokens ?? 0) - (a.turns[a.turns.length - 1]?.inputTokens ?? 0))
    .slice(0, CONVERSATIONS_LISTED);
  for (const conversation of largest) {
    const first = conversation.turns[0];
    const last = conversation.turns[conversation.turns.length - 1];
    const parts = (turn: typeof last) => turn.parts.filter((part) => part.tokens > 0).map((part) => `${part.kind} ${part.tokens}`).join(', ');
    out.push(`- conversation #${conversation.conversation} (${conversation.agent}${conversation.key ? `, ${trunc(conversation.key, 40)}` : ''}), ${plural(conversation.turns.length, 'turn')}: ${first.inputTokens} → ${last.inputTokens} input tokens`);
    out.push(`    last turn: ${parts(last) || '(no usage)'}`);
    const top = conversation.topToolResults.slice(0, 3);
    if (top.length > 0) out.push(`    largest tool results: ${top.map((entry) => `${entry.name} ${entry.tokens}`).join(', ')}`);
  }
}

function renderCost(out: string[], explain: FolderExplain): void {
  const { cost, pricing } = explain;
  out.push('', `## Cost (USD, prices of ${pricing.date}${pricing.overridden ? ', with overrides' : ''})`);
  table(
    out,
    ['model family', 'requests', 'priced', 'cost'],
    [
      ...cost.byFamily.map((row) => [row.family, String(row.requests), String(row.priced), row.priced === 0 && row.unpriced > 0 ? 'unpriced' : usd(row.usd)]),
      ['total', String(cost.total.requests), String(cost.total.priced), usd(cost.total.usd)],
    ],
  );
  if (cost.total.unpriced > 0) out.push(`${plural(cost.total.unpriced, 'request')} with usage but no price (model not in the table): not counted, not zero`);
  const sessions = cost.bySession.filter((row) => row.requests > 0);
  if (sessions.length > 1) {
    out.push(`per session: ${sessions.slice(-SESSIONS_LISTED).map((row) => `#${row.session + 1} ${usd(row.usd)}`).join(', ')}`);
  }
}
