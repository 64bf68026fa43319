// What changed between two requests: the system prompt line by line (with context),
// the tools by name, and where the two conversations diverge.

import { structuredPatch } from 'diff';
import { codePointLength } from './stats';
import { canonicalJson, toolName } from './toolCatalog';
import { comparableMessage, messagesOf, systemTextOf, toolsOf, wireOf } from './recordText';

export const DEFAULT_DIFF_CONTEXT = 3;

export interface DiffLine {
  type: 'context' | 'add' | 'remove';
  text: string;
}

export interface DiffHunk {
  /** 1-based first line and line count in a / b. */
  aStart: number;
  aLines: number;
  bStart: number;
  bLines: number;
  lines: DiffLine[];
}

export interface SystemDiff {
  identical: boolean;
  aChars: number;
  bChars: number;
  added: number;
  removed: number;
  hunks: DiffHunk[];
}

export interface ToolsDiff {
  added: string[];
  removed: string[];
  /** Same name, different definition (description, schema…). */
  changed: string[];
  aTotal: number;
  bTotal: number;
}

export interface MessagesDiff {
  /** Leading messages equal apart from volatile markers (cache_control, item ids). */
  commonPrefix: number;
  /** Leading messages byte-for-byte equal (after sorting keys), the original's measure. */
  exactCommonPrefix: number;
  aTotal: number;
  bTotal: number;
  aTail: unknown[];
  bTail: unknown[];
}

export interface ExchangeDiff {
  system: SystemDiff;
  tools: ToolsDiff;
  messages: MessagesDiff;
}

/** Diff of two full request records. */
export function diffRequests(a: unknown, b: unknown, context = DEFAULT_DIFF_CONTEXT): ExchangeDiff {
  return {
    system: diffSystem(systemTextOf(a) ?? '', systemTextOf(b) ?? '', context),
    tools: diffTools(toolsOf(a), toolsOf(b)),
    messages: diffMessages(messagesOf(a), messagesOf(b), wireOf(a), wireOf(b)),
  };
}

/** Lines as Python's splitlines sees them, rejoined so every line ends with '\n' for the patcher. */
function asPatchText(text: string): string {
  if (text === '') return '';
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => `${line}\n`).join('');
}

export function diffSystem(a: string, b: string, context = DEFAULT_DIFF_CONTEXT): SystemDiff {
  const diff: SystemDiff = {
    identical: a === b,
    aChars: codePointLength(a),
    bChars: codePointLength(b),
    added: 0,
    removed: 0,
    hunks: [],
  };
  if (diff.identical) return diff;
  const patch = structuredPatch('a', 'b', asPatchText(a), asPatchText(b), undefined, undefined, { context });
  for (const hunk of patch.hunks) {
    const lines: DiffLine[] = [];
    for (const line of hunk.lines) {
      const marker = line[0];
      if (marker === '\\') continue;
      const text = line.slice(1);
      if (marker === '+') {
        lines.push({ type: 'add', text });
        diff.added++;
      } else if (marker === '-') {
        lines.push({ type: 'remove', text });
        diff.removed++;
      } else {
        lines.push({ type: 'context', text });
      }
    }
    diff.hunks.push({ aStart: hunk.oldStart, aLines: hunk.oldLines, bStart: hunk.newStart, bLines: hunk.newLines, lines });
  }
  return diff;
}

export function diffTools(a: readonly unknown[], b: readonly unknown[]): ToolsDiff {
  const byName = (tools: readonly unknown[]) => {
    const map = new Map<string, string>();
    for (const tool of tools) {
      const name = toolName(tool);
      if (name !== undefined) map.set(name, canonicalJson(tool));
    }
    return map;
  };
  const aTools = byName(a);
  const bTools = byName(b);
  const sorted = (names: Iterable<string>) => [...names].sort();
  return {
    added: sorted([...bTools.keys()].filter((name) => !aTools.has(name))),
    removed: sorted([...aTools.keys()].filter((name) => !bTools.has(name))),
    changed: sorted([...aTools.keys()].filter((name) => bTools.has(name) && bTools.get(name) !== aTools.get(name))),
    aTotal: aTools.size,
    bTotal: bTools.size,
  };
}

export function diffMessages(
  a: readonly unknown[],
  b: readonly unknown[],
  aWire?: string,
  bWire?: string,
): MessagesDiff {
  const shorter = Math.min(a.length, b.length);
  let exactCommonPrefix = 0;
  while (exactCommonPrefix < shorter && canonicalJson(a[exactCommonPrefix]) === canonicalJson(b[exactCommonPrefix])) {
    exactCommonPrefix++;
  }
  let commonPrefix = exactCommonPrefix;
  while (
    commonPrefix < shorter &&
    comparableMessage(a[commonPrefix], aWire) === comparableMessage(b[commonPrefix], bWire)
  ) {
    commonPrefix++;
  }
  return {
    commonPrefix,
    exactCommonPrefix,
    aTotal: a.length,
    bTotal: b.length,
    aTail: a.slice(commonPrefix),
    bTail: b.slice(commonPrefix),
  };
}
