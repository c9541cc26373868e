// Deep links, reloads that resume from the saved cursor, and two tabs open at once.
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import {
  EventLog,
  expectAppliedExactly,
  expectLive,
  panel,
  PANEL_TITLES,
} from './monitorPage.ts'

test.use({ backendOptions: { simulate: false } })

test('a first visit straight to the deep link /market/realtime loads the page and goes live', async ({
  page,
  monitor,
}) => {
  const log = new EventLog(monitor.backend.backend)
  log.round(2)
  const response = await page.goto(monitor.pageUrl)
  expect(response?.status()).toBe(200)
  expect(response?.headers()['content-type']).toMatch(/^text\/html/)
  await expect(page.getByRole('heading', { level: 1, name: 'Realtime Monitor' })).toBeVisible()
  await expectLive(page)
  expect(new URL(page.url()).pathname).toBe('/market/realtime')
  // A first visit has no cursor: it shows what the backend already had, then goes on live.
  await expectAppliedExactly(page, log)
  await expect(panel(page, PANEL_TITLES.alerts).getByRole('listitem')).toHaveCount(3)

  // The site root leads to the same page.
  await page.goto(monitor.site.url)
  await expect.poll(() => new URL(page.url()).pathname).toBe('/market/realtime')
  await expectLive(page)
})

test('reload of /market/realtime restores recent history and resumes: nothing repeated, nothing missing', async ({
  page,
  monitor,
}) => {
  const log = new EventLog(monitor.backend.backend)
  log.round(3)
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  log.round(2)
  await expectAppliedExactly(page, log)

  // The reloaded page starts with empty stores: it shows the recent history again (every event
  // here fits the 200-event context window), then what was emitted meanwhile, each exactly once.
  const response = await page.reload({ waitUntil: 'commit' })
  expect(response?.status()).toBe(200)
  log.round(2)
  await expectLive(page)
  log.round(2)
  await expectAppliedExactly(page, log)
  expect(new URL(page.url()).pathname).toBe('/market/realtime')

  // A second reload, with the page busy, resumes just as well.
  await page.reload({ waitUntil: 'commit' })
  log.round(1)
  await expectLive(page)
  await expectAppliedExactly(page, log)
})

test('two tabs open at once are both live and both apply every event', async ({
  context,
  monitor,
}) => {
  const log = new EventLog(monitor.backend.backend)
  log.round(2)
  const first = await context.newPage()
  const second = await context.newPage()
  await Promise.all([first.goto(monitor.pageUrl), second.goto(monitor.pageUrl)])
  await expectLive(first)
  await expectLive(second)
  // The tabs share one stream: one leads and relays to the other.
  await expect.poll(() => monitor.backend.backend.stats().streamConnections).toBe(1)

  log.round(5)
  await expectAppliedExactly([first, second], log)

  // What a person sees matches too: every alert counted (the header counts rows by severity; a
  // burst of one category is drawn as one storm line), the same list in both tabs.
  const rows = (tab: Page) => panel(tab, PANEL_TITLES.alerts).getByRole('listitem')
  await expect(panel(first, PANEL_TITLES.alerts).getByTestId('count-warning')).toContainText(
    `/ ${log.emitted.alerts.length}`,
  )
  await expect(rows(second)).toHaveText(await rows(first).allTextContents())
})
