// How severities and categories are shown: an icon and a word for each, so colour is never alone.
import type { AlertCategory, Severity } from '@/protocol/contract'

export const SEVERITY_ICON: Record<Severity, string> = {
  info: 'ℹ',
  warning: '⚠',
  critical: '✖',
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  info: 'Info',
  warning: 'Warning',
  critical: 'Critical',
}

export const CATEGORY_LABEL: Record<AlertCategory, string> = {
  drawdown: 'Drawdown',
  exposure: 'Exposure',
  volatility: 'Volatility',
  concentration: 'Concentration',
  liquidity: 'Liquidity',
  system: 'System',
}

/** Snooze presets as the buttons say them. */
export const SNOOZE_LABEL: Record<15 | 60 | 240, string> = {
  15: '15 min',
  60: '1 h',
  240: '4 h',
}
