// Status badges of training runs and backtests: a word and an icon per status, and a tone for colour.
import type { RunStatus } from '@/protocol/contract'

export const STATUS_ICON: Record<RunStatus, string> = {
  queued: '…',
  running: '▶',
  completed: '✓',
  failed: '✕',
  cancelled: '■',
}

export const STATUS_TONE: Record<RunStatus, 'accent' | 'ok' | 'bad' | 'muted'> = {
  queued: 'muted',
  running: 'accent',
  completed: 'ok',
  failed: 'bad',
  cancelled: 'muted',
}
