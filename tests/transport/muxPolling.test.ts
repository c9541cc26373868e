// The multiplexed stream through a spell of history polling: its channels are polled one after
// another, each complete up to a different moment, so when the stream comes back it resumes from
// its own last id (the backend replays, repeats are dropped), never from a channel's cursor that
// polling moved past events of the other channels.
import { expect, it } from 'vitest'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { createHarness, samplePayload } from '../support/clientHarness.ts'
import { closeAfterEach } from '../support/closeAfterEach.ts'
import { startDevBackend } from '../support/devBackend.ts'

const keep = closeAfterEach()

it('resumes the multiplexed stream from its own last id after polling, with every event once', async () => {
  const server = keep(await startDevBackend({ simulate: false, heartbeatSeconds: 0.3 }))
  const harness = keep(createHarness(server.url))
  const emit = (channel: Channel, n: number): string => {
    const { type, data } = samplePayload(channel, n)
    return server.backend.emit(channel, type, data)
  }
  const streamRequests = (from: number) =>
    server.requests.slice(from).filter(({ url }) => url.startsWith('/api/v1/sse/stream'))
  harness.subscribe(...CHANNELS)
  const open = () => CHANNELS.every((c) => harness.client.status(c).state.phase === 'open')
  await harness.until(open, 5000, 'the multiplexed stream')
  const sent: Record<Channel, string[]> = { dashboard: [], alerts: [], training: [], backtest: [] }
  const total = () => CHANNELS.reduce((sum, c) => sum + (harness.events[c].length ?? 0), 0)
  for (let n = 1; n <= 3; n += 1) for (const c of CHANNELS) sent[c].push(emit(c, n))
  await harness.until(() => total() === 12, 5000, 'the first events')
  const lastOnTheWire = sent.backtest.at(-1)

  // The stream stalls (history still answers): stale, reconnects that stall too, then polling.
  const stallFrom = server.requests.length
  server.backend.setFaults({ stall: true })
  await harness.until(
    () => harness.client.status('dashboard').state.phase === 'polling',
    10_000,
    'polling',
  )
  for (let n = 4; n <= 6; n += 1) for (const c of CHANNELS) sent[c].push(emit(c, n))
  await harness.until(() => total() === 24, 10_000, 'the events polling read')
  const polledFrom = server.requests.length
  // One more attempt after polling moved every channel on: it must still resume from the wire.
  await harness.until(
    () => streamRequests(polledFrom).length > 0,
    10_000,
    'a stream attempt after polling',
  )
  server.backend.setFaults({ stall: false })
  await harness.until(open, 10_000, 'the stream back')
  for (const c of CHANNELS) sent[c].push(emit(c, 7))
  await harness.until(() => total() === 28, 5000, 'live events again')

  const attempts = streamRequests(stallFrom)
  expect(attempts.length).toBeGreaterThan(1)
  expect(attempts.map(({ lastEventId }) => lastEventId)).toEqual(attempts.map(() => lastOnTheWire))
  for (const channel of CHANNELS) expect(harness.ids(channel)).toEqual(sent[channel])
})
