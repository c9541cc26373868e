// Views people share and keep: the view in the URL survives a reload, back/forward step through it,
// and the keyboard shortcuts work without a mouse.
import type { RiskAlert } from '../../src/protocol/contract.ts'
import { samplePayload } from '../support/clientHarness.ts'
import { expect, test } from './fixtures.ts'
import { PANEL_TITLES, SLOW, expectLive, panel } from './monitorPage.ts'

test.use({ backendOptions: { simulate: false } })

test('a copied URL reproduces the view after reload; back and forward step through views', async ({
  page,
  monitor,
}) => {
  const query = 'window=15m&sev=critical&cat=drawdown,liquidity'
  await page.goto(`${monitor.pageUrl}?${query}`)
  await expectLive(page)
  // The dashboard chart (and its window buttons) draws once a snapshot arrives.
  const snapshot = samplePayload('dashboard', 1)
  monitor.backend.backend.emit('dashboard', snapshot.type, snapshot.data)
  const alerts = panel(page, PANEL_TITLES.alerts)
  const severity = alerts.getByRole('group', { name: 'Filter by severity' })
  const category = alerts.getByRole('group', { name: 'Filter by category' })
  const windows = page.getByRole('group', { name: 'Chart window' })
  const expectView = async () => {
    await expect(severity.getByRole('button', { name: /Critical/ })).toHaveAttribute(
      'aria-pressed',
      'true',
    )
    await expect(severity.getByRole('button', { name: /Warning/ })).toHaveAttribute(
      'aria-pressed',
      'false',
    )
    await expect(category.getByRole('button', { name: 'Drawdown' })).toHaveAttribute(
      'aria-pressed',
      'true',
    )
    await expect(category.getByRole('button', { name: 'Liquidity' })).toHaveAttribute(
      'aria-pressed',
      'true',
    )
  }
  await expect(windows.getByRole('button', { name: '15m' })).toHaveAttribute(
    'aria-pressed',
    'true',
    {
      timeout: SLOW,
    },
  )
  await expectView()

  // A fresh tab with only the copied link (nothing remembered): the same view.
  const copied = page.url()
  const other = await page.context().browser()!.newContext()
  const fresh = await other.newPage()
  await fresh.goto(copied)
  await expect(
    panel(fresh, PANEL_TITLES.alerts)
      .getByRole('group', { name: 'Filter by severity' })
      .getByRole('button', { name: /Critical/ }),
  ).toHaveAttribute('aria-pressed', 'true')
  await expect(
    panel(fresh, PANEL_TITLES.alerts)
      .getByRole('group', { name: 'Filter by category' })
      .getByRole('button', { name: 'Liquidity' }),
  ).toHaveAttribute('aria-pressed', 'true')
  await other.close()

  await page.reload()
  await expectView()

  // A change is a new history entry: back undoes it, forward redoes it.
  await severity.getByRole('button', { name: /Warning/ }).click()
  await expect(page).toHaveURL(/sev=warning%2Ccritical|sev=warning,critical/)
  await page.goBack()
  await expect(severity.getByRole('button', { name: /Warning/ })).toHaveAttribute(
    'aria-pressed',
    'false',
  )
  await expect(page).toHaveURL(/sev=critical(&|$)/)
  await page.goForward()
  await expect(severity.getByRole('button', { name: /Warning/ })).toHaveAttribute(
    'aria-pressed',
    'true',
  )
})

test('keyboard: p pauses and resumes, d opens diagnostics, a acknowledges the focused alert, ? lists every shortcut', async ({
  page,
  monitor,
}) => {
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  const alert: RiskAlert = {
    alert_id: 'k-1',
    timestamp: new Date().toISOString(),
    severity: 'critical',
    category: 'exposure',
    symbol: '600519.SH',
    message: 'Gross exposure 131% above target 90%',
  }
  monitor.backend.backend.emit('alerts', 'risk_alert', alert)
  const row = panel(page, PANEL_TITLES.alerts)
    .getByRole('listitem')
    .filter({ hasText: 'Gross exposure' })
  await expect(row).toBeVisible({ timeout: SLOW })

  await page.keyboard.press('p')
  await expect(page.getByTestId('paused-note')).toBeVisible()
  await expect(page).toHaveURL(/paused=1/)
  // Paused is part of the view: a reload keeps it.
  await page.reload()
  await expect(page.getByTestId('paused-note')).toBeVisible()
  await page.keyboard.press('p')
  await expect(page.getByTestId('paused-note')).toBeHidden()
  await expect(row).toBeVisible({ timeout: SLOW })

  await page.keyboard.press('d')
  await expect(page.locator('#diagnostics')).toBeVisible()
  await page.keyboard.press('d')
  await expect(page.locator('#diagnostics')).toBeHidden()

  // Focus the alert's Ack button as a keyboard user would reach it, then press a.
  await row.getByRole('button', { name: /^Ack/ }).focus()
  await expect(row.getByRole('button', { name: /^Ack/ })).toBeFocused()
  await page.keyboard.press('a')
  await expect(row).toContainText('✓ acknowledged')

  await page.keyboard.press('?')
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(help).toBeVisible()
  for (const key of ['p', 'd', 'a', '?']) {
    const exact = new RegExp(`^${key.replace(/[?]/g, '\\$&')}$`)
    await expect(help.locator('kbd', { hasText: exact })).toHaveCount(1)
  }
  await page.keyboard.press('Escape')
  await expect(help).toBeHidden()
})

