// Which tools the model actually called. Names come from the index (cheap, every
// exchange); inputs need the reassembled response, so they are collected from tool
// uses the caller reads (lazily, only for the exchanges that invoked the tool asked for).

import type { ExchangeSummary } from '../logIndex/indexModel';
import { reconstructBody } from '../wire/wire';
import { type ToolUse, type Wire } from '../wire/common';
import { isRecord } from '../jsonValue';

export interface ToolCallCount {
  name: string;
  calls: number;
  /** Exchanges whose response called it at least once. */
  exchanges: number;
}

export interface InvocationCounts {
  /** Most called first. */
  byTool: ToolCallCount[];
  exchangesWithInvocations: number;
  exchangesAnalyzed: number;
}

/** Call counts per tool name, from the index only. */
export function invocationCounts(exchanges: readonly ExchangeSummary[]): InvocationCounts {
  const byName = new Map<string, ToolCallCount>();
  let exchangesWithInvocations = 0;
  for (const exchange of exchanges) {
    const names = exchange.toolUses ?? [];
    if (names.length === 0) continue;
    exchangesWithInvocations++;
    const seen = new Set<string>();
    for (const name of names) {
      let count = byName.get(name);
      if (!count) byName.set(name, (count = { name, calls: 0, exchanges: 0 }));
      count.calls++;
      if (!seen.has(name)) {
        seen.add(name);
        count.exchanges++;
      }
    }
  }
  return {
    byTool: [...byName.values()].sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)),
    exchangesWithInvocations,
    exchangesAnalyzed: exchanges.length,
  };
}

/**
 * `invocationCounts` as a fold: each exchange's tool calls added once, when it is folded or when its response lands
 * (the counts do not depend on the order they are added in).
 */
export class InvocationFold {
  private readonly byName = new Map<string, ToolCallCount>();
  private withInvocations = 0;

  add(exchange: ExchangeSummary): void {
    const names = exchange.toolUses ?? [];
    if (names.length === 0) return;
    this.withInvocations++;
    const seen = new Set<string>();
    for (const name of names) {
      let count = this.byName.get(name);
      if (!count) this.byName.set(name, (count = { name, calls: 0, exchanges: 0 }));
      count.calls++;
      if (!seen.has(name)) {
        seen.add(name);
        count.exchanges++;
      }
    }
  }

  counts(exchangesAnalyzed: number): InvocationCounts {
    return {
      byTool: [...this.byName.values()].map((count) => ({ ...count })).sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)),
      exchangesWithInvocations: this.withInvocations,
      exchangesAnalyzed,
    };
  }
}

export interface ToolInvocation {
  name: string;
  exchangeId: string;
  agent: string;
  wire: string;
  /** Response time (or request time) of the exchange, ISO. */
  time?: string;
  /** Parsed arguments, a custom tool's raw input text, or `{_raw}` when unusable. */
  input: unknown;
  /** Claude `tool_use` id / Responses `call_id` / chat tool-call id, when known. */
  callId?: string;
  /** Responses wire: `function_call` or `custom_tool_call`. */
  type?: string;
}

export interface ExchangeToolUses {
  exchange: ExchangeSummary;
  toolUses: readonly ToolUse[];
}

/** Every invocation in the given exchanges (optionally of one tool), in exchange order. */
export function collectInvocations(entries: Iterable<ExchangeToolUses>, toolName?: string): ToolInvocation[] {
  const invocations: ToolInvocation[] = [];
  for (const { exchange, toolUses } of entries) {
    for (const toolUse of toolUses) {
      const name = typeof toolUse.name === 'string' ? toolUse.name : '?';
      if (toolName !== undefined && name !== toolName) continue;
      const invocation: ToolInvocation = {
        name,
        exchangeId: exchange.id,
        agent: exchange.agent,
        wire: exchange.wire,
        input: toolUse.input,
      };
      const time = exchange.responseTime ?? exchange.requestTime;
      if (time !== undefined) invocation.time = new Date(time).toISOString();
      const callId = toolUse.call_id ?? toolUse.id;
      if (typeof callId === 'string') invocation.callId = callId;
      if (typeof toolUse.type === 'string') invocation.type = toolUse.type;
      invocations.push(invocation);
    }
  }
  return invocations;
}

/** The tool uses of a response record: its reconstruction, or a plain body reconstructed now. */
export function toolUsesOfResponse(record: unknown): ToolUse[] {
  if (!isRecord(record)) return [];
  let reconstructed = isRecord(record.reconstructed) ? record.reconstructed : undefined;
  if (!reconstructed && record.body !== undefined && typeof record.wire === 'string') {
    reconstructed = reconstructBody(record.wire as Wire, record.body);
  }
  const toolUses = reconstructed?.tool_uses;
  return Array.isArray(toolUses) ? toolUses.filter((toolUse): toolUse is ToolUse => isRecord(toolUse)) : [];
}

/**
 * Reads the responses of only the exchanges whose index entry names the tool (all
 * exchanges with tool uses when no name is given) and collects the invocations.
 * `readResponse` is typically `(exchange) => index.readRecord(exchange.response)`.
 */
export async function readInvocations(
  exchanges: readonly ExchangeSummary[],
  readResponse: (exchange: ExchangeSummary) => Promise<unknown>,
  toolName?: string,
): Promise<ToolInvocation[]> {
  const entries: ExchangeToolUses[] = [];
  for (const exchange of exchanges) {
    const names = exchange.toolUses ?? [];
    if (names.length === 0 || (toolName !== undefined && !names.includes(toolName))) continue;
    if (!exchange.response) continue;
    entries.push({ exchange, toolUses: toolUsesOfResponse(await readResponse(exchange)) });
  }
  return collectInvocations(entries, toolName);
}
