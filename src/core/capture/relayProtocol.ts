// The messages between the relay's thread (relayWorker.ts, running an InterludeProxy) and the thread that owns
// it (relayHost.ts: the extension host's, or the CLI's main thread). Plain data only: every message is cloned.

import type { ExchangeStarted, ListenerStatus, ProxyOptions, RecordWritten } from './proxy';

/** Host → relay thread. */
export type RelayCommand =
  | { type: 'start'; options: ProxyOptions }
  | { type: 'stop' };

/**
 * How long the relay thread gathers the events that only update what the host shows (exchange started, record
 * written, exchanges in flight) before sending them in one message: each message wakes the host's thread.
 */
export const HOST_EVENT_WINDOW_MS = 20;

/** Relay thread → host; sent in batches (see HOST_EVENT_WINDOW_MS; the rest at the end of the relay thread's turn). */
export type RelayEvent =
  | { type: 'started'; listeners: ListenerStatus[]; logPath?: string }
  /** start() threw: nothing is listening. */
  | { type: 'startFailed'; message: string }
  | { type: 'request'; exchange: ExchangeStarted }
  | { type: 'record'; record: RecordWritten }
  | { type: 'problem'; message: string }
  /** How many exchanges are relaying now (sent when it changes). */
  | { type: 'exchanges'; active: number }
  /** stop() finished: listeners closed, in-flight exchanges ended, the log flushed and closed. */
  | { type: 'stopped' };
