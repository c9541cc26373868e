// Alert workflow in the built page: storms fold without burying a critical; one voice per browser; acks shared.
import type { BrowserContext, Page } from '@playwright/test'
import type { RiskAlert } from '../../src/protocol/contract.ts'
import { expect, startMonitor, test, type MonitorSetup } from './fixtures.ts'
import { PANEL_TITLES, SLOW, overallState, panel } from './monitorPage.ts'

/** Live; eight tabs on a loaded machine may add that drawing is behind, which is not a fault here. */
async function expectLive(page: Page): Promise<void> {
  await expect(overallState(page)).toContainText(/^Connection:\s*live/, { timeout: SLOW })
}

let setup: MonitorSetup | undefined
test.afterEach(async () => {
  await setup?.site.close()
  await setup?.backend.close()
  setup = undefined
})

let n = 0
function emitAlert(overrides: Partial<RiskAlert>): void {
  n += 1
  const alert: RiskAlert = {
    alert_id: `e2e-${n}`,
    timestamp: new Date().toISOString(),
    severity: 'warning',
    category: 'volatility',
    symbol: `S${n}`,
    message: `alert ${n}`,
    ...overrides,
  }
  ;(setup as MonitorSetup).backend.backend.emit('alerts', 'risk_alert', alert)
}

declare global {
  interface Window {
    __signals?: { notifications: number; sounds: number }
  }
}

/**
 * Headless Chromium has no notification permission to grant and no audio device: this stubs only
 * those two (counting calls), and turns sound and desktop notifications on as an analyst would.
 */
async function installSignalSpies(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const signals = { notifications: 0, sounds: 0 }
    window.__signals = signals
    class FakeNotification {
      static permission = 'granted'
      static requestPermission = () => Promise.resolve('granted')
      constructor() {
        signals.notifications += 1
      }
      close() {}
    }
    const noop = () => undefined
    class FakeAudioContext {
      state = 'running'
      currentTime = 0
      destination = {}
      resume() {
        return Promise.resolve()
      }
      // One gain node per beep.
      createGain() {
        signals.sounds += 1
        return { gain: { setValueAtTime: noop, exponentialRampToValueAtTime: noop }, connect: noop }
      }
      createOscillator() {
        return { frequency: { setValueAtTime: noop }, connect: noop, start: noop, stop: noop }
      }
    }
    Object.assign(window, { Notification: FakeNotification, AudioContext: FakeAudioContext })
    if (!localStorage.getItem('rtm:alerts:settings')) {
      localStorage.setItem(
        'rtm:alerts:settings',
        JSON.stringify({
          severities: [],
          categories: [],
          notifyDesktop: true,
          soundCritical: true,
        }),
      )
    }
  })
}

/** `count` tabs of the page, one after the other, each with the signal spies installed. */
async function openTabs(context: BrowserContext, count: number): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < count; i += 1) {
    const page = await context.newPage()
    await installSignalSpies(page)
    await page.goto((setup as MonitorSetup).pageUrl)
    pages.push(page)
  }
  return pages
}

const alertList = (page: Page) =>
  panel(page, PANEL_TITLES.alerts).getByRole('list', { name: 'Alerts, newest first' })

const signals = (page: Page) =>
  page.evaluate(() => window.__signals ?? { notifications: 0, sounds: 0 })

test('a 200-alert storm of one category leaves a lone critical of another visible at the top', async ({
  page,
}) => {
  setup = await startMonitor({ simulate: false })
  await page.goto(setup.pageUrl)
  await expectLive(page)
  const alerts = panel(page, PANEL_TITLES.alerts)
  const list = alerts.getByRole('list', { name: 'Alerts, newest first' })
  emitAlert({
    severity: 'critical',
    category: 'drawdown',
    message: 'Portfolio drawdown 12% vs limit 10%',
  })
  for (let i = 0; i < 200; i += 1) emitAlert({ category: 'volatility' })
  await expect(list.getByTestId('storm')).toContainText(/200 volatility alerts in \d+ s/, {
    timeout: SLOW,
  })
  const first = list.getByRole('listitem').first()
  await expect(first).toContainText('Portfolio drawdown 12% vs limit 10%')
  await expect(first).toBeInViewport()
  // The storm is one line: the list holds two entries, not 201 rows.
  await expect(list.getByRole('listitem')).toHaveCount(2)
  await expect(alerts.getByTestId('count-critical')).toContainText(/1\s*unacked \/ 1/)
  await expect(alerts.getByTestId('count-warning')).toContainText(/200\s*unacked \/ 200/)
})

test('eight tabs give one notification and one sound for one critical; an ack in one tab shows in all', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const pages = await openTabs(context, 8)
  const lists = pages.map(alertList)
  // Every tab is live and subscribed before the critical fires.
  for (const page of pages) await expectLive(page)
  emitAlert({ category: 'liquidity', message: 'warm-up' })
  for (const list of lists) await expect(list).toContainText('warm-up', { timeout: SLOW })

  emitAlert({ severity: 'critical', category: 'drawdown', message: 'Margin call on account 7' })
  for (const list of lists)
    await expect(list).toContainText('Margin call on account 7', { timeout: SLOW })
  const total = async () => {
    const all = await Promise.all(pages.map(signals))
    return {
      notifications: all.reduce((sum, s) => sum + s.notifications, 0),
      sounds: all.reduce((sum, s) => sum + s.sounds, 0),
    }
  }
  await expect.poll(total, { timeout: SLOW }).toEqual({ notifications: 1, sounds: 1 })
  // A later event has reached every tab after the critical did: no late second voice came with it.
  emitAlert({ category: 'exposure', message: 'barrier' })
  for (const list of lists) await expect(list).toContainText('barrier', { timeout: SLOW })
  expect(await total()).toEqual({ notifications: 1, sounds: 1 })

  // Acknowledge in the third tab: the first and the last show it acknowledged.
  const row = (i: number) =>
    lists[i]!.getByRole('listitem').filter({ hasText: 'Margin call on account 7' })
  await row(2).getByRole('button', { name: /^Ack/ }).click()
  for (const i of [0, 7]) await expect(row(i)).toContainText('✓ acknowledged', { timeout: SLOW })
  await expect(panel(pages[5]!, PANEL_TITLES.alerts).getByTestId('count-critical')).toContainText(
    /0\s*unacked \/ 1/,
  )
})

