// Valid channel events and channel statuses for component tests: a base time close to now, and
// events with what a panel shows (two indices, a run's steps and ETA), fields overridable per test.
import type { ConnectionState } from '@/realtime/connectionState'
import { eventFactories, SSE_COMPOSITE } from '../support/eventFactories'

export const { T0, iso, dashboardEvent, alertEvent, trainingEvent, backtestEvent, channelStatus } =
  eventFactories({
    // Close to now, so "as of" and ages stay small and stable.
    t0: Date.now() - 60_000,
    transport: 'multiplexed',
    dashboard: {
      indices: [
        SSE_COMPOSITE,
        {
          symbol: '399001.SZ',
          name: 'SZSE Component',
          last: 10650.5,
          change: -20.3,
          change_pct: -0.0019,
        },
      ],
    },
    training: {
      epoch: 7,
      step: 120,
      total_steps: 400,
      metrics: { loss: 0.412, val_loss: 0.455, accuracy: 0.71, val_accuracy: 0.69 },
      eta_seconds: 930,
    },
  })

export const OPEN: ConnectionState = { phase: 'open', since: T0 }
