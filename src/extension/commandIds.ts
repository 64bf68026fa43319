// Every command id in one place; the `internal` ones are hidden from the palette (package.json menus).
export const enum CommandId {
  Start = 'agentInterlude.start',
  Stop = 'agentInterlude.stop',
  InternalStatus = 'agentInterlude.internal.status',
  OpenRequest = 'agentInterlude.openRequest',
  InternalRequestPanel = 'agentInterlude.internal.requestPanel',
}

export const RUNNING_CONTEXT_KEY = 'agentInterlude.running';
