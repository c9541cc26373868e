// The production build pointed (config.json) at the FastAPI backend kit (examples/fastapi/): the
// four panels fill over one multiplexed stream; on Redis, with the kit SIGKILLed and restarted
// mid-stream, the page applies every event once.
import type { Page } from '@playwright/test'
import { Redis } from 'ioredis'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { samplePayload } from '../support/clientHarness.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'
import { startFastapiKit, type FastapiKit } from '../support/fastapiKit.ts'
import { startRedisServer, type RedisServer } from '../support/redisServer.ts'
import { expect, serveDist, test, type StaticSite } from './fixtures.ts'
import { PANEL_TITLES, SLOW, appliedIds, expectLive, overallState, panel } from './monitorPage.ts'

let kit: FastapiKit | undefined
let site: StaticSite | undefined
let node: DevBackendServer | undefined
let redis: RedisServer | undefined

test.afterEach(async () => {
  await site?.close()
  await kit?.stop()
  await node?.close()
  await redis?.close()
  kit = site = node = redis = undefined
})

async function openPage(page: Page, backend: FastapiKit): Promise<void> {
  site = await serveDist({
    configJson: {
      apiBaseUrl: backend.url,
      debug: true,
      transport: { backoffBaseMs: 200, backoffMaxMs: 2000 },
    },
  })
  await page.goto(`${site.url}/market/realtime`)
}

test('the four panels fill from the kit over one multiplexed stream', async ({ page }) => {
  kit = await startFastapiKit({ rate: 4, heartbeatSeconds: 5 })
  await openPage(page, kit)
  await expectLive(page)
  await expect(page.getByTestId('transport')).toHaveText('one multiplexed stream')
  for (const channel of CHANNELS) {
    await expect
      .poll(async () => (await appliedIds(page))[channel].length, { timeout: SLOW })
      .toBeGreaterThan(3)
  }
  const dashboard = panel(page, PANEL_TITLES.dashboard)
  await expect(dashboard.getByTestId('kpi-equity')).toHaveText(/^\d{1,3}(,\d{3})*\.\d{2}$/)
  await expect(
    dashboard.getByRole('table', { name: 'Index quotes' }).getByRole('rowheader').first(),
  ).toHaveText(/SSE Composite|000001\.SH/)
  const alerts = panel(page, PANEL_TITLES.alerts)
  await expect(
    alerts.getByRole('list', { name: 'Alerts, newest first' }).getByRole('listitem').first(),
  ).toContainText(/Position weight \d+\.2% exceeds limit 15%/)
  const training = panel(page, PANEL_TITLES.training)
  await expect(training.getByRole('article', { name: /^Training run / }).first()).toBeVisible()
  const backtest = panel(page, PANEL_TITLES.backtest)
  await expect(backtest.getByRole('article', { name: /^Backtest / }).first()).toBeVisible()
  for (const title of Object.values(PANEL_TITLES)) {
    await expect(panel(page, title).getByText('live', { exact: true })).toBeVisible()
    await expect(panel(page, title)).not.toContainText(/rejected/i)
  }
})

/** Entry ids of one channel in Redis, oldest first. */
async function idsInRedis(url: string): Promise<Record<Channel, string[]>> {
  const client = new Redis(url)
  try {
    const out = {} as Record<Channel, string[]>
    for (const channel of CHANNELS) {
      const entries = (await client.xrange(`{rtm}:${channel}`, '-', '+')) as [string, string[]][]
      out[channel] = entries.map(([id]) => id)
    }
    return out
  } finally {
    client.disconnect()
  }
}

test('on Redis, the kit killed and restarted mid-stream: the page applies every event once', async ({
  page,
}) => {
  test.setTimeout(120_000)
  redis = await startRedisServer()
  node = await startDevBackend({ redisUrl: redis.url, simulate: false })
  await node.backend.ready()
  const producerNode = node
  kit = await startFastapiKit({ redisUrl: redis.url, heartbeatSeconds: 2 })
  let producing = true
  let published = 0
  let n = 0
  // The Node server publishes into the same Redis all along, about 20 events/s per channel.
  const producer = (async () => {
    while (producing) {
      for (const channel of CHANNELS) {
        const { type, data } = samplePayload(channel, (n += 1))
        await producerNode.backend.publish(channel, type, data)
        published += 1
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  try {
    await openPage(page, kit)
    await expectLive(page)
    await expect
      .poll(
        async () => Math.min(...Object.values(await appliedIds(page)).map((ids) => ids.length)),
        {
          timeout: SLOW,
        },
      )
      .toBeGreaterThan(10)

    await kit.kill()
    const atKill = published
    await expect(overallState(page)).toHaveText(/reconnecting|connecting|polling/, {
      timeout: SLOW,
    })
    await expect.poll(() => published, { timeout: SLOW }).toBeGreaterThan(atKill + 80)
    await kit.restart()
    await expectLive(page)
    const target = await idsInRedis(redis.url)
    for (const channel of CHANNELS) {
      const newest = target[channel].at(-1)
      await expect
        .poll(async () => (await appliedIds(page))[channel].includes(newest ?? ''), {
          timeout: SLOW,
        })
        .toBe(true)
    }
  } finally {
    producing = false
    await producer
  }

  const applied = await appliedIds(page)
  const inRedis = await idsInRedis(redis.url)
  for (const channel of CHANNELS) {
    const got = applied[channel]
    const from = inRedis[channel].indexOf(got[0] ?? '')
    expect(from, `${channel}: the first applied id is in Redis`).toBeGreaterThanOrEqual(0)
    // 0 lost, 0 repeated, in order: exactly Redis's entries from the first applied one on.
    expect(got, channel).toEqual(inRedis[channel].slice(from, from + got.length))
    expect(got.length).toBeGreaterThan(30)
  }
})
