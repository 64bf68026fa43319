// The one hook between a finished record line and the log: scan the line's bytes (the pieces it is written
// from, views of the request body, never decoded whole), mask what was found when asked to, and note what was
// found in the record itself (a `secrets` field appended to the object), so the index, the editor and `analyze`
// can show it without scanning again. A line with nothing found comes back as the very array it came in.
//
// It runs in the recorder (normally its worker thread), never on the relay: the agent's bytes have
// already gone upstream, exactly as sent, whatever this writes.

import { PieceLine } from './byteAnchors';
import { secretPlaceholder, SecretScanner, type KnownValue, type SecretFinding } from './secretScanner';

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

  /** `line`: one JSON object's text, no newline. Returns the text to write (`line` itself when nothing was found). */
  apply(line: string): string {
    const pieces = [Buffer.from(line)];
    const out = this.applyPieces(pieces);
    return out === pieces ? line : Buffer.concat(out).toString('utf8');
  }

  /**
   * `pieces`: one JSON object's UTF-8 bytes, no newline. Returns the pieces to write: `pieces` itself when nothing
   * was found, else views of them around the placeholders (mask) and the appended `secrets` field. `known`: the
   * objects in it whose digests the caller has (SecretScanner.scanPieces).
   */
  applyPieces(pieces: Uint8Array[], known?: readonly KnownValue[]): Uint8Array[] {
    const line = new PieceLine(pieces);
    if (line.byteAt(line.length - 1) !== 0x7d) return pieces;
    const findings = this.scanner.scanPieces(line, known);
    if (!findings.length) return pieces;
    const secrets: RecordSecrets = { masked: this.mode === 'mask', found: summarizeFindings(findings) };
    const out: Uint8Array[] = [];
    let at = 0;
    if (this.mode === 'mask') {
      for (const finding of findings) {
        if (finding.start < at) continue;
        out.push(...line.views(at, finding.start), Buffer.from(secretPlaceholder(finding.kind, finding.hash)));
        at = finding.end;
      }
    }
    // The line without its closing brace, then the field and the brace. The placeholders hold no `"` or `\`: the
    // text is still the same JSON object, one field longer.
    out.push(...line.views(at, line.length - 1));
    out.push(Buffer.from(`${line.length > 2 ? ',' : ''}"secrets":${JSON.stringify(secrets)}}`));
    return out;
  }

  get stats(): SecretScanner['stats'] {
    return this.scanner.stats;
  }
}
