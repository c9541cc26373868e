// One realtime engine per browser: every tab connects to one SharedWorker, which holds the one
// stream. Tabs come and go without a reconnect, a loss or a repeat; a new tab paints from the
// engine's recent events without asking the backend; a hung tab holds nobody back. A tab that
// crashes is dropped without a goodbye; an engine that crashes is replaced by the tabs left.
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import type { Channel } from '../../src/protocol/contract'
import { samplePayload } from '../support/clientHarness'
import { startMonitor, type MonitorSetup } from './fixtures'
import { PANEL_TITLES, panel, SLOW } from './monitorPage'

let setup: MonitorSetup | undefined
let flow: ReturnType<typeof setInterval> | undefined

test.afterEach(async () => {
  clearInterval(flow)
  await setup?.site.close()
  await setup?.backend.close()
  setup = undefined
})

const applied = (page: Page, channel: Channel) =>
  page.evaluate((c) => window.__rtm?.applied[c] ?? [], channel)
const engine = (page: Page) => page.evaluate(() => window.__rtm?.engine?.() ?? null)
/** Stream requests the backend has been asked for, of any kind. */
const streamRequests = () =>
  (setup as MonitorSetup).backend.requests.filter(({ url }) =>
    /^\/api\/v1\/sse\/(stream|dashboard|alerts|training|backtest)(\?|$)/.test(url),
  )

function emit(channel: Channel, count: number, from: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const { type, data } = samplePayload(channel, from + i)
    return (setup as MonitorSetup).backend.backend.emit(channel, type, data)
  })
}

/** `count` tabs on the page, each once the shared engine counts them all. */
async function openTabs(context: BrowserContext, url: string, count: number): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < count; i += 1) {
    const page = await context.newPage()
    await page.goto(url)
    pages.push(page)
  }
  for (const page of pages)
    await expect
      .poll(() => engine(page), { timeout: SLOW })
      .toEqual({ host: 'shared-worker', tabs: count })
  return pages
}

/** Crashes the tab's renderer (no pagehide runs) and waits until it is gone. */
async function crash(context: BrowserContext, page: Page): Promise<void> {
  const session = await context.newCDPSession(page)
  const gone = page.waitForEvent('crash')
  void session.send('Page.crash').catch(() => {}) // no answer comes: the session dies with the page
  await gone
}

/** Every id once, in order: what each open tab must have applied. */
async function expectExactly(page: Page, channel: Channel, ids: readonly string[]): Promise<void> {
  await expect
    .poll(() => applied(page, channel).then((got) => got.length), { timeout: SLOW })
    .toBe(ids.length)
  expect(await applied(page, channel)).toEqual(ids)
}

test('eight tabs share one engine and one stream; closing them in any order, the first included, loses, repeats and reconnects nothing', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const pages: Page[] = []
  for (let i = 0; i < 8; i += 1) {
    const page = await context.newPage()
    await page.goto(setup.pageUrl)
    pages.push(page)
  }
  await expect.poll(() => setup?.backend.backend.stats().streamConnections).toBe(1)
  for (const page of pages) {
    await expect
      .poll(() => engine(page), { timeout: SLOW })
      .toEqual({ host: 'shared-worker', tabs: 8 })
  }
  expect(streamRequests()).toHaveLength(1)

  // Alerts flow at about 1,000 a second while tabs close: the first one, then the rest at random.
  const sent: string[] = []
  flow = setInterval(() => sent.push(...emit('alerts', 10, sent.length)), 10)
  const order = [pages[0] as Page, ...pages.slice(1).sort(() => Math.random() - 0.5)]
  const open = new Set(pages)
  for (const page of order.slice(0, 6)) {
    await expect.poll(() => sent.length).toBeGreaterThan(300 * (8 - open.size + 1))
    await page.close()
    open.delete(page)
  }
  await expect.poll(() => sent.length).toBeGreaterThan(3000)
  clearInterval(flow)
  for (const page of open) await expectExactly(page, 'alerts', sent)
  expect(streamRequests(), 'no tab closing cost a new stream request').toHaveLength(1)
  for (const page of open) {
    await expect.poll(() => engine(page)).toEqual({ host: 'shared-worker', tabs: 2 })
  }
})

test('a tab that dies without a goodbye (its renderer crashed) is dropped by the engine all the same', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const pages = await openTabs(context, setup.pageUrl, 3)
  // The newest tab: the first one's renderer may host the engine's worker.
  const [crashed, ...others] = [...pages].reverse() as [Page, ...Page[]]
  // A crash runs no pagehide: the tab never says goodbye, but its Web Lock goes with it.
  await crash(context, crashed)
  for (const page of others)
    await expect
      .poll(() => engine(page), { timeout: SLOW })
      .toEqual({ host: 'shared-worker', tabs: 2 })
  const ids = emit('alerts', 5, 0)
  for (const page of others) await expectExactly(page, 'alerts', ids)
  expect(streamRequests()).toHaveLength(1)
})

