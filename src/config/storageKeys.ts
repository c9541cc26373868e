// Every key the app keeps in the browser's localStorage and sessionStorage, under one prefix.

export const STORAGE_PREFIX = 'rtm:'

/** localStorage: the user's choices, kept across sessions and shared by the tabs of a browser. */
export const STORAGE_KEYS = {
  theme: `${STORAGE_PREFIX}theme`,
  alertSettings: `${STORAGE_PREFIX}alerts:settings`,
  alertWorkflow: `${STORAGE_PREFIX}alerts:workflow`,
  trainingSmoothing: `${STORAGE_PREFIX}training:smoothing`,
  dashboardChart: `${STORAGE_PREFIX}dashboard:chart`,
  /** sessionStorage: this tab's id for the backend's connection tracking. */
  clientId: `${STORAGE_PREFIX}client-id`,
} as const

/**
 * sessionStorage: the realtime cursors this tab keeps for `apiBaseUrl`, one key per channel
 * (`<prefix>channel:<name>`); versioned, as their meaning is the engine's.
 */
export function cursorKeyPrefix(apiBaseUrl: string): string {
  return `${STORAGE_PREFIX}v1:${apiBaseUrl || 'same-origin'}:`
}
