// Faults a person sees on the header (backend gone, 500s, a silent stream, no network) and no event lost.
import { expect, test } from './fixtures.ts'
import {
  EventLog,
  SLOW,
  expectAppliedExactly,
  expectLive,
  overallState,
  overallStates,
  recordOverallStates,
} from './monitorPage.ts'

/** The simulator is off: every event is one the test emitted, so ids can be compared one for one. */
test.use({ backendOptions: { simulate: false } })

/** A panel that claims events are missing when none are. */
const GAP_NOTICE = /Events (are|may be) missing/

// On failure, the header's state history says where the page got stuck.
test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status === testInfo.expectedStatus || page.isClosed()) return
  const states = (await overallStates(page)).map((s) => `${new Date(s.at).toISOString()} ${s.text}`)
  await testInfo.attach('header states', { body: states.join('\n'), contentType: 'text/plain' })
})

test('listener outage (the backend stops listening and keeps its ids and buffer): reconnecting with a countdown, then resumes with no lost or repeated event', async ({
  page,
  monitor,
}) => {
  await recordOverallStates(page)
  const log = new EventLog(monitor.backend.backend)
  log.round(3) // before the page opens: it reads them from history on its first visit
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  log.round(2)
  await expectAppliedExactly(page, log)

  await monitor.backend.stop()
  await expect(overallState(page)).toHaveText(/reconnecting in \d+ s/, { timeout: SLOW })
  await expect(page.getByRole('button', { name: 'Retry now' })).toBeVisible()
  // Panels say their data is not live any more and as of when it is.
  await expect(page.getByTestId('as-of').first()).toHaveText(/as of \d\d:\d\d:\d\d/)
  log.round(3) // while the backend is unreachable: kept in its buffer
  await expect(overallState(page)).not.toHaveText(/live/)

  await monitor.backend.start()
  await expectLive(page)
  log.round(2)
  await expectAppliedExactly(page, log)
  await expect(page.getByText(GAP_NOTICE)).toHaveCount(0)
  // Live again: no panel is dimmed (each still says how old its data is).
  await expect(page.locator('.panel--dimmed')).toHaveCount(0)
})

test('backend answering 500 for a while: reconnecting, then live again with every event', async ({
  page,
  monitor,
}) => {
  await recordOverallStates(page)
  const log = new EventLog(monitor.backend.backend)
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  log.round(2)
  await expectAppliedExactly(page, log)

  monitor.backend.backend.setFaults({ error500: true })
  monitor.backend.backend.dropConnections()
  await expect(overallState(page)).toHaveText(/reconnecting/, { timeout: SLOW })
  log.round(3)
  // Several failed attempts in a row (history answers 500 too, so polling cannot help): still not live.
  await expect
    .poll(
      async () => (await overallStates(page)).filter((s) => /reconnecting/.test(s.text)).length,
      {
        timeout: SLOW,
      },
    )
    .toBeGreaterThanOrEqual(2)
  await expect(overallState(page)).not.toHaveText(/live/)
  expect(monitor.backend.backend.stats().streamConnections).toBe(0)

  monitor.backend.backend.setFaults({ error500: false })
  await expectLive(page)
  await expectAppliedExactly(page, log)
  await expect(page.getByText(GAP_NOTICE)).toHaveCount(0)
})

test.describe('a backend that stalls without sending a byte', () => {
  test.use({ backendOptions: { simulate: false, heartbeatSeconds: 1 } })

  test('stale, then polling history, then live when the stall ends, with every event', async ({
    page,
    monitor,
  }) => {
    await recordOverallStates(page)
    const log = new EventLog(monitor.backend.backend)
    await page.goto(monitor.pageUrl)
    await expectLive(page)
    log.round(2)
    await expectAppliedExactly(page, log)

    monitor.backend.backend.setFaults({ stall: true })
    log.round(2)
    // Silence past 1.5 heartbeats reads "stale"; the stream is dropped, and after three silent
    // attempts the page reads history instead, which still answers.
    await expect(overallState(page)).toHaveText(/polling/, { timeout: SLOW })
    const during = (await overallStates(page)).map((s) => s.text)
    expect(
      during.some((text) => /stale/.test(text)),
      `states seen: ${during.join(' → ')}`,
    ).toBe(true)
    expect(
      during.some((text) => /reconnecting|connecting/.test(text)),
      `states seen: ${during.join(' → ')}`,
    ).toBe(true)
    // Polling delivers what the stalled stream holds back.
    await expectAppliedExactly(page, log)

    monitor.backend.backend.setFaults({ stall: false })
    await expectLive(page)
    log.round(2)
    await expectAppliedExactly(page, log)
    await expect(page.getByText(GAP_NOTICE)).toHaveCount(0)
  })
})

test('network offline and back: offline at once, live again without a backoff wait, every event', async ({
  page,
  context,
  monitor,
}) => {
  await recordOverallStates(page)
  const log = new EventLog(monitor.backend.backend)
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  log.round(2)
  await expectAppliedExactly(page, log)

  await context.setOffline(true)
  await expect(overallState(page)).toHaveText(/offline$/)
  log.round(3)
  // Nothing is tried while the browser says there is no network.
  await expect.poll(() => monitor.backend.backend.stats().streamConnections).toBe(0)
  const statesBefore = (await overallStates(page)).length

  await context.setOffline(false)
  const backAt = Date.now()
  await expectLive(page)
  const tookMs = Date.now() - backAt
  const afterOnline = (await overallStates(page)).slice(statesBefore).map((s) => s.text)
  expect(
    afterOnline.filter((text) => /reconnecting/.test(text)),
    `states after going online: ${afterOnline.join(' → ')}`,
  ).toEqual([])
  expect(tookMs, 'live again within a moment of the network coming back').toBeLessThan(5000)
  await expectAppliedExactly(page, log)
  await expect(page.getByText(GAP_NOTICE)).toHaveCount(0)
})