test('when the engine dies with the tab whose renderer hosted it, the other tabs start a new one from their cursors: nothing lost, nothing repeated', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const pages = await openTabs(context, setup.pageUrl, 3)
  const before = emit('alerts', 5, 0)
  for (const page of pages) await expectExactly(page, 'alerts', before)
  // The first tab started the engine's worker, and Chromium runs it in that tab's renderer.
  const [crashed, ...others] = pages as [Page, ...Page[]]
  await crash(context, crashed)
  // Sent while no engine runs: read from history after each tab's cursor.
  const during = emit('alerts', 5, 5)
  for (const page of others)
    await expect
      .poll(() => engine(page), { timeout: SLOW })
      .toEqual({ host: 'shared-worker', tabs: 2 })
  const after = emit('alerts', 5, 10)
  for (const page of others) await expectExactly(page, 'alerts', [...before, ...during, ...after])
  expect(streamRequests(), 'the new engine opened the stream again').toHaveLength(2)
})

test('a tab opened while another is live paints current dashboard data from the engine, asking the backend for nothing', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const first = await context.newPage()
  await first.goto(setup.pageUrl)
  await expect.poll(() => setup?.backend.backend.stats().streamConnections).toBe(1)
  const ids = emit('dashboard', 5, 0)
  await expectExactly(first, 'dashboard', ids)

  const asked = setup.backend.requests.length
  const second = await context.newPage()
  await second.goto(setup.pageUrl)
  await expect(panel(second, PANEL_TITLES.dashboard).getByTestId('kpi-equity')).toBeVisible({
    timeout: SLOW,
  })
  await expectExactly(second, 'dashboard', ids)
  expect(
    setup.backend.requests.slice(asked).map(({ url }) => url),
    'requests of the second tab',
  ).toEqual([])
  const more = emit('dashboard', 3, 5)
  await expectExactly(second, 'dashboard', [...ids, ...more])
})

test('a hung tab holds no other tab back', async ({ context }) => {
  setup = await startMonitor({ simulate: false })
  const pages: Page[] = []
  for (let i = 0; i < 3; i += 1) {
    const page = await context.newPage()
    await page.goto(setup.pageUrl)
    pages.push(page)
  }
  for (const page of pages)
    await expect.poll(() => engine(page)).toEqual({ host: 'shared-worker', tabs: 3 })
  const [hung, ...others] = pages as [Page, ...Page[]]
  const first = emit('training', 5, 0)
  for (const page of pages) await expectExactly(page, 'training', first)

  // One tab's main thread is stuck for 6 s: the others keep receiving meanwhile.
  const hang = hung.evaluate(() => {
    const until = Date.now() + 6000
    while (Date.now() < until) {
      /* busy */
    }
  })
  const during = emit('training', 5, 5)
  for (const page of others) await expectExactly(page, 'training', [...first, ...during])
  await hang
  // Back from the hang, it has every event too, once.
  await expectExactly(hung, 'training', [...first, ...during])
  expect(streamRequests()).toHaveLength(1)
})

test('reloading the only tab mid-stream resumes from the cursors it kept: nothing lost, nothing repeated', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const page = await context.newPage()
  await page.goto(setup.pageUrl)
  await expect
    .poll(() => engine(page), { timeout: SLOW })
    .toEqual({ host: 'shared-worker', tabs: 1 })
  const sent: string[] = []
  flow = setInterval(() => sent.push(...emit('alerts', 2, sent.length)), 20)
  await expect.poll(() => applied(page, 'alerts').then((ids) => ids.length)).toBeGreaterThan(50)

  // The engine ends with its only tab; the reloaded tab starts a new one from its kept cursors.
  await page.reload({ waitUntil: 'commit' })
  const sentBeforeReload = sent.length
  await expect.poll(() => applied(page, 'alerts').then((ids) => ids.length)).toBeGreaterThan(0)
  await expect.poll(() => sent.length).toBeGreaterThan(sentBeforeReload + 100)
  clearInterval(flow)
  // What the reloaded page applied is the newest part of what was sent, each once, in order, up to
  // the last event: recent history for context, then everything after the cursor.
  await expect
    .poll(() => applied(page, 'alerts').then((ids) => ids.at(-1)), { timeout: SLOW })
    .toBe(sent.at(-1))
  const after = await applied(page, 'alerts')
  expect(new Set(after).size).toBe(after.length)
  expect(after).toEqual(sent.slice(sent.length - after.length))
  expect(after.length).toBeGreaterThan(sent.length - sentBeforeReload)
})
