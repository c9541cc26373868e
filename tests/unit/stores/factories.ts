// Valid channel events and channel statuses for store tests: a fixed base time, and just the fields
// a test cares about overridden.
import { eventFactories } from '../../support/eventFactories'

export const { T0, iso, dashboardEvent, alertEvent, trainingEvent, backtestEvent, channelStatus } =
  eventFactories({ t0: Date.parse('2026-01-04T10:00:00.000Z'), transport: 'per-channel' })
