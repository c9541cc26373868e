import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { InvalidEvent } from '@/realtime/eventDecoder'
import { useConnectionStore } from '@/stores/connectionStore'
import { channelStatus } from './factories'

const OPEN = { phase: 'open', since: 1 } as const

function invalid(at: number): InvalidEvent {
  return {
    channel: 'alerts',
    event: 'risk_alert',
    id: String(at),
    reason: 'bad',
    excerpt: '{}',
    at,
  }
}

describe('connection store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
  })

  it('is idle with nothing subscribed, or only idle channels', () => {
    const store = useConnectionStore()
    expect(store.overall).toEqual({ phase: 'idle' })
    expect(store.transport).toBeNull()
    store.setStatus('alerts', channelStatus('alerts', { phase: 'idle' }))
    expect(store.overall).toEqual({ phase: 'idle' })
    expect(store.transport).toBeNull()
  })

  it('is live when every subscribed channel is open, ignoring idle ones', () => {
    const store = useConnectionStore()
    store.setStatus('dashboard', channelStatus('dashboard', OPEN))
    store.setStatus('alerts', channelStatus('alerts', OPEN))
    store.setStatus('training', channelStatus('training', { phase: 'idle' }))
    expect(store.overall).toEqual({ phase: 'live' })
    expect(store.isLive('alerts')).toBe(true)
    expect(store.isLive('training')).toBe(false)
    expect(store.isLive('backtest')).toBe(false)
  })

  it('reports reconnecting with the earliest retry when one channel backs off', () => {
    const store = useConnectionStore()
    store.setStatus('dashboard', channelStatus('dashboard', OPEN))
    store.setStatus(
      'alerts',
      channelStatus('alerts', { phase: 'backoff', attempt: 2, retryAt: 9000, reason: 'HTTP 502' }),
    )
    store.setStatus(
      'training',
      channelStatus('training', { phase: 'backoff', attempt: 1, retryAt: 5000, reason: 'dropped' }),
    )
    store.setStatus('backtest', channelStatus('backtest', { phase: 'stale', silentSince: 1 }))
    expect(store.overall).toEqual({ phase: 'reconnecting', retryAt: 5000, reason: 'dropped' })
  })

  it('lets failed win over everything, then offline', () => {
    const store = useConnectionStore()
    store.setStatus('dashboard', channelStatus('dashboard', { phase: 'offline' }))
    store.setStatus(
      'alerts',
      channelStatus('alerts', { phase: 'backoff', attempt: 2, retryAt: 9000, reason: 'x' }),
    )
    expect(store.overall.phase).toBe('offline')
    store.setStatus('training', channelStatus('training', { phase: 'failed', reason: 'HTTP 401' }))
    expect(store.overall).toEqual({ phase: 'failed', reason: 'HTTP 401' })
  })

  it('follows the precedence stale > connecting > polling > closed > live', () => {
    const store = useConnectionStore()
    store.setStatus('dashboard', channelStatus('dashboard', OPEN))
    store.setStatus(
      'alerts',
      channelStatus('alerts', { phase: 'closed', reason: 'server said stop' }),
    )
    expect(store.overall).toEqual({ phase: 'closed', reason: 'server said stop' })
    store.setStatus(
      'backtest',
      channelStatus('backtest', { phase: 'polling', since: 1, reason: 'no stream' }),
    )
    expect(store.overall).toEqual({ phase: 'polling', reason: 'no stream' })
    expect(store.isLive('backtest')).toBe(true)
    store.setStatus('training', channelStatus('training', { phase: 'connecting', attempt: 1 }))
    expect(store.overall.phase).toBe('connecting')
    store.setStatus('dashboard', channelStatus('dashboard', { phase: 'stale', silentSince: 1 }))
    expect(store.overall.phase).toBe('stale')
  })

  it('derives the transport from subscribed channels', () => {
    const store = useConnectionStore()
    store.setStatus('dashboard', channelStatus('dashboard', OPEN, { transport: 'per-channel' }))
    expect(store.transport).toBe('per-channel')
    store.setStatus('alerts', channelStatus('alerts', OPEN, { transport: 'multiplexed' }))
    expect(store.transport).toBe('multiplexed')
  })

  it('merges invalid events of all channels newest first', () => {
    const store = useConnectionStore()
    store.setStatus(
      'alerts',
      channelStatus('alerts', OPEN, { invalidEvents: [invalid(1), invalid(4)] }),
    )
    store.setStatus('training', channelStatus('training', OPEN, { invalidEvents: [invalid(3)] }))
    expect(store.invalidEvents.map((e) => e.at)).toEqual([4, 3, 1])
  })

  it('holds the UI pause switch', () => {
    const store = useConnectionStore()
    expect(store.paused).toBe(false)
    store.setPaused(true)
    expect(store.paused).toBe(true)
  })
})
