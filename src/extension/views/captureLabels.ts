// How an exchange and a session read in the Captures tree. No `vscode` here: plain functions of the index
// model, so the wording is the same wherever it shows.
import * as l10n from '@vscode/l10n';
import { markBidiControls } from '../../shared/bidiText';
import { exchangesText } from '../../shared/countText';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';

export type Outcome = 'ok' | 'error' | 'partial' | 'pending';

export function exchangeOutcome(summary: Pick<ExchangeSummary, 'pending' | 'status' | 'partial' | 'error'>): Outcome {
  if (summary.pending) return 'pending';
  if (summary.partial) return 'partial';
  if (summary.status === undefined || summary.status >= 400 || (summary.error && summary.status < 200)) return 'error';
  return 'ok';
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/**
 * What tells one exchange from the next, in the width a side bar has: `14:03:07 · 12K→234 · sonnet-4.5`
 * (when, tokens in→out, which model). Every row of a session shares its method and path, so those go to the
 * description with the round trip and status (`exchangeDescription`), and everything in full to the tooltip.
 * Captured parts (the model) show their bidi controls as markers: a tree label cannot be isolated.
 */
export function exchangeLabel(summary: ExchangeSummary): string {
  const parts: string[] = [];
  const at = summary.requestTime ?? summary.responseTime;
  if (at !== undefined) parts.push(clockTime(new Date(at)));
  if (summary.usage) {
    // Everything the model read, cached or not: what the request cost in context.
    const input = summary.usage.input + summary.usage.cacheRead + summary.usage.cacheCreation;
    parts.push(`${compactCount(input)}→${compactCount(summary.usage.output)}`);
  }
  // Last: within a session the model changes least, so it is what a narrow side bar may cut.
  parts.push(summary.model ? shortModelName(summary.model) : summary.agent);
  return markBidiControls(parts.join(' · '));
}

/** `⚠ 2 secrets · 1.2 s · 200 · POST /v1/messages`: the rest of the row, which may be cut at a narrow width. */
export function exchangeDescription(summary: ExchangeSummary): string {
  const parts: string[] = [];
  const secrets = secretsBadge(summary);
  if (secrets) parts.push(secrets);
  if (summary.pending) parts.push(l10n.t('streaming…'));
  else {
    if (summary.rttMs !== undefined) parts.push(formatDuration(summary.rttMs));
    if (summary.status !== undefined) parts.push(summary.partial ? l10n.t('{0} partial', summary.status) : String(summary.status));
    else parts.push(l10n.t('no response'));
  }
  parts.push(`${summary.method} ${summary.path.split('?')[0]}`);
  return markBidiControls(parts.join(' · '));
}

/**
 * The model as people say it: `claude-sonnet-4-5-20250929` → `sonnet-4.5`, `claude-3-5-haiku-20241022` →
 * `haiku-3.5`, `claude-opus-4-1` → `opus-4.1`; other models (Codex's `gpt-5-codex`) keep their name.
 */
export function shortModelName(model: string): string {
  const undated = model.replace(/-(?:20\d{6}|latest)$/, '');
  const claude = /^claude-(?:(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?|(\d+)(?:-(\d{1,2}))?-(opus|sonnet|haiku))$/.exec(undated);
  if (!claude) return model;
  const [, family, major, minor, oldMajor, oldMinor, oldFamily] = claude;
  return family ? `${family}-${major}${minor ? `.${minor}` : ''}` : `${oldFamily}-${oldMajor}${oldMinor ? `.${oldMinor}` : ''}`;
}

/** 987, 12.3K, 1.2M: token counts at a glance (the tooltip has them exact). */
export function compactCount(value: number): string {
  if (value < 1000) return String(value);
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 1 : 0).replace(/\.0$/, '')}K`;
  return `${(value / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

function clockTime(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `14:03:07 · claude, codex · 12 exchanges`, with the date when it is not today. */
export function sessionLabel(start: number | undefined, agents: readonly string[], count: number, now = Date.now()): string {
  const plural = exchangesText(count);
  const who = markBidiControls(agents.join(', '));
  if (start === undefined) return `${l10n.t('Without request')} · ${who} · ${plural}`;
  const at = new Date(start);
  const today = new Date(now);
  const time = clockTime(at);
  const sameDay =
    at.getFullYear() === today.getFullYear() && at.getMonth() === today.getMonth() && at.getDate() === today.getDate();
  const when = sameDay ? time : `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
  return `${when} · ${who} · ${plural}`;
}

/** `⚠ 2 secrets` (flagged: the log holds them) or `2 secrets masked`; undefined when none were found. */
export function secretsBadge(summary: Pick<ExchangeSummary, 'secrets'>): string | undefined {
  const count = summary.secrets?.found.length ?? 0;
  if (!count) return undefined;
  const noun = count === 1 ? l10n.t('1 secret') : l10n.t('{0} secrets', count);
  return summary.secrets?.masked ? l10n.t('{0} masked', noun) : `⚠ ${noun}`;
}
