// A page's stores subscribe to their channels in one task, through the page's proxy and the port
// to the engine's host. The engine opens one multiplexed stream for them all, also when it knew the
// backend's status already, instead of a stream per channel that the next one replaces.
import { expect, it } from 'vitest'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { acceptTabs } from '../../src/realtime/engineHost.ts'
import { EngineProxy } from '../../src/realtime/engineProxy.ts'
import { manualNetwork } from '../../src/realtime/network.ts'
import { createSessionCursors } from '../../src/realtime/sessionCursors.ts'
import { FAST_TRANSPORT, until } from '../support/clientHarness.ts'
import { closeAfterEach } from '../support/closeAfterEach.ts'
import { startDevBackend } from '../support/devBackend.ts'

const keep = closeAfterEach()

it("opens one stream for the channels a page's stores subscribe in one task", async () => {
  const server = keep(await startDevBackend({ simulate: false, heartbeatSeconds: 0.3 }))
  const streamedChannels = () =>
    server.requests
      .filter(({ url }) => url.startsWith('/api/v1/sse/stream'))
      .map(({ url }) => new URL(url, 'http://x').searchParams.get('channels'))
  const proxy = keep(
    new EngineProxy({
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
    }),
  )
  const isOpen = (channel: Channel) => proxy.status(channel)?.state.phase === 'open'
  // One channel first: once it streams, the engine knows the backend's status.
  proxy.subscribe('dashboard', () => {})
  await until(() => isOpen('dashboard'), 10_000, 'the dashboard stream')
  // Then the others in one task, as a view's stores do.
  for (const channel of CHANNELS.filter((c) => c !== 'dashboard'))
    proxy.subscribe(channel, () => {})
  await until(() => CHANNELS.every(isOpen), 10_000, 'every channel streaming')
  expect(streamedChannels()).toEqual(['dashboard', CHANNELS.join(',')])
})
