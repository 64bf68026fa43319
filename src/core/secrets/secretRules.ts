// What counts as a secret. The detector (secretScanner.ts) runs over serialized JSON text — a
// record line as it is about to be written — so every pattern here reads JSON-escaped text: a
// newline inside a value is the two characters `\n`, a quote inside a string is `\"`. Patterns are
// anchored on a literal prefix, so one combined alternation fails fast at almost every position
// (linear time over the line, no backtracking over long runs).

/** Known credential formats: a fixed prefix, then the issuer's documented alphabet and length. */
export interface TokenRule {
  kind: string;
  source: string;
  /** The match must carry at least this much Shannon entropy per character (look-alikes are filled with x's). */
  minEntropy?: number;
}

export const TOKEN_RULES: TokenRule[] = [
  // Anthropic: sk-ant-api03-… / sk-ant-admin01-… / sk-ant-oat01-… (95+ url-safe chars ending in AA).
  { kind: 'anthropic-api-key', source: String.raw`sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{80,120}`, minEntropy: 3.5 },
  // OpenAI: project / service-account / admin keys, and the classic ones carrying the T3BlbkFJ marker.
  { kind: 'openai-api-key', source: String.raw`sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`, minEntropy: 3.5 },
  { kind: 'aws-access-key-id', source: String.raw`(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])`, minEntropy: 3 },
  { kind: 'github-token', source: String.raw`(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?![A-Za-z0-9])|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}`, minEntropy: 3.5 },
  { kind: 'google-api-key', source: String.raw`AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`, minEntropy: 3.5 },
  { kind: 'slack-token', source: String.raw`xox[abpors]-(?:[0-9]{8,13}-){1,3}[0-9A-Za-z]{16,40}`, minEntropy: 3 },
  { kind: 'slack-webhook', source: String.raw`https://hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32}` },
  { kind: 'stripe-key', source: String.raw`(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99}(?![0-9A-Za-z])`, minEntropy: 3.5 },
  { kind: 'npm-token', source: String.raw`npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])`, minEntropy: 3.5 },
  // A PEM private key block, body included (escaped newlines and all), bounded so a lone BEGIN line
  // cannot make the scan run to the end of a large line.
  { kind: 'private-key', source: String.raw`-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,-]{64,16384}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----` },
  // A JWT: base64url header and payload that both decode to JSON objects (they start with eyJ = '{"').
  { kind: 'jwt', source: String.raw`eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{16,1000}`, minEntropy: 3.5 },
];

/**
 * A URL carrying a password (`scheme://user:password@host`). Only the password part is the secret.
 * The password may not hold `/ : @ "` or whitespace, which keeps it inside one URL. Anchored on `://`
 * (a pattern starting with the scheme's letters would be tried at every letter of the text).
 */
export const URL_CREDENTIALS_SOURCE = String.raw`://[^\s/:@"'\\<>]{1,64}:([^\s/:@"'\\<>]{3,128})@[A-Za-z0-9.-]{2,}`;

/**
 * Name-driven assignments: a name that says "this is a credential", then `=` or `:`, then a value.
 * Anchored on the keyword; the scanner looks back for the rest of the name and forward for the value.
 */
export const SECRET_NAME_SOURCE = String.raw`api[_-]?key|apikey|secret|token|passw(?:or)?d|passphrase|pwd|credential|private[_-]?key|access[_-]?key|auth[_-]?key`;

/** Words in the name that make it not a credential after all (`max_tokens`, `token_count`…). */
export const NON_SECRET_NAME = /(?:^|[_.-])(?:max|count|counts|limit|type|types|usage|budget|length|len|url|uri|endpoint|file|path|name|id|ids|field|header|env|var|kind|expires?|expiry|ttl|hint|prompt|policy|min|total)(?:$|[_.-])|tokens$|tokenizer|(?:input|output|cached|reasoning|prompt|completion)_?tokens/i;

/** Values that are placeholders, not secrets: templates, masks, documentation words. */
export const PLACEHOLDER_VALUE = /^(?:\$|%|<|\{|\[|\*)|x{4,}|\*{3,}|\.{3}|your|example|sample|placeholder|changeme|redacted|dummy|secret_here|^(?:null|none|true|false|undefined|string|required|optional)$/i;

/** Bits of Shannon entropy per character. */
export function entropyPerChar(text: string): number {
  if (!text) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  const length = text.length;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether an assigned value looks like a credential rather than a word, a number, a code reference
 * (`process.env.API_KEY`, `getToken()`) or a template.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 8 || value.length > 256) return false;
  if (PLACEHOLDER_VALUE.test(value)) return false;
  // Code references and prose: only letters, underscores and dots.
  if (/^[A-Za-z_.]+$/.test(value) && !/[a-z].*[A-Z]|[A-Z].*[a-z]/.test(value.replace(/^[A-Z][a-z]+/, ''))) return false;
  if (/^[A-Za-z_$][\w$]*(?:\.[\w$]+)+(?:\(\))?$/.test(value) || /\(\)$/.test(value)) return false;
  // Pure numbers, dates, versions.
  if (/^[\d.:_-]+$/.test(value)) return false;
  const classes = Number(/[a-z]/.test(value)) + Number(/[A-Z]/.test(value)) + Number(/\d/.test(value)) + Number(/[^A-Za-z\d]/.test(value));
  if (classes < 2) return false;
  return entropyPerChar(value) >= 3;
}
