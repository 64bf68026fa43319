// Every command id in one place; the `internal` ones are hidden from the palette (package.json menus).
export const enum CommandId {
  Start = 'agentInterlude.start',
  Stop = 'agentInterlude.stop',
  InternalStatus = 'agentInterlude.internal.status',
  OpenRequest = 'agentInterlude.openRequest',
  InternalRequestPanel = 'agentInterlude.internal.requestPanel',
  CopyAgentSetup = 'agentInterlude.copyAgentSetup',
  RunCodex = 'agentInterlude.runCodex',
  OpenCaptureFolder = 'agentInterlude.openCaptureFolder',
  Analyze = 'agentInterlude.analyze',
  InternalStatusMenu = 'agentInterlude.internal.statusMenu',
  /** Ends the relay thread as a crash would (tests). Registered only, never contributed: no palette entry. */
  InternalKillRelay = 'agentInterlude.internal.killRelay',
  // Captures tree (capturesView.ts).
  CopyId = 'agentInterlude.copyId',
  RevealInLog = 'agentInterlude.revealInLog',
  InternalCapturesTree = 'agentInterlude.internal.capturesTree',
  // Native diffs (diffCommands.ts).
  ShowSkeletonDiff = 'agentInterlude.showSkeletonDiff',
  DiffWithPrevious = 'agentInterlude.diffWithPrevious',
  CompareRequests = 'agentInterlude.compareRequests',
  InternalSlotDecorations = 'agentInterlude.internal.slotDecorations',
  // Timeline panel (timelinePanel.ts).
  OpenTimeline = 'agentInterlude.openTimeline',
  InternalTimeline = 'agentInterlude.internal.timeline',
  // Insights panel (insightsPanel.ts).
  OpenInsights = 'agentInterlude.openInsights',
  InternalInsights = 'agentInterlude.internal.insights',
  // Exports (exportCommand.ts).
  Export = 'agentInterlude.export',
}

export const RUNNING_CONTEXT_KEY = 'agentInterlude.running';
