// What the conversation part of the requests looks like: how many items per request,
// which roles (or item types) and which content-block types, summed over requests.

import type { ExchangeSummary } from '../indexModel';
import { addCounts, spread, type Spread } from './stats';

export interface MessageShapes {
  /** Requests that carried a messages / input list. */
  requests: number;
  perRequest: Spread;
  /** role (or item type when there is no role) → items, as the original counts them. */
  roles: Record<string, number>;
  /** content-block type → blocks ('text' for a plain string content). */
  blockTypes: Record<string, number>;
}

export function messageShapes(exchanges: readonly ExchangeSummary[]): MessageShapes | null {
  const counts: number[] = [];
  const roles: Record<string, number> = {};
  const blockTypes: Record<string, number> = {};
  for (const exchange of exchanges) {
    const messages = exchange.messages;
    if (!messages) continue;
    counts.push(messages.count);
    addCounts(roles, messages.roles);
    addCounts(blockTypes, messages.blockTypes);
  }
  if (counts.length === 0) return null;
  return { requests: counts.length, perRequest: spread(counts), roles, blockTypes };
}
