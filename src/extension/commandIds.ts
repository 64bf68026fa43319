// Every command id in one place; the `internal` ones are hidden from the palette (package.json menus).
export const enum CommandId {
  Start = 'agentInterlude.start',
  Stop = 'agentInterlude.stop',
  InternalStatus = 'agentInterlude.internal.status',
  // Captures tree (capturesView.ts).
  CopyId = 'agentInterlude.copyId',
  RevealInLog = 'agentInterlude.revealInLog',
  InternalCapturesTree = 'agentInterlude.internal.capturesTree',
}

export const RUNNING_CONTEXT_KEY = 'agentInterlude.running';
