// A page's stores subscribe to their channels in one task, through the page's proxy and the port
// to the engine's host. The engine opens one multiplexed stream for them all, also when it knew the
// backend's status already, instead of a stream per channel that the next one replaces.
import { afterEach, expect, it } from 'vitest'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { acceptTabs } from '../../src/realtime/engineHost.ts'
import { EngineProxy } from '../../src/realtime/engineProxy.ts'
import { manualNetwork } from '../../src/realtime/network.ts'
import { createSessionCursors } from '../../src/realtime/sessionCursors.ts'
import { FAST_TRANSPORT } from '../support/clientHarness.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

let server: DevBackendServer | undefined
let proxy: EngineProxy | undefined

afterEach(async () => {
  proxy?.close()
  proxy = undefined
  await server?.close()
  server = undefined
})

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const streamedChannels = () =>
  (server as DevBackendServer).requests
    .filter(({ url }) => url.startsWith('/api/v1/sse/stream'))
    .map(({ url }) => new URL(url, 'http://x').searchParams.get('channels'))

it("opens one stream for the channels a page's stores subscribe in one task", async () => {
  server = await startDevBackend({ simulate: false, heartbeatSeconds: 0.3 })
  proxy = new EngineProxy({
    baseUrl: server.url,
    transport: FAST_TRANSPORT,
    // The engine's in-page host: the same host code as in a worker, over a MessageChannel.
    hosts: [
      {
        kind: 'page',
        async open() {
          const { port1, port2 } = new MessageChannel()
          acceptTabs('test')(port2)
          return port1
        },
      },
    ],
    cursors: createSessionCursors(null, ''),
    clientId: 'burst',
    network: manualNetwork(true),
  })
  const isOpen = (channel: Channel) => proxy?.status(channel).state.phase === 'open'
  // One channel first: once it streams, the engine knows the backend's status.
  proxy.subscribe('dashboard', () => {})
  await until(() => isOpen('dashboard'), 'the dashboard stream')
  // Then the others in one task, as a view's stores do.
  for (const channel of CHANNELS.filter((c) => c !== 'dashboard'))
    proxy.subscribe(channel, () => {})
  await until(() => CHANNELS.every(isOpen), 'every channel streaming')
  expect(streamedChannels()).toEqual(['dashboard', CHANNELS.join(',')])
})
