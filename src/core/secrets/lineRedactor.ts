// The one hook between a finished record line and the log: scan the serialized JSON text, mask what was
// found when asked to, and note what was found in the record itself (a `secrets` field appended to the
// object), so the index, the editor and `analyze` can show it without scanning again.
//
// It runs in the recorder (normally its worker thread), never on the relay: the agent's bytes have
// already gone upstream, exactly as sent, whatever this writes.

import { maskSecrets, SecretScanner, type SecretFinding } from './secretScanner';

/** `flag`: the log keeps the value and says where secrets are; `mask`: the log holds a placeholder instead. */
export type RedactMode = 'flag' | 'mask';

export const REDACT_MODES: readonly RedactMode[] = ['flag', 'mask'];

/** One distinct secret of a record (a value repeated in `request` and `extract` counts once, `count` times). */
export interface RecordSecret {
  kind: string;
  hash: string;
  count: number;
}

/** The record field this adds (absent when nothing was found). */
export interface RecordSecrets {
  masked: boolean;
  found: RecordSecret[];
}

export function summarizeFindings(findings: SecretFinding[]): RecordSecret[] {
  const byValue = new Map<string, RecordSecret>();
  for (const finding of findings) {
    const key = `${finding.kind}:${finding.hash}`;
    const seen = byValue.get(key);
    if (seen) seen.count += 1;
    else byValue.set(key, { kind: finding.kind, hash: finding.hash, count: 1 });
  }
  return [...byValue.values()];
}

export class LineRedactor {
  private readonly scanner = new SecretScanner();

  constructor(readonly mode: RedactMode = 'flag') {}

  /** `line`: one JSON object's text, no newline. Returns the text to write. */
  apply(line: string): string {
    if (!line.endsWith('}')) return line;
    const findings = this.scanner.scan(line);
    if (!findings.length) return line;
    const secrets: RecordSecrets = { masked: this.mode === 'mask', found: summarizeFindings(findings) };
    const text = this.mode === 'mask' ? maskSecrets(line, findings) : line;
    // The placeholders hold no `"` or `\`: the text is still the same JSON object, one field longer.
    return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"secrets":${JSON.stringify(secrets)}}`;
  }

  get stats(): SecretScanner['stats'] {
    return this.scanner.stats;
  }
}
