// The wire contract (docs/protocol.md): channels, event names, payload schemas, validation.
import * as v from 'valibot'

export const CHANNELS = ['dashboard', 'alerts', 'training', 'backtest'] as const
export type Channel = (typeof CHANNELS)[number]

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value)
}

/** The main event type each channel carries. */
export const CHANNEL_EVENT = {
  dashboard: 'dashboard_update',
  alerts: 'risk_alert',
  training: 'training_progress',
  backtest: 'backtest_progress',
} as const satisfies Record<Channel, string>

export type ChannelEventType = (typeof CHANNEL_EVENT)[Channel]
export const CONTROL_EVENTS = ['connected', 'ping', 'reset'] as const
export type ControlEventType = (typeof CONTROL_EVENTS)[number]

const num = v.pipe(v.number(), v.finite())

/**
 * A field marked `?` in the contract: absent, or null as Python backends send `None` for "no
 * value"; either way the typed payload has it undefined.
 */
function optional<T extends v.GenericSchema>(schema: T) {
  return v.optional(
    v.pipe(
      v.nullable(schema),
      v.transform((value) => value ?? undefined),
    ),
  )
}
const fraction = num
const text = v.string()
const timestamp = v.pipe(v.string(), v.isoTimestamp('timestamp must be ISO 8601'))
const runStatus = v.picklist(['queued', 'running', 'completed', 'failed', 'cancelled'])

export const IndexQuoteSchema = v.object({
  symbol: text,
  name: text,
  last: num,
  change: num,
  change_pct: fraction,
})

export const DashboardUpdateSchema = v.object({
  timestamp,
  indices: v.array(IndexQuoteSchema),
  breadth: v.object({ advancing: num, declining: num, unchanged: num }),
  turnover: num,
  portfolio: v.object({
    equity: num,
    pnl_day: num,
    pnl_day_pct: fraction,
    exposure_pct: fraction,
  }),
})

export const SEVERITIES = ['info', 'warning', 'critical'] as const
export const ALERT_CATEGORIES = [
  'drawdown',
  'exposure',
  'volatility',
  'concentration',
  'liquidity',
  'system',
] as const

export const RiskAlertSchema = v.object({
  alert_id: text,
  timestamp,
  severity: v.picklist(SEVERITIES),
  category: v.picklist(ALERT_CATEGORIES),
  symbol: optional(text),
  message: text,
  value: optional(num),
  threshold: optional(num),
})

export const TrainingProgressSchema = v.object({
  run_id: text,
  model: text,
  timestamp,
  status: runStatus,
  epoch: num,
  total_epochs: num,
  step: optional(num),
  total_steps: optional(num),
  metrics: v.object({
    loss: num,
    val_loss: optional(num),
    accuracy: optional(num),
    val_accuracy: optional(num),
  }),
  learning_rate: optional(num),
  eta_seconds: optional(num),
  error: optional(text),
})

export const BacktestProgressSchema = v.object({
  backtest_id: text,
  strategy: text,
  timestamp,
  status: runStatus,
  progress: fraction,
  current_date: text,
  equity: num,
  benchmark_equity: optional(num),
  drawdown: fraction,
  trades: num,
  metrics: optional(
    v.object({
      total_return: num,
      annual_return: num,
      sharpe: num,
      max_drawdown: num,
      win_rate: num,
    }),
  ),
  error: optional(text),
})

/**
 * `GET /api/v1/sse/status`, read leniently: a missing or malformed field means "not supported",
 * never an error (older backends answer `{"status": "ok"}` plus counters of their own).
 */
export const StatusSchema = v.object({
  multiplex: v.fallback(v.optional(v.boolean(), false), false),
  history: v.fallback(v.optional(v.pipe(v.number(), v.finite(), v.minValue(0)), 0), 0),
  heartbeat_seconds: v.fallback(
    v.optional(v.nullable(v.pipe(v.number(), v.finite(), v.gtValue(0))), null),
    null,
  ),
  // Any text: the reader parses it (`parseTimestamp`) and treats what it cannot read as absent.
  server_time: v.fallback(v.optional(v.nullable(v.string()), null), null),
  // "demo": the backend's simulator invents every event (the page labels it); absent: not said.
  data: v.fallback(v.optional(v.nullable(v.picklist(['live', 'demo'])), null), null),
})
export type BackendStatusBody = v.InferOutput<typeof StatusSchema>

export const ResetSchema = v.object({
  reason: v.optional(text),
  timestamp: v.optional(text),
  channel: v.optional(text),
})

export type IndexQuote = v.InferOutput<typeof IndexQuoteSchema>
export type DashboardUpdate = v.InferOutput<typeof DashboardUpdateSchema>
export type Severity = (typeof SEVERITIES)[number]
export type AlertCategory = (typeof ALERT_CATEGORIES)[number]
export type RiskAlert = v.InferOutput<typeof RiskAlertSchema>
export type RunStatus = v.InferOutput<typeof runStatus>
export type TrainingProgress = v.InferOutput<typeof TrainingProgressSchema>
export type BacktestProgress = v.InferOutput<typeof BacktestProgressSchema>

/** A validated channel event, discriminated on `event`. */
export type ChannelEvent =
  | { channel: 'dashboard'; event: 'dashboard_update'; id: string | null; data: DashboardUpdate }
  | { channel: 'alerts'; event: 'risk_alert'; id: string | null; data: RiskAlert }
  | { channel: 'training'; event: 'training_progress'; id: string | null; data: TrainingProgress }
  | { channel: 'backtest'; event: 'backtest_progress'; id: string | null; data: BacktestProgress }

export type EventOf<C extends Channel> = Extract<ChannelEvent, { channel: C }>

const SCHEMAS = {
  dashboard_update: DashboardUpdateSchema,
  risk_alert: RiskAlertSchema,
  training_progress: TrainingProgressSchema,
  backtest_progress: BacktestProgressSchema,
} as const

const EVENT_CHANNEL: Record<ChannelEventType, Channel> = {
  dashboard_update: 'dashboard',
  risk_alert: 'alerts',
  training_progress: 'training',
  backtest_progress: 'backtest',
}

export function isChannelEventType(type: string): type is ChannelEventType {
  return Object.hasOwn(SCHEMAS, type)
}

export function channelOfEventType(type: ChannelEventType): Channel {
  return EVENT_CHANNEL[type]
}

/** Describes the first problems valibot found, with their paths, in one line. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue)
      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
}

/** `syntax` is set when the text is not JSON at all (rather than JSON of the wrong shape). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; syntax?: true }

/** Parses raw `data` text as one JSON object; anything else is a reason, never an exception. */
export function parseJsonObject(raw: string): ParseResult<Record<string, unknown>> {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    return { ok: false, reason: `data is not JSON (${(error as Error).message})`, syntax: true }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'data is not a JSON object' }
  }
  return { ok: true, value: parsed as Record<string, unknown> }
}

/** Validates the payload of a channel event type; the result is typed for that event. */
export function validatePayload(
  type: ChannelEventType,
  payload: unknown,
): ParseResult<ChannelEvent['data']> {
  const result = v.safeParse(SCHEMAS[type], payload)
  if (result.success) return { ok: true, value: result.output }
  return { ok: false, reason: describeIssues(result.issues) }
}
