// Where in a record each secret sits, for the request panel's Secrets section: the JSON path of the string
// that holds it, its kind, and the placeholder that stands for it. Walks one record's strings (the panel shows
// one exchange), finding placeholders in a masked record and running the detector in a flagged one.

import { findSecrets, PLACEHOLDER_PATTERN, secretPlaceholder } from './secretScanner';

export interface SecretLocation {
  kind: string;
  /** `request.messages[3].content[0].text`: the string holding it. */
  where: string;
  /** `‹redacted:KIND:HASH›`, the same text the masked log and exports hold. */
  masked: string;
  /** The record holds the placeholder (masked log) rather than the value. */
  inLogMasked: boolean;
}

const FIELDS = ['request', 'extract', 'reconstructed', 'body', 'headers_kept', 'error', 'note'];
const LIMIT = 200;

export function secretLocations(record: unknown, recordName: 'request' | 'response'): SecretLocation[] {
  const found: SecretLocation[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, path: string): void => {
    if (found.length >= LIMIT) return;
    if (typeof value === 'string') {
      for (const match of value.matchAll(PLACEHOLDER_PATTERN)) add(match[1], match[0], path, true);
      if (value.length >= 8) {
        for (const finding of findSecrets(JSON.stringify(value))) add(finding.kind, secretPlaceholder(finding.kind, finding.hash), path, false);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, at) => visit(item, `${path}[${at}]`));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);
    }
  };
  const add = (kind: string, masked: string, where: string, inLogMasked: boolean) => {
    const key = `${where}|${masked}`;
    if (seen.has(key)) return;
    seen.add(key);
    found.push({ kind, where, masked, inLogMasked });
  };
  if (record && typeof record === 'object') {
    for (const field of FIELDS) {
      const value = (record as Record<string, unknown>)[field];
      if (value !== undefined) visit(value, field === 'request' && recordName === 'request' ? 'request' : `${recordName}.${field}`);
    }
  }
  return found;
}
