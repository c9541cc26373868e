// The server clock offset, measured against the real dev backend's status endpoint on loopback.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { resetServerClock, useServerClock } from '@/composables/useServerClock'
import type { AppConfig } from '@/config/runtimeConfig'
import { DEFAULT_TRANSPORT } from '@/realtime/realtimeSource'
import { startDevBackend, type DevBackendServer } from '../../support/devBackend'

let server: DevBackendServer | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  resetServerClock()
  await server?.close()
  server = undefined
})

describe('useServerClock', () => {
  it('measures server minus client clock from the status answer', async () => {
    server = await startDevBackend({ simulate: false })
    // This client's clock runs 60 s behind the server's.
    const realNow = Date.now.bind(Date)
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 60_000)
    const config: AppConfig = {
      apiBaseUrl: server.url,
      channels: [],
      transport: DEFAULT_TRANSPORT,
      auth: { mode: 'none' },
      debug: false,
    }
    // A fresh measurement for this test (the clock is shared app-wide once measured).
    resetServerClock()
    const { offsetMs } = useServerClock(config)
    await vi.waitFor(() => expect(offsetMs.value).not.toBeNull(), { timeout: 5000 })
    expect(offsetMs.value).toBeGreaterThan(59_000)
    expect(offsetMs.value).toBeLessThan(61_000)
  })
})
