// The server clock offset, as the realtime engine measures it from the real dev backend's status
// endpoint on loopback.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { resetServerClock, useServerClock } from '@/composables/useServerClock'
import { RealtimeClient } from '@/realtime/realtimeClient'
import { startDevBackend, type DevBackendServer } from '../../support/devBackend'

let server: DevBackendServer | undefined
let client: RealtimeClient | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  resetServerClock()
  client?.close()
  client = undefined
  await server?.close()
  server = undefined
})

describe('useServerClock', () => {
  it('is server minus client clock from the status answer the engine read', async () => {
    server = await startDevBackend({ simulate: false })
    // This client's clock runs 60 s behind the server's.
    const realNow = Date.now.bind(Date)
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 60_000)
    client = new RealtimeClient({ baseUrl: server.url })
    client.subscribe('alerts', () => {})
    // A fresh measurement for this test (the clock is shared app-wide once measured).
    resetServerClock()
    const { offsetMs } = useServerClock(client)
    await vi.waitFor(() => expect(offsetMs.value).not.toBeNull(), { timeout: 5000 })
    expect(offsetMs.value).toBeGreaterThan(59_000)
    expect(offsetMs.value).toBeLessThan(61_000)
  })
})
