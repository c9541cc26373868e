// axe-core on the live page, light and dark, with every panel filled (three completed backtests
// compared), the shortcut help and the diagnostics drawer open in turn: no violation, label-in-name included.
import { createRequire } from 'node:module'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import { PANEL_TITLES, SLOW, emitCompletedBacktest, expectLive, panel } from './monitorPage.ts'

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

interface AxeNode {
  target: string[]
  failureSummary?: string
}
interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: AxeNode[]
}

declare global {
  interface Window {
    axe?: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> }
  }
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE_PATH })
  const violations = await page.evaluate(async () => {
    const result = await window.axe!.run(document, {
      // WCAG 2.5.3 "label in name" is marked experimental in axe and off by default: turn it on.
      rules: { 'label-content-name-mismatch': { enabled: true } },
      resultTypes: ['violations'],
    })
    return result.violations
  })
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} element(s), e.g. ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  )
}

test.use({ backendOptions: { rates: { dashboard: 4, alerts: 6, training: 8, backtest: 8 } } })

for (const theme of ['light', 'dark'] as const) {
  test(`axe finds no violation on the live page (${theme})`, async ({ page, monitor }) => {
    test.setTimeout(90_000)
    await page.addInitScript((value) => localStorage.setItem('rtm:theme', value), theme)
    await page.emulateMedia({ colorScheme: theme })
    await page.goto(monitor.pageUrl)
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
    await expectLive(page)
    await expect(panel(page, PANEL_TITLES.dashboard).getByTestId('kpi-equity')).toBeVisible({
      timeout: SLOW,
    })
    await expect(panel(page, PANEL_TITLES.alerts).getByRole('listitem').nth(3)).toBeVisible({
      timeout: SLOW,
    })
    await expect(panel(page, PANEL_TITLES.training).getByRole('article').first()).toBeVisible({
      timeout: SLOW,
    })
    await expect(panel(page, PANEL_TITLES.backtest).getByRole('article').first()).toBeVisible({
      timeout: SLOW,
    })
    // Freeze the data so the page does not change under the audit.
    monitor.backend.backend.setRates({ dashboard: 0, alerts: 0, training: 0, backtest: 0 })
    // Three completed backtests: the comparison table is on the page too.
    const strategies = ['mean-reversion-20d', 'momentum-12-1', 'pairs-trading-banks-v2']
    strategies.forEach((strategy, i) =>
      emitCompletedBacktest(monitor.backend.backend, `axe-bt-${i}`, strategy, 0.05 + i * 0.04),
    )
    await expect(panel(page, PANEL_TITLES.backtest).getByTestId('backtest-compare')).toContainText(
      'pairs-trading-banks-v2',
      { timeout: SLOW },
    )
    await expect(page.getByText('loading chart…')).toHaveCount(0, { timeout: SLOW })
    expect(await axeViolations(page)).toEqual([])

    // The shortcut help alone, then the diagnostics drawer alone (Esc closes the help only).
    await page.keyboard.press('?')
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
    await expect(help).toBeVisible()
    expect(await axeViolations(page)).toEqual([])
    await page.keyboard.press('Escape')
    await expect(help).toBeHidden()
    await page.keyboard.press('d')
    await expect(page.locator('#diagnostics')).toBeVisible()
    expect(await axeViolations(page)).toEqual([])
    await page.keyboard.press('d')
    await expect(page.locator('#diagnostics')).toBeHidden()

    // The diagnostics drawer and the shortcut help are part of the page too.
    await page.keyboard.press('d')
    await expect(page.locator('#diagnostics')).toBeVisible()
    await page.keyboard.press('?')
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible()
    expect(await axeViolations(page)).toEqual([])
  })
}
