// Which secrets the recorder found across a set of exchanges: each distinct value once (by kind and
// the hash in its placeholder), with the exchanges that carry it. Values are never here, only hashes.

import type { ExchangeSummary } from '../logIndex/indexModel';

export interface SecretSighting {
  kind: string;
  /** The first 8 hex of the value's sha256, as in `‹redacted:KIND:HASH›`. */
  hash: string;
  /** Exchanges whose request or response carries it (a conversation resends it every turn). */
  exchanges: number;
  firstExchange: string;
  firstTime?: number;
  agents: string[];
}

export interface SecretReport {
  /** Exchanges with at least one secret. */
  exchanges: number;
  /** Of those, the ones whose log copy holds placeholders instead of the values. */
  masked: number;
  distinct: SecretSighting[];
}

export function secretReport(exchanges: readonly ExchangeSummary[]): SecretReport {
  const byValue = new Map<string, SecretSighting>();
  let withSecrets = 0;
  let masked = 0;
  for (const exchange of exchanges) {
    if (!exchange.secrets?.found.length) continue;
    withSecrets += 1;
    if (exchange.secrets.masked) masked += 1;
    const time = exchange.requestTime ?? exchange.responseTime;
    for (const secret of exchange.secrets.found) {
      const key = `${secret.kind}:${secret.hash}`;
      const seen = byValue.get(key);
      if (seen) {
        seen.exchanges += 1;
        if (!seen.agents.includes(exchange.agent)) seen.agents.push(exchange.agent);
        if (time !== undefined && (seen.firstTime === undefined || time < seen.firstTime)) {
          seen.firstTime = time;
          seen.firstExchange = exchange.id;
        }
      } else {
        byValue.set(key, { kind: secret.kind, hash: secret.hash, exchanges: 1, firstExchange: exchange.id, firstTime: time, agents: [exchange.agent] });
      }
    }
  }
  const distinct = [...byValue.values()].sort((a, b) => (a.firstTime ?? 0) - (b.firstTime ?? 0) || a.kind.localeCompare(b.kind));
  return { exchanges: withSecrets, masked, distinct };
}
