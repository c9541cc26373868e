// What the browser tests read from the page (what a person sees, plus the debug hook) and the events they emit.
import { expect, type Locator, type Page } from '@playwright/test'
import type { Backend } from '../../server/backend.ts'
import { CHANNELS, type Channel } from '../../src/protocol/contract.ts'
import { samplePayload } from '../support/clientHarness.ts'

/** Waits for conditions that hang on reconnects and backoff: generous, so a loaded machine does not flake. */
export const SLOW = 20_000

export type IdsByChannel = Record<Channel, string[]>

export function emptyIds(): IdsByChannel {
  return { dashboard: [], alerts: [], training: [], backtest: [] }
}

/** The header's overall connection state ("Connection: live", "Connection: reconnecting in 2 s"…). */
export function overallState(page: Page): Locator {
  return page.getByRole('banner').getByRole('status')
}

/** A channel's panel, by its visible title. */
export function panel(page: Page, title: string): Locator {
  return page.getByRole('region', { name: title })
}

export const PANEL_TITLES: Record<Channel, string> = {
  dashboard: 'Market & portfolio',
  alerts: 'Risk alerts',
  training: 'Model training',
  backtest: 'Backtests',
}

export async function expectLive(page: Page, timeout = SLOW): Promise<void> {
  await expect(overallState(page)).toHaveText(/^Connection:\s*live$/, { timeout })
}

/** Event ids the page applied to its stores, per channel, in order (from the debug hook). */
export async function appliedIds(page: Page): Promise<IdsByChannel> {
  const applied = await page.evaluate(() => window.__rtm?.applied ?? {})
  const ids = emptyIds()
  for (const channel of CHANNELS) ids[channel] = [...(applied[channel] ?? [])]
  return ids
}

/** Emits valid, numbered events straight into the backend and remembers their ids per channel. */
export class EventLog {
  readonly emitted: IdsByChannel = emptyIds()
  private n = 0

  constructor(private readonly backend: Backend) {}

  emit(channel: Channel): string {
    const { type, data } = samplePayload(channel, ++this.n)
    const id = this.backend.emit(channel, type, data)
    this.emitted[channel].push(id)
    return id
  }

  /** `count` events on every channel, interleaved as a live backend would send them. */
  round(count = 1): void {
    for (let i = 0; i < count; i++) for (const channel of CHANNELS) this.emit(channel)
  }

  /** Every id emitted so far, as a fresh copy. */
  snapshot(): IdsByChannel {
    const copy = emptyIds()
    for (const channel of CHANNELS) copy[channel] = [...this.emitted[channel]]
    return copy
  }
}

/** Ids in `all` that come after the ids in `before`, per channel. */
export function after(all: IdsByChannel, before: IdsByChannel): IdsByChannel {
  const rest = emptyIds()
  for (const channel of CHANNELS) rest[channel] = all[channel].slice(before[channel].length)
  return rest
}

/**
 * Each page applied exactly `expected` (default: everything emitted): same ids, same order, none
 * twice. A closing event per channel goes out first, so a late repeat of an older event, which the
 * stream would deliver before it, cannot slip in after the check.
 */
export async function expectAppliedExactly(
  pages: Page | Page[],
  log: EventLog,
  expected: (emitted: IdsByChannel) => IdsByChannel = (emitted) => emitted,
): Promise<void> {
  log.round(1)
  const want = expected(log.snapshot())
  for (const page of Array.isArray(pages) ? pages : [pages]) {
    await expect
      .poll(() => appliedIds(page), {
        timeout: SLOW,
        message: 'ids applied by the page vs ids emitted',
      })
      .toEqual(want)
  }
}

interface SeenState {
  at: number
  text: string
}

declare global {
  interface Window {
    __e2eOverall?: SeenState[]
  }
}

/**
 * Records every text the header's connection state shows, as it is drawn, so short-lived states
 * (stale for half a second) and the order of states can be checked afterwards. Call before goto.
 */
export async function recordOverallStates(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: SeenState[] = []
    window.__e2eOverall = seen
    const read = () => {
      const text = document
        .querySelector('header [role="status"]')
        ?.textContent?.replace(/\s+/g, ' ')
        .trim()
      if (text && seen[seen.length - 1]?.text !== text) seen.push({ at: Date.now(), text })
    }
    new MutationObserver(read).observe(document, {
      subtree: true,
      childList: true,
      characterData: true,
    })
  })
}

/** The header states drawn so far, oldest first. */
export async function overallStates(page: Page): Promise<SeenState[]> {
  return page.evaluate(() => [...(window.__e2eOverall ?? [])])
}

/** Samples `read` every `everyMs` for `forMs` and returns every value seen (for "stays at" checks). */
export async function sample<T>(
  read: () => T | Promise<T>,
  forMs: number,
  everyMs = 200,
): Promise<T[]> {
  const values: T[] = []
  const until = Date.now() + forMs
  while (Date.now() < until) {
    values.push(await read())
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return values
}

/**
 * Progress reports of one backtest over 30 simulated days, ending completed with metrics (so it
 * joins the comparison table); `growth` is its total return.
 */
export function emitCompletedBacktest(
  backend: Backend,
  id: string,
  strategy: string,
  growth: number,
): void {
  const start = Date.parse('2021-01-04T00:00:00Z')
  for (let day = 0; day <= 30; day += 1) {
    const done = day === 30
    backend.emit('backtest', 'backtest_progress', {
      backtest_id: id,
      strategy,
      timestamp: new Date().toISOString(),
      status: done ? 'completed' : 'running',
      progress: day / 30,
      current_date: new Date(start + day * 86_400_000).toISOString().slice(0, 10),
      equity: 1_000_000 * (1 + growth * (day / 30) + 0.01 * Math.sin(day)),
      benchmark_equity: 1_000_000 * (1 + 0.05 * (day / 30)),
      drawdown: 0.02 + 0.01 * Math.abs(Math.sin(day)),
      trades: day * 7,
      ...(done
        ? {
            metrics: {
              total_return: growth,
              annual_return: growth * 1.4,
              sharpe: 0.8 + growth * 4,
              max_drawdown: 0.04 + growth / 10,
              win_rate: 0.48 + growth / 5,
            },
          }
        : {}),
    })
  }
}