test('each view change is one history entry; back and forward walk them both ways, twice', async ({
  page,
  monitor,
}) => {
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  const snapshot = samplePayload('dashboard', 1)
  const data = snapshot.data as { indices: { symbol: string; name: string }[] }
  data.indices = [
    { ...data.indices[0]!, symbol: '000001.SH', name: 'SSE Composite' },
    { ...data.indices[0]!, symbol: 'HSI', name: 'Hang Seng' },
  ]
  monitor.backend.backend.emit('dashboard', snapshot.type, data)
  const windows = page.getByRole('group', { name: 'Chart window' })
  const index = page.getByRole('combobox', { name: 'Index' })
  const critical = panel(page, PANEL_TITLES.alerts)
    .getByRole('group', { name: 'Filter by severity' })
    .getByRole('button', { name: /Critical/ })
  await expect(index).toBeVisible({ timeout: SLOW })
  await expect(page).toHaveURL(/\?window=5m$/)

  /** What the page shows and the URL says, for each step. */
  const steps = [
    { query: /\?window=5m$/, window: '5m', index: '000001.SH', critical: 'false' },
    { query: /\?window=5m&index=HSI$/, window: '5m', index: 'HSI', critical: 'false' },
    { query: /\?window=1h&index=HSI$/, window: '1h', index: 'HSI', critical: 'false' },
    { query: /\?window=1h&index=HSI&sev=critical$/, window: '1h', index: 'HSI', critical: 'true' },
    {
      query: /\?window=1h&index=000001\.SH&sev=critical$/,
      window: '1h',
      index: '000001.SH',
      critical: 'true',
    },
  ]
  const expectStep = async (i: number) => {
    const step = steps[i]!
    await expect(page).toHaveURL(step.query)
    await expect(windows.getByRole('button', { name: step.window, exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    )
    await expect(index).toHaveValue(step.index)
    await expect(critical).toHaveAttribute('aria-pressed', step.critical)
  }
  const historyLength = () => page.evaluate(() => history.length)
  const start = await historyLength()

  await index.selectOption('HSI')
  await expectStep(1)
  await windows.getByRole('button', { name: '1h' }).click()
  await expectStep(2)
  await critical.click()
  await expectStep(3)
  await index.selectOption('000001.SH')
  await expectStep(4)
  const length = await historyLength()
  expect(length).toBe(start + 4)

  for (let round = 0; round < 2; round += 1) {
    for (let i = steps.length - 2; i >= 0; i -= 1) {
      await page.goBack()
      await expectStep(i)
    }
    for (let i = 1; i < steps.length; i += 1) {
      await page.goForward()
      await expectStep(i)
    }
    expect(await historyLength()).toBe(length)
  }
})

test('a keyboard-only pass acknowledges five alerts in a row: focus stays in the list', async ({
  page,
  monitor,
}) => {
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  const alerts = panel(page, PANEL_TITLES.alerts)
  const list = alerts.getByRole('list', { name: 'Alerts, newest first' })
  // Criticals: an acknowledged one moves below the unacknowledged ones, so the rows reorder too.
  for (let i = 1; i <= 5; i += 1) {
    const alert: RiskAlert = {
      alert_id: `kb-${i}`,
      timestamp: new Date(Date.now() + i).toISOString(),
      severity: 'critical',
      category: 'exposure',
      symbol: `KB${i}`,
      message: `Keyboard pass alert ${i}`,
    }
    monitor.backend.backend.emit('alerts', 'risk_alert', alert)
  }
  await expect(list.getByRole('listitem')).toHaveCount(5, { timeout: SLOW })
  await expect(alerts.getByTestId('count-critical')).toContainText(/5\s*unacked \/ 5/)

  await alerts.getByLabel('Alert list, scrollable').focus()
  await page.keyboard.press('ArrowDown')
  const focusedRow = list.locator('li[data-alert-id]:focus')
  await expect(focusedRow).toHaveCount(1)
  for (let acked = 1; acked <= 5; acked += 1) {
    await page.keyboard.press('a')
    await expect(alerts.getByTestId('count-critical')).toContainText(
      new RegExp(`${5 - acked}\\s*unacked / 5`),
    )
    // Focus is on a row of the list, never dropped to the page.
    await expect(focusedRow).toHaveCount(1)
  }
  await expect(list.getByRole('listitem').filter({ hasText: '✓ acknowledged' })).toHaveCount(5)
  // The next ↓ still moves within the list.
  await page.keyboard.press('ArrowDown')
  await expect(focusedRow).toHaveCount(1)
})

test('Esc closes the top-most layer only: the shortcut help, then the diagnostics drawer', async ({
  page,
  monitor,
}) => {
  await page.goto(monitor.pageUrl)
  await expectLive(page)
  await page.keyboard.press('d')
  const drawer = page.locator('#diagnostics')
  await expect(drawer).toBeVisible()
  await page.keyboard.press('?')
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(help).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(help).toBeHidden()
  await expect(drawer).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
})
