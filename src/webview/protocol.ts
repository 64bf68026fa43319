// Messages between the extension host and the request panel's page. Types only: the page bundle imports this
// file and nothing else from the project, so it must never import `vscode` or runtime code.
import type { ExchangeSummary } from '../core/indexModel';
import type { CaptureRecord } from '../core/records';
import type { SecretLocation } from '../core/secrets/secretLocations';

/** One exchange as the page renders it: the index summary and the two full records as logged. */
export interface ExchangeView {
  summary: ExchangeSummary;
  request?: CaptureRecord;
  response?: CaptureRecord;
  /** Secrets in the two records, located (present only when the recorder found some). */
  secrets?: SecretLocation[];
}

export type ToWebview =
  | { type: 'show'; exchange: ExchangeView }
  | { type: 'missing'; id: string; reason: string };

export type FromWebview =
  | { type: 'ready' }
  /** Open the JSONL log at the line of the shown exchange's request or response record. */
  | { type: 'openLog'; id: string; record: 'request' | 'response' };

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
    default:
      return undefined;
  }
}

export function parsePanelState(value: unknown): RequestPanelState | undefined {
  return isObject(value) && typeof value.id === 'string' ? { id: value.id } : undefined;
}
