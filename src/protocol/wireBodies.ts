// The contract's control events and JSON bodies as a backend sends them (docs/protocol.md); the
// client reads them leniently (contract.ts), these say what a backend should send. They feed the
// generated JSON Schemas and docs/asyncapi.yaml (scripts/contract.ts).
import * as v from 'valibot'
import { CHANNELS } from './contract.ts'
import { MAX_ID_CHARS } from './limits.ts'

const timestamp = v.pipe(
  v.string(),
  v.isoTimestamp('timestamp must be ISO 8601'),
  v.description('ISO 8601 with offset, e.g. Python isoformat(): 2026-01-04T10:42:51.123456+00:00'),
)
const channel = v.picklist(CHANNELS)

/** An event id: opaque text, increasing in the backend's own order; never used for arithmetic. */
export const EventIdSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_ID_CHARS),
  v.description(
    'Opaque event id, increasing in the backend order, one id space for every endpoint that ' +
      `carries the event; at most ${MAX_ID_CHARS} characters.`,
  ),
)

export const ConnectedSchema = v.pipe(
  v.object({
    client_id: v.string(),
    channels: v.array(channel),
    timestamp,
  }),
  v.description('First event of a stream (no id): the stream is open.'),
)

export const PingSchema = v.pipe(
  v.object({ timestamp }),
  v.description('Keepalive sent as an event (no id); comment lines (": ping") are keepalives too.'),
)

export const ResetEventSchema = v.pipe(
  v.object({
    reason: v.string(),
    timestamp,
    channel: v.pipe(
      v.optional(channel),
      v.description('On the multiplexed stream: the channel concerned (absent: every channel).'),
    ),
  }),
  v.description(
    'Sent (no id) before new events when the backend cannot resume after the Last-Event-ID it ' +
      'was given: events may be missing.',
  ),
)

const count = v.pipe(v.number(), v.integer(), v.minValue(0))

export const StatusBodySchema = v.pipe(
  v.object({
    status: v.literal('ok'),
    channels: v.optional(v.array(channel)),
    connections: v.pipe(
      v.optional(v.union([count, v.record(v.string(), count)])),
      v.description('Open streams, per channel or in total.'),
    ),
    multiplex: v.pipe(
      v.optional(v.boolean()),
      v.description('true: GET /api/v1/sse/stream?channels=… is offered.'),
    ),
    history: v.pipe(
      v.optional(count),
      v.description(
        'Events kept per channel; above 0: GET /api/v1/sse/{channel}/history is offered and ' +
          'the backend resumes exactly after a Last-Event-ID (or sends reset).',
      ),
    ),
    heartbeat_seconds: v.pipe(
      v.optional(v.pipe(v.number(), v.gtValue(0))),
      v.description('Seconds between keepalives (the client assumes 15 when absent).'),
    ),
    server_time: v.pipe(v.optional(timestamp), v.description("The backend's clock.")),
    data: v.pipe(
      v.optional(v.picklist(['live', 'demo'])),
      v.description('demo: the server runs its simulator; events are invented'),
    ),
  }),
  v.description(
    'GET /api/v1/sse/status. Every field but status may be missing (not supported); extra ' +
      'fields are allowed.',
  ),
)

export const HistoryEnvelopeSchema = v.object({
  id: EventIdSchema,
  event: v.string(),
  data: v.pipe(
    v.looseObject({}),
    v.description('The parsed payload: the same object the stream carries in its data line.'),
  ),
})

export const HistoryPageSchema = v.pipe(
  v.object({
    events: v.pipe(
      v.array(HistoryEnvelopeSchema),
      v.description(
        'With after: the oldest events after it, oldest first, at most limit. Without: the ' +
          'newest limit events, oldest first.',
      ),
    ),
    latest_id: v.pipe(
      v.nullable(v.string()),
      v.description('Id of the newest event of the channel (null: none yet).'),
    ),
    truncated: v.pipe(
      v.boolean(),
      v.description(
        'true: events after `after` are no longer kept (or after is unknown); the page starts ' +
          'at the oldest event kept. Never means "cut by limit".',
      ),
    ),
  }),
  v.description('GET /api/v1/sse/{channel}/history?after=ID&limit=N'),
)
