// Authenticated streams end to end: bearer token from storage, 401 shown with what to do, retry on change.
import { expect, test, type Page } from '@playwright/test'
import { startMonitor, type MonitorSetup } from './fixtures'
import { SLOW } from './monitorPage'

let setup: MonitorSetup | undefined

test.afterEach(async () => {
  await setup?.site.close()
  await setup?.backend.close()
  setup = undefined
})

const appliedCount = (page: Page) =>
  page.evaluate(() => window.__rtm?.applied.dashboard?.length ?? 0)

test('without a token the page says authentication is required; a new token in storage brings it live', async ({
  context,
}) => {
  setup = await startMonitor(
    { authToken: 's3cret', rates: { dashboard: 10 } },
    { auth: { mode: 'bearer', storageKey: 'monitor_token' } },
  )
  // What reached the backend, whichever thread asked (the engine runs in a worker).
  const backend = setup.backend
  const streamAttempts = () =>
    backend.requests.filter(({ url }) => url.startsWith('/api/v1/sse/')).length
  const page = await context.newPage()
  await page.goto(setup.pageUrl)
  await expect(page.getByText(/authentication required/i).first()).toBeVisible()
  await page.waitForTimeout(1500)
  const attempts = streamAttempts()
  expect(attempts).toBeGreaterThan(0)
  await page.waitForTimeout(1500)
  // Failed for good: no retry loop against a backend that said 401.
  expect(streamAttempts()).toBe(attempts)
  expect(await appliedCount(page)).toBe(0)

  // Another tab (or the host page's login) stores a token: the storage event triggers a retry.
  const other = await context.newPage()
  await other.goto(`${setup.site.url}/not-found-page`)
  await other.evaluate(() => localStorage.setItem('monitor_token', 's3cret'))
  await expect.poll(() => appliedCount(page)).toBeGreaterThan(0)
  await expect(page.getByText(/authentication required/i)).toHaveCount(0)
  // The token travels in the Authorization header only, never in a URL.
  expect(backend.requests.some(({ url }) => url.includes('s3cret'))).toBe(false)
  expect(backend.requests.some(({ authorization }) => authorization === 'Bearer s3cret')).toBe(true)
})

test('a valid token from the start streams with the Authorization header', async ({ context }) => {
  setup = await startMonitor(
    { authToken: 'tok-1', rates: { dashboard: 10 } },
    { auth: { mode: 'bearer', storageKey: 'monitor_token' } },
  )
  await context.addInitScript(() => localStorage.setItem('monitor_token', 'tok-1'))
  const page = await context.newPage()
  const backend = setup.backend
  const authHeaders = () =>
    backend.requests
      .filter(({ url }) => url.startsWith('/api/v1/sse/stream'))
      .map((r) => r.authorization)
  await page.goto(setup.pageUrl)
  // The first events may come from the first-visit history read, before the stream is opened:
  // wait for the stream request itself, then for live events after it.
  await expect.poll(authHeaders, { timeout: SLOW }).toContain('Bearer tok-1')
  const before = await appliedCount(page)
  await expect.poll(() => appliedCount(page), { timeout: SLOW }).toBeGreaterThan(before)
})
