// How an exchange and a session read in the Captures tree. No `vscode` here: plain functions of the index
// model, so the wording is the same wherever it shows.
import { markBidiControls } from '../shared/bidiText';
import { countOf } from '../shared/countText';
import type { ExchangeSummary } from '../core/indexModel';

export type Outcome = 'ok' | 'error' | 'partial' | 'pending';

export function exchangeOutcome(summary: Pick<ExchangeSummary, 'pending' | 'status' | 'partial' | 'error'>): Outcome {
  if (summary.pending) return 'pending';
  if (summary.partial) return 'partial';
  if (summary.status === undefined || summary.status >= 400 || (summary.error && summary.status < 200)) return 'error';
  return 'ok';
}

const counts = new Intl.NumberFormat('en-US');

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/**
 * `POST /v1/messages · model · in→out tokens · RTT · status`; parts not known yet are left out. Captured parts
 * (path, model) show their bidi controls as markers: a tree label cannot be isolated.
 */
export function exchangeLabel(summary: ExchangeSummary): string {
  return markBidiControls(exchangeLabelText(summary));
}

function exchangeLabelText(summary: ExchangeSummary): string {
  const parts = [`${summary.method} ${summary.path.split('?')[0]}`];
  if (summary.model) parts.push(summary.model);
  if (summary.usage) {
    // Everything the model read, cached or not: what the request cost in context.
    const input = summary.usage.input + summary.usage.cacheRead + summary.usage.cacheCreation;
    parts.push(`${counts.format(input)}→${counts.format(summary.usage.output)} tokens`);
  }
  if (summary.rttMs !== undefined) parts.push(formatDuration(summary.rttMs));
  if (summary.pending) parts.push('streaming…');
  else if (summary.status !== undefined) parts.push(summary.partial ? `${summary.status} partial` : String(summary.status));
  else parts.push('no response');
  return parts.join(' · ');
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `14:03:07 · claude, codex · 12 exchanges`, with the date when it is not today. */
export function sessionLabel(start: number | undefined, agents: readonly string[], count: number, now = Date.now()): string {
  const plural = countOf(count, 'exchange');
  const who = markBidiControls(agents.join(', '));
  if (start === undefined) return `Without request · ${who} · ${plural}`;
  const at = new Date(start);
  const today = new Date(now);
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  const sameDay =
    at.getFullYear() === today.getFullYear() && at.getMonth() === today.getMonth() && at.getDate() === today.getDate();
  const when = sameDay ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
  return `${when} · ${who} · ${plural}`;
}

/** `⚠ 2 secrets` (flagged: the log holds them) or `2 secrets masked`; undefined when none were found. */
export function secretsBadge(summary: Pick<ExchangeSummary, 'secrets'>): string | undefined {
  const count = summary.secrets?.found.length ?? 0;
  if (!count) return undefined;
  const noun = `${count} secret${count === 1 ? '' : 's'}`;
  return summary.secrets?.masked ? `${noun} masked` : `⚠ ${noun}`;
}
