// One build, many deploys: two config.json files, a sub-path, deep links without rewrites, strict CSP.
import { execFileSync } from 'node:child_process'
import { expect, test, type Page } from '@playwright/test'
import { serveDist, startMonitor } from './fixtures'
import { startDevBackend } from '../support/devBackend'

const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' http://127.0.0.1:*; img-src 'self' data:; object-src 'none'; base-uri 'self'"

/** Waits until the page applied at least one event of `channel` (window.__rtm, config.debug). */
async function appliedCount(page: Page, channel: string): Promise<number> {
  return page.evaluate((c) => window.__rtm?.applied[c]?.length ?? 0, channel)
}

test('the same dist/ works behind two different config.json files', async ({ browser }) => {
  const a = await startMonitor({ rates: { dashboard: 10 } })
  const b = await startMonitor({ rates: { dashboard: 10 } })
  try {
    for (const setup of [a, b]) {
      const page = await browser.newPage()
      await page.goto(setup.pageUrl)
      await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
      // The page talks to the backend its config.json names, and only to it.
      await expect.poll(() => setup.backend.backend.stats().streamConnections).toBe(1)
      await page.close()
    }
    expect(a.backend.url).not.toBe(b.backend.url)
  } finally {
    for (const setup of [a, b]) {
      await setup.site.close()
      await setup.backend.close()
    }
  }
})

test('a build for a sub-path serves the app, its assets and deep links under /monitor/', async ({ browser }) => {
  execFileSync('npx', ['vite', 'build', '--outDir', 'test-results/dist-monitor', '--emptyOutDir', '--logLevel', 'warn'], {
    env: { ...process.env, BASE_PATH: '/monitor/' },
    stdio: 'inherit',
  })
  const backend = await startDevBackend({ dev: true, rates: { dashboard: 10 } })
  const site = await serveDist({
    root: 'test-results/dist-monitor',
    base: '/monitor/',
    configJson: { apiBaseUrl: backend.url, debug: true },
  })
  try {
    const page = await browser.newPage()
    const failed: string[] = []
    page.on('response', (response) => response.status() >= 400 && failed.push(response.url()))
    await page.goto(`${site.url}/monitor/market/realtime`)
    await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
    expect(new URL(page.url()).pathname).toBe('/monitor/market/realtime')
    await page.goto(`${site.url}/monitor/`)
    await expect.poll(() => new URL(page.url()).pathname).toBe('/monitor/market/realtime')
    expect(failed).toEqual([])
  } finally {
    await site.close()
    await backend.close()
  }
})

test('a deep link reload works on a host without rewrite rules (404.html)', async ({ browser }) => {
  const setup = await startMonitor({ rates: { dashboard: 10 } }, {}, { fallback: '404' })
  try {
    const page = await browser.newPage()
    const response = await page.goto(setup.pageUrl)
    expect(response?.status()).toBe(404)
    await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
    await page.reload()
    await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
  } finally {
    await setup.site.close()
    await setup.backend.close()
  }
})

test('the built app runs under a strict Content-Security-Policy', async ({ browser }) => {
  const setup = await startMonitor({ rates: { dashboard: 10, alerts: 5 } }, {}, { csp: STRICT_CSP })
  try {
    const page = await browser.newPage()
    const violations: string[] = []
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text())
    })
    await page.addInitScript(() => {
      const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = [])
      document.addEventListener('securitypolicyviolation', (event) => seen.push(event.violatedDirective))
    })
    const response = await page.goto(setup.pageUrl)
    expect(response?.headers()['content-security-policy']).toBe(STRICT_CSP)
    await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
    await expect.poll(() => appliedCount(page, 'alerts')).toBeGreaterThan(0)
    await page.waitForTimeout(1000)
    expect(violations).toEqual([])
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([])
  } finally {
    await setup.site.close()
    await setup.backend.close()
  }
})

test('with workers blocked by CSP (worker-src none) the engine runs in the page, and the page works', async ({
  browser,
}) => {
  const csp = `${STRICT_CSP}; worker-src 'none'`
  const setup = await startMonitor({ rates: { dashboard: 10, alerts: 5 } }, {}, { csp })
  try {
    const page = await browser.newPage()
    await page.goto(setup.pageUrl)
    await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
    await expect.poll(() => appliedCount(page, 'alerts')).toBeGreaterThan(0)
    expect(await page.evaluate(() => window.__rtm?.engine?.())).toEqual({ host: 'page', tabs: 1 })
    await expect(page.getByRole('banner').getByRole('status')).toContainText('live')
    await expect.poll(() => setup.backend.backend.stats().streamConnections).toBe(1)
  } finally {
    await setup.site.close()
    await setup.backend.close()
  }
})

test('code that did not load shows an error screen that says to reload, and a reload brings the page back', async ({ browser }) => {
  const setup = await startMonitor({ rates: { dashboard: 10 } })
  try {
    const page = await browser.newPage()
    // The page's own chunk fails, as when the network drops or a redeploy replaced it meanwhile.
    const chunk = /\/assets\/realtimePage-[^/]*\.js$/
    let refused = 0
    await page.route(chunk, (route) => {
      refused += 1
      return route.abort()
    })
    await page.goto(setup.pageUrl)
    await expect(page.getByRole('alert')).toContainText('cannot start')
    await expect(page.getByRole('alert')).toContainText('did not load')
    expect(refused).toBeGreaterThan(0)
    await page.unroute(chunk)
    await expect(page.getByRole('alert')).toContainText('reload the page')
    await page.reload()
    await expect(page.getByTestId('kpi-equity')).toBeVisible()
    await expect.poll(() => appliedCount(page, 'dashboard')).toBeGreaterThan(0)
  } finally {
    await setup.site.close()
    await setup.backend.close()
  }
})

test('a malformed config.json shows an error screen that says what to fix', async ({ browser }) => {
  const site = await serveDist({ configJson: { apiBaseUrl: 'localhost:8000' } })
  try {
    const page = await browser.newPage()
    await page.goto(`${site.url}/market/realtime`)
    await expect(page.getByRole('alert')).toContainText('cannot start')
    await expect(page.getByRole('alert')).toContainText('apiBaseUrl')
  } finally {
    await site.close()
  }
})
