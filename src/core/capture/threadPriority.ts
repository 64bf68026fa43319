// The recorder's thread gives way to the relay's when both want the same core. On two cores, a busy thread
// elsewhere (the extension host's, blocked by some extension; a build) takes one core, and the relay, the
// recorder, the agent and its model's stream share the other: at the same priority the scheduler runs the
// recorder's few milliseconds of work on a big request body (scan, digests, the log write) between the relay's
// turns, and the agent's first event waits for them (a request sent while another process spun on one core:
// its first event +7 to +25 ms in 8 of 12 tries at equal priority, 2 of 12 with the recorder lowered by 10).
// The recorder never has to be quick, only to keep up: a lower priority costs it nothing while a core is free,
// and under full load it still gets its share (a tenth of a contended core at nice +10), with the capture
// budget (captureBudget.ts) absorbing bursts.

import { getPriority, setPriority } from 'node:os';

/** How far below its starting priority the recorder's thread runs (nice steps; 19 is the lowest). */
export const RECORDER_NICE_STEPS = 10;
const LOWEST_PRIORITY = 19;

/**
 * Lowers the calling thread's scheduling priority by `steps`, on Linux only, where each thread has a nice value
 * of its own and setpriority() on id 0 means the calling thread. Elsewhere id 0 is the whole process (the
 * editor's, in the extension), so nothing is done. Lowering needs no privilege; where a sandbox refuses it
 * anyway, the thread just keeps its priority.
 */
export function lowerThisThreadPriority(steps: number): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, Math.min(LOWEST_PRIORITY, getPriority(0) + steps));
  } catch {
    // Refused: the recorder keeps up at the relay's priority too, as it did before.
  }
}
