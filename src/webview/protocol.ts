// Messages between the extension host and the request panel's page. Types only: the page bundle imports this
// file and nothing else from the project, so it must never import `vscode` or runtime code.
import type { Extracted } from '../core/records';
import type { CostBreakdown, ExchangeExplanation } from '../core/analysis/explain';
import type { ExchangeSummary } from '../core/logIndex/indexModel';
import type { CaptureRecord } from '../core/records';
import type { SecretLocation } from '../core/secrets/secretLocations';

/** One exchange as the page renders it: the index summary and the two full records as logged. */
export interface ExchangeView {
  summary: ExchangeSummary;
  request?: CaptureRecord;
  response?: CaptureRecord;
  /**
   * The request's system / tools / messages as our extraction reads them: differs from `request.extract` for records
   * the original tool wrote (its extract misses Codex's developer prompt and `additional_tools`).
   */
  extract?: Extracted;
  /** Secrets in the two records, located (present only when the recorder found some). */
  secrets?: SecretLocation[];
  /** Why its cache hit or missed, what fills its context, what it cost (absent for probes, or when the explainer failed). */
  explanation?: ExchangeExplanation;
  /** Without an explanation: the cost from the response's own usage. */
  cost?: CostBreakdown;
  /** Why there is no explanation, when the explainer failed. */
  explainError?: string;
  /** The pricing table's date (figures are list prices as of then). */
  pricingDate?: string;
}

/** What the page drew in its Cache, Context and Cost sections, as text (tests read it; screen readers get the same). */
export interface ExplainRendered {
  id: string;
  /** The explainer's figures were shown (else only the usage's, while newer captures are being explained). */
  explained: boolean;
  /** Each shown figure row as `Label: value`. */
  cache: string[];
  composition: string[];
  cost: string;
  /** The segment link's label, when one is shown. */
  segmentLink?: string;
}

export type ToWebview =
  | { type: 'show'; exchange: ExchangeView }
  | { type: 'missing'; id: string; reason: string }
  /** Tests: act as the user would (click the changed segment's link). */
  | { type: 'test'; clickSegment?: boolean };

export type FromWebview =
  | { type: 'ready' }
  /** Open the JSONL log at the line of the shown exchange's request or response record. */
  | { type: 'openLog'; id: string; record: 'request' | 'response' }
  /** Open the diff that shows the segment that broke the cache of exchange `id`. */
  | { type: 'openSegment'; id: string }
  | ({ type: 'rendered' } & ExplainRendered);

/** What the page keeps with vscode.setState, so a restored panel reopens the same exchange. */
export interface RequestPanelState {
  id: string;
}

export const REQUEST_VIEW_TYPE = 'agentInterlude.request';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The host's check of what a page sends: anything else is ignored. */
export function parseFromWebview(value: unknown): FromWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openLog':
      if (typeof value.id === 'string' && (value.record === 'request' || value.record === 'response')) {
        return { type: 'openLog', id: value.id, record: value.record };
      }
      return undefined;
    case 'openSegment':
      return typeof value.id === 'string' ? { type: 'openSegment', id: value.id } : undefined;
    case 'rendered': {
      if (typeof value.id !== 'string' || typeof value.cost !== 'string') return undefined;
      const lines = (list: unknown): string[] => (Array.isArray(list) ? list.filter((line): line is string => typeof line === 'string').slice(0, 200) : []);
      const rendered: ExplainRendered = { id: value.id, explained: value.explained === true, cache: lines(value.cache), composition: lines(value.composition), cost: value.cost };
      if (typeof value.segmentLink === 'string') rendered.segmentLink = value.segmentLink;
      return { type: 'rendered', ...rendered };
    }
    default:
      return undefined;
  }
}

/** The page's check of what the host sends. */
export function parseToWebview(value: unknown): ToWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'show':
      if (isObject(value.exchange) && isObject(value.exchange.summary) && typeof value.exchange.summary.id === 'string') {
        return { type: 'show', exchange: value.exchange as unknown as ExchangeView };
      }
      return undefined;
    case 'missing':
      if (typeof value.id === 'string' && typeof value.reason === 'string') {
        return { type: 'missing', id: value.id, reason: value.reason };
      }
      return undefined;
    case 'test':
      return { type: 'test', clickSegment: value.clickSegment === true };
    default:
      return undefined;
  }
}

export function parsePanelState(value: unknown): RequestPanelState | undefined {
  return isObject(value) && typeof value.id === 'string' ? { id: value.id } : undefined;
}
