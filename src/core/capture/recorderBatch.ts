// The recorder's wire format between threads: a turn's commands as one JSON string
// (V8 clones one string far faster than many objects), request bodies beside it as
// transferred buffers.

import type { RecorderCommand } from './captureRecorder';

/** What crosses to the worker per event-loop turn. */
export interface WorkerBatch {
  /** JSON of RecorderCommand[]; a request command's `body` is an index into `bodies`. */
  commands: string;
  bodies: Uint8Array[];
}

export function encodeWorkerBatch(commands: RecorderCommand[]): WorkerBatch {
  const bodies: Uint8Array[] = [];
  // No replacer function: it would take JSON.stringify off its fast path.
  const indexed = commands.map((command) =>
    command.type === 'request' ? { ...command, body: bodies.push(command.body) - 1 } : command,
  );
  return { commands: JSON.stringify(indexed), bodies };
}

export function decodeWorkerBatch(batch: WorkerBatch): RecorderCommand[] {
  const commands = JSON.parse(batch.commands) as Array<RecorderCommand | (Omit<RecorderCommand, 'body'> & { body: number })>;
  for (const command of commands) {
    if (command.type === 'request') (command as { body: unknown }).body = batch.bodies[command.body as unknown as number];
  }
  return commands as RecorderCommand[];
}
