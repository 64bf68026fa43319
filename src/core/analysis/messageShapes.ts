// What the conversation part of the requests looks like: how many items per request,
// which roles (or item types) and which content-block types, summed over requests.

import type { ExchangeSummary } from '../logIndex/indexModel';
import { addCounts, Histogram, spread, type Spread } from './stats';

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

/** `messageShapes` as a fold over exchanges in list order. */
export class MessageFold {
  private readonly counts = new Histogram();
  private readonly roles: Record<string, number> = {};
  private readonly blockTypes: Record<string, number> = {};

  add(exchange: ExchangeSummary): void {
    const messages = exchange.messages;
    if (!messages) return;
    this.counts.add(messages.count);
    addCounts(this.roles, messages.roles);
    addCounts(this.blockTypes, messages.blockTypes);
  }

  shapes(): MessageShapes | null {
    if (this.counts.size === 0) return null;
    return { requests: this.counts.size, perRequest: this.counts.spread(), roles: { ...this.roles }, blockTypes: { ...this.blockTypes } };
  }
}
