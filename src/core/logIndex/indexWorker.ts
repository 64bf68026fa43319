// Worker-thread entry for the initial load of big logs: digests one byte range of one file (aligned to
// line starts) and posts back the digests in file order, the line counts, and the deduplicated texts
// first seen in this range. Built as its own bundle (dist/indexWorker.js); logIndex.ts finds it next to
// itself at run time and falls back to digesting in its own thread when it cannot start a worker.

import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { readLinesSync, type ReadSummary } from './logReader';
import { RecordDigester, type NewText, type RecordDigest } from './recordDigest';
import { errorText } from '../errorText';

export interface IndexTask {
  path: string;
  from: number;
  to: number;
  chunkBytes?: number;
  /** Digests per batch posted while reading (default BATCH_DIGESTS). */
  batchDigests?: number;
}

export interface IndexTaskResult {
  digests: RecordDigest[];
  /** Lines that are not JSON objects. */
  invalid: number;
  /** JSON objects that are neither requests nor responses (counted as records, not indexed). */
  other: number;
  read: ReadSummary;
  texts: NewText[];
}

/** Marks the workerData of an index task, so this module does nothing when merely imported. */
export const INDEX_TASK_MARK = 'agentInterludeIndexTask';

/**
 * Digests posted while the range is still being read, so that their (structured-clone) copy is made
 * while both threads are still digesting, instead of all at once at the end.
 */
export const BATCH_DIGESTS = 256;

/** An early part of a task's digests, in file order (the final result holds the rest). */
export interface IndexTaskBatch {
  batch: RecordDigest[];
}

export function runIndexTask(task: IndexTask, digester = new RecordDigester(), onBatch?: (digests: RecordDigest[]) => void): IndexTaskResult {
  let digests: RecordDigest[] = [];
  let invalid = 0;
  let other = 0;
  const fd = openSync(task.path, 'r');
  let read: ReadSummary;
  try {
    read = readLinesSync(fd, { from: task.from, to: task.to, chunkBytes: task.chunkBytes }, (buf, start, end, offset) => {
      const result = digester.digest(buf, start, end, offset);
      if (result === 'invalid') invalid++;
      else if (result === 'other') other++;
      else if (digests.push(result) >= (task.batchDigests ?? BATCH_DIGESTS) && onBatch) {
        onBatch(digests);
        digests = [];
      }
    });
  } finally {
    closeSync(fd);
  }
  return { digests, invalid, other, read, texts: digester.takeTexts() };
}

const data = workerData as Record<string, unknown> | null | undefined;
if (parentPort && data && typeof data === 'object' && INDEX_TASK_MARK in data) {
  const port = parentPort;
  try {
    const result = runIndexTask(data[INDEX_TASK_MARK] as IndexTask, undefined, (batch) => port.postMessage({ batch } satisfies IndexTaskBatch));
    port.postMessage({ ok: true, result });
  } catch (error) {
    port.postMessage({ ok: false, error: errorText(error) });
  }
}
