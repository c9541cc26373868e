// What a production start and a demo start look like in the built page: invented data always
// carries "Demo data — not real"; a backend with no producer leaves every panel saying "no events
// yet" (and for how long); a published alert shows as itself, with no badge.
import { createServer } from 'node:net'
import type { Page } from '@playwright/test'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'
import { samplePayload } from '../support/clientHarness.ts'
import { expect, serveDist, startMonitor, test, type StaticSite } from './fixtures.ts'
import { expectLive, PANEL_TITLES, panel, SLOW } from './monitorPage.ts'

const BADGE = 'Demo data — not real'
const PUBLISH_TOKEN = 'producer-secret'

let backend: DevBackendServer | undefined
let site: StaticSite | undefined
test.afterEach(async () => {
  await site?.close()
  await backend?.close()
  site = undefined
  backend = undefined
})

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((done) => probe.close(() => done()))
  return port
}

/** The badge fits in the viewport and is drawn (not clipped away) in the header and each panel. */
async function expectBadges(page: Page): Promise<void> {
  const header = page.getByRole('banner').getByTestId('demo-badge')
  await expect(header).toHaveText(BADGE, { timeout: SLOW })
  for (const title of Object.values(PANEL_TITLES)) {
    await expect(panel(page, title).getByTestId('demo-badge')).toHaveText(BADGE)
  }
  const width = page.viewportSize()?.width ?? 0
  const box = await header.boundingBox()
  expect(box, 'the header badge is laid out').not.toBeNull()
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width)
}

test.describe('a demo start', () => {
  for (const viewport of [
    { width: 375, height: 800 },
    { width: 1440, height: 900 },
  ]) {
    test(`labels every channel "${BADGE}" in both themes at ${viewport.width} px`, async ({
      page,
    }) => {
      await page.setViewportSize(viewport)
      const setup = await startMonitor({ demo: true })
      backend = setup.backend
      site = setup.site
      await page.goto(setup.pageUrl)
      await expectLive(page)
      await expectBadges(page)
      const before = await page.locator('html').getAttribute('data-theme')
      await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click()
      await expect(page.locator('html')).not.toHaveAttribute('data-theme', before ?? '')
      await expectBadges(page)
    })
  }
})

test('a production start with no producer: every panel says "no events yet", then a published alert shows without a badge', async ({
  page,
}) => {
  // A production start: no dev controls, no simulator, the app's origin allowed by name.
  const port = await freePort()
  site = await serveDist({
    configJson: {
      apiBaseUrl: `http://127.0.0.1:${port}`,
      transport: { backoffBaseMs: 200, backoffMaxMs: 2000 },
    },
  })
  backend = await startDevBackend(
    { corsOrigins: [site.url], publishToken: PUBLISH_TOKEN, heartbeatSeconds: 2 },
    port,
  )
  expect(backend.backend.options.simulate).toBe(false)
  await page.goto(`${site.url}/market/realtime`)
  await expectLive(page)
  for (const title of Object.values(PANEL_TITLES)) {
    await expect(panel(page, title).getByTestId('no-events')).toContainText(
      /^No events yet · waiting \d+ (s|min)/,
    )
  }
  // The wait is counted, not a spinner: it grows while nothing comes.
  const waited = panel(page, PANEL_TITLES.alerts).getByTestId('waited')
  const first = Number.parseInt((await waited.textContent()) ?? '', 10)
  await expect(waited).not.toHaveText(`${first} s`, { timeout: SLOW })
  // Well past the 2 s after which the header would call data late.
  await expect(waited).toHaveText(/^([4-9]|\d{2,}) s$|min/, { timeout: SLOW })
  await expect(page.getByTestId('demo-badge')).toHaveCount(0)
  // Nothing arrives, and nothing is late: the header does not call an empty channel behind.
  await expect(page.getByTestId('behind')).toHaveCount(0)

  const { data } = samplePayload('alerts', 1)
  const published = await fetch(`${backend.url}/api/v1/publish/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${PUBLISH_TOKEN}` },
    body: JSON.stringify(data),
  })
  expect(published.status).toBe(200)
  const alerts = panel(page, PANEL_TITLES.alerts)
  await expect(alerts.getByRole('listitem').first()).toContainText(String(data.message), {
    timeout: SLOW,
  })
  await expect(alerts.getByTestId('no-events')).toHaveCount(0)
  await expect(page.getByTestId('demo-badge')).toHaveCount(0)
  await expect(panel(page, PANEL_TITLES.training).getByTestId('no-events')).toBeVisible()
})