test('a worse repeat of an acknowledged critical re-opens it and speaks once across two tabs; an identical repeat only counts', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const pages = await openTabs(context, 2)
  for (const page of pages) await expectLive(page)
  const lists = pages.map(alertList)
  const rowIn = (i: number) =>
    lists[i]!.getByRole('listitem').filter({ hasText: 'Drawdown on account 7' })
  const total = async () => {
    const all = await Promise.all(pages.map(signals))
    return {
      notifications: all.reduce((sum, s) => sum + s.notifications, 0),
      sounds: all.reduce((sum, s) => sum + s.sounds, 0),
    }
  }
  /** A later event that every tab has shown: nothing still on its way about what came before. */
  let barriers = 0
  const barrier = async () => {
    barriers += 1
    emitAlert({ category: 'exposure', message: `barrier ${barriers}` })
    for (const list of lists)
      await expect(list).toContainText(`barrier ${barriers}`, { timeout: SLOW })
  }
  const drawdown = {
    severity: 'critical',
    category: 'drawdown',
    symbol: 'ACC-7',
    threshold: 0.1,
    message: 'Drawdown on account 7',
  } as const

  emitAlert({ ...drawdown, value: 0.11 })
  for (let i = 0; i < 2; i += 1) await expect(rowIn(i)).toBeVisible({ timeout: SLOW })
  await expect.poll(total, { timeout: SLOW }).toEqual({ notifications: 1, sounds: 1 })

  await rowIn(0).getByRole('button', { name: /^Ack/ }).click()
  await expect(rowIn(1)).toContainText('✓ acknowledged', { timeout: SLOW })

  // 18 % against the 10 % limit, acknowledged at 11 %: worse.
  emitAlert({ ...drawdown, value: 0.18 })
  for (let i = 0; i < 2; i += 1) {
    await expect(rowIn(i)).toContainText('re-opened: 11.0 % → 18.0 %', { timeout: SLOW })
    await expect(rowIn(i)).not.toContainText('✓ acknowledged')
    await expect(rowIn(i).getByTestId('alert-count')).toHaveText('×2')
    await expect(panel(pages[i]!, PANEL_TITLES.alerts).getByTestId('count-critical')).toContainText(
      /1\s*unacked \/ 1/,
    )
  }
  await expect.poll(total, { timeout: SLOW }).toEqual({ notifications: 2, sounds: 2 })
  await barrier()
  expect(await total()).toEqual({ notifications: 2, sounds: 2 })

  // Acknowledged again at 18 %: the same 18 % once more only counts.
  await rowIn(1).getByRole('button', { name: /^Ack/ }).click()
  await expect(rowIn(0)).toContainText('✓ acknowledged', { timeout: SLOW })
  emitAlert({ ...drawdown, value: 0.18 })
  for (let i = 0; i < 2; i += 1) {
    await expect(rowIn(i).getByTestId('alert-count')).toHaveText('×3', { timeout: SLOW })
    await expect(rowIn(i)).toContainText('✓ acknowledged')
  }
  await barrier()
  expect(await total()).toEqual({ notifications: 2, sounds: 2 })
  await expect(panel(pages[0]!, PANEL_TITLES.alerts).getByTestId('count-critical')).toContainText(
    /0\s*unacked \/ 1/,
  )
})

test('the tab in front speaks: the engine moves the voice to the tab the analyst brings forward', async ({
  context,
}) => {
  setup = await startMonitor({ simulate: false })
  const pages = await openTabs(context, 3)
  for (const page of pages) await expectLive(page)
  const lists = pages.map(alertList)
  const spoken = () => Promise.all(pages.map((page) => signals(page).then((s) => s.sounds)))
  for (const [i, front] of [1, 0, 2].entries()) {
    await pages[front]!.bringToFront()
    // Headless Chromium has no window focus: every page says it has it. This stubs only that, the
    // answer of document.hasFocus() and the focus/blur events a desktop browser sends each tab.
    for (const [tab, page] of pages.entries()) {
      await page.evaluate((focused) => {
        Object.defineProperty(document, 'hasFocus', { value: () => focused, configurable: true })
        window.dispatchEvent(new Event(focused ? 'focus' : 'blur'))
      }, tab === front)
    }
    const before = await spoken()
    emitAlert({ severity: 'critical', category: 'drawdown', message: `Front ${i}` })
    for (const list of lists) await expect(list).toContainText(`Front ${i}`, { timeout: SLOW })
    await expect
      .poll(async () => (await spoken()).map((n, tab) => n - (before[tab] ?? 0)), { timeout: SLOW })
      .toEqual(pages.map((_, tab) => (tab === front ? 1 : 0)))
  }
})
