import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import AlertsPanel from '@/components/AlertsPanel.vue'
import { useAlertsStore } from '@/stores/alertsStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { alertEvent, channelStatus, OPEN } from './factories'
import { captureDownloads } from './downloads'
import { freshPinia, mountWith } from './mountPage'

let pinia: ReturnType<typeof freshPinia>
// Each mounted panel holds a BroadcastChannel and timers: unmount it, or it hears the next test.
enableAutoUnmount(afterEach)
beforeEach(() => {
  pinia = freshPinia()
  useConnectionStore().setStatus('alerts', channelStatus('alerts', OPEN))
})
afterEach(() => {
  document.body.innerHTML = ''
})

function add(...events: ReturnType<typeof alertEvent>[]) {
  const store = useAlertsStore()
  for (const event of events) store.apply(event)
  store.commit()
}

/** Mounts the panel and lets the virtual list measure and draw its first window. */
async function mountPanel() {
  const wrapper = mountWith(AlertsPanel, pinia)
  await flushPromises()
  return wrapper
}

function rows(wrapper: ReturnType<typeof mountWith>) {
  return wrapper.findAll('li.alert')
}

/** Scrolls the alert list as a reader would (jsdom keeps no layout, so scrollTop is set by hand). */
async function scrollList(wrapper: ReturnType<typeof mountWith>, top: number) {
  await flushPromises() // the scroll listener attaches after the first render
  const list = wrapper.get('.alerts-scroll').element as HTMLElement
  Object.defineProperty(list, 'scrollTop', { configurable: true, writable: true, value: top })
  list.dispatchEvent(new Event('scroll'))
  await flushPromises()
}

describe('AlertsPanel', () => {
  it('says that no alerts have arrived yet', async () => {
    const wrapper = await mountPanel()
    expect(wrapper.text()).toContain('No events yet')
    expect(wrapper.text()).toContain('Risk alerts appear here as they fire')
  })

  it('lists alerts newest first with severity icon and word', async () => {
    add(
      alertEvent('a-1', 1, { severity: 'info', message: 'older' }),
      alertEvent('a-2', 5, { severity: 'critical', message: 'newest' }),
      alertEvent('a-3', 3, { severity: 'warning', message: 'middle' }),
    )
    const wrapper = await mountPanel()
    const shown = rows(wrapper)
    expect(shown.map((row) => row.get('.alert__message').text())).toEqual([
      'newest',
      'middle',
      'older',
    ])
    expect(shown[0]?.get('.alert__sev').text()).toMatch(/^✖\s*Critical$/)
    expect(shown[1]?.get('.alert__sev').text()).toMatch(/^⚠\s*Warning$/)
    expect(shown[2]?.get('.alert__sev').text()).toMatch(/^ℹ\s*Info$/)
  })

  it('renders a message holding HTML as text', async () => {
    add(alertEvent('x', 1, { message: '<img src=x onerror=alert(1)>' }))
    const wrapper = await mountPanel()
    expect(wrapper.find('img').exists()).toBe(false)
    expect(document.querySelector('img')).toBeNull()
    expect(wrapper.get('.alert__message').text()).toBe('<img src=x onerror=alert(1)>')
  })

  it('acknowledging marks the alert and drops it from the unread critical count and the title', async () => {
    add(alertEvent('c-1', 1, { severity: 'critical', message: 'limit breached' }))
    const wrapper = await mountPanel()
    expect(wrapper.get('[data-testid="count-critical"]').text()).toMatch(
      /1\s*unacked \/ 1\s*critical/,
    )
    expect(document.title).toBe('(1) critical · Realtime Monitor')
    await wrapper.get('li.alert').get('button[data-testid="ack"]').trigger('click')
    expect(wrapper.get('li.alert').text()).toContain('✓ acknowledged')
    expect(
      wrapper
        .get('li.alert')
        .findAll('button')
        .map((b) => b.text()),
    ).not.toContain('Ack')
    expect(wrapper.get('[data-testid="count-critical"]').text()).toMatch(
      /0\s*unacked \/ 1\s*critical/,
    )
    // The title changes at most every TITLE_EVERY_MS (500 ms): the new count lands by then.
    await vi.waitFor(() => expect(document.title).toBe('Realtime Monitor'))
  })

  it('snoozing hides the alert and lists it under "snoozed"', async () => {
    add(alertEvent('a-1', 1, { message: 'first' }), alertEvent('a-2', 2, { message: 'second' }))
    const wrapper = await mountPanel()
    await wrapper.get('button[aria-label="15 min snooze: second"]').trigger('click')
    expect(rows(wrapper).map((row) => row.get('.alert__message').text())).toEqual(['first'])
    expect(wrapper.text()).toContain('1 snoozed')
    await wrapper.get('button[aria-label="1 h snooze: first"]').trigger('click')
    expect(rows(wrapper)).toHaveLength(0)
    expect(wrapper.text()).toContain('2 snoozed')
  })

  it('filters by severity and by category', async () => {
    add(
      alertEvent('a-1', 1, { severity: 'info', category: 'drawdown', message: 'info drawdown' }),
      alertEvent('a-2', 2, {
        severity: 'critical',
        category: 'exposure',
        message: 'critical exposure',
      }),
      alertEvent('a-3', 3, {
        severity: 'critical',
        category: 'drawdown',
        message: 'critical drawdown',
      }),
    )
    const wrapper = await mountPanel()
    const severity = wrapper.get('[aria-label="Filter by severity"]')
    const critical = severity.findAll('button').find((b) => b.text().includes('Critical'))
    await critical?.trigger('click')
    expect(critical?.attributes('aria-pressed')).toBe('true')
    expect(rows(wrapper).map((r) => r.get('.alert__message').text())).toEqual([
      'critical drawdown',
      'critical exposure',
    ])
    const category = wrapper.get('[aria-label="Filter by category"]')
    await category
      .findAll('button')
      .find((b) => b.text() === 'Drawdown')
      ?.trigger('click')
    expect(rows(wrapper).map((r) => r.get('.alert__message').text())).toEqual(['critical drawdown'])
    expect(wrapper.text()).toContain('2 hidden by the filters')
  })

  it('holds new alerts behind "N new" while scrolled down; the marker shows them', async () => {
    add(alertEvent('a-1', 1, { message: 'first' }))
    const wrapper = await mountPanel()
    await scrollList(wrapper, 200)
    add(alertEvent('a-2', 2, { message: 'second' }), alertEvent('a-3', 3, { message: 'third' }))
    await flushPromises()
    expect(rows(wrapper).map((r) => r.get('.alert__message').text())).toEqual(['first'])
    const marker = wrapper.get('[data-testid="new-marker"]')
    expect(marker.text()).toBe('↑ 2 new')
    await marker.trigger('click')
    expect(rows(wrapper).map((r) => r.get('.alert__message').text())).toEqual([
      'third',
      'second',
      'first',
    ])
    expect(wrapper.find('[data-testid="new-marker"]').exists()).toBe(false)
  })

  it('flows new alerts in again once back at the top', async () => {
    add(alertEvent('a-1', 1, { message: 'first' }))
    const wrapper = await mountPanel()
    await scrollList(wrapper, 200)
    add(alertEvent('a-2', 2, { message: 'second' }))
    await flushPromises()
    expect(rows(wrapper)).toHaveLength(1)
    await scrollList(wrapper, 0)
    expect(rows(wrapper)).toHaveLength(2)
  })

  it('announces critical alerts in an aria-live region', async () => {
    add(alertEvent('c-9', 1, { severity: 'critical', message: 'Margin call' }))
    const wrapper = await mountPanel()
    const live = wrapper.get('[data-testid="critical-live"]')
    expect(live.attributes('aria-live')).toBe('assertive')
    expect(live.text()).toBe('Critical alert: Margin call')
  })

  it('announces a second critical alert with the same text again: live region and notification', async () => {
    const shown: NotificationOptions[] = []
    class FakeNotification {
      static permission: NotificationPermission = 'granted'
      constructor(_title: string, options: NotificationOptions) {
        shown.push(options)
      }
    }
    vi.stubGlobal('Notification', FakeNotification)
    try {
      const store = useAlertsStore()
      store.notifyDesktop = true
      const wrapper = await mountPanel()
      const live = () => wrapper.get('[data-testid="critical-live"] span')
      add(alertEvent('c-1', 1, { severity: 'critical', message: 'Margin call' }))
      await flushPromises()
      const first = live().element
      expect(live().text()).toBe('Critical alert: Margin call')
      add(alertEvent('c-2', 2, { severity: 'critical', message: 'Margin call' }))
      await flushPromises()
      // Same words in a new node: screen readers read an added node, not an unchanged text.
      expect(live().text()).toBe('Critical alert: Margin call')
      expect(live().element).not.toBe(first)
      expect(shown.map((options) => options.body)).toEqual([
        'Critical alert: Margin call',
        'Critical alert: Margin call',
      ])
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('is dimmed with "as of" when the alerts channel is offline', async () => {
    add(alertEvent('a-1', 1))
    useConnectionStore().setStatus(
      'alerts',
      channelStatus('alerts', { phase: 'offline' }, { lastEventAt: Date.now() - 30_000 }),
    )
    const wrapper = await mountPanel()
    expect(wrapper.find('.panel--dimmed').exists()).toBe(true)
    expect(wrapper.get('[data-testid="as-of"]').text()).toMatch(/^as of \d\d:\d\d:\d\d$/)
    expect(wrapper.text()).toContain('offline')
  })

  it('keeps the sound and notification settings in localStorage', async () => {
    const wrapper = await mountPanel()
    await wrapper.findAll('input[type="checkbox"]')[0]?.setValue(true)
    expect(JSON.parse(localStorage.getItem('rtm:alerts:settings') ?? '{}').soundCritical).toBe(true)
  })

  it('shows a repeat as one row with its count, first and last seen, and the latest value', async () => {
    add(
      alertEvent('a-1', 1, { symbol: 'X', value: 0.2 }),
      alertEvent('a-2', 30, { symbol: 'X', value: 0.3 }),
      alertEvent('a-1', 40, { symbol: 'X', value: 0.35 }),
    )
    const wrapper = await mountPanel()
    expect(rows(wrapper)).toHaveLength(1)
    const row = rows(wrapper)[0]!
    expect(row.get('[data-testid="alert-count"]').text()).toBe('×3')
    expect(row.text()).toMatch(/value 35\.0 %/)
    expect(row.text()).toMatch(/first \d\d:\d\d:\d\d · last \d\d:\d\d:\d\d/)
  })

  it('says on the row when the backend re-sent the same alert (same alert_id and time), without counting it', async () => {
    const copy = alertEvent('same', 5, { message: 'Sent five times' })
    add(...Array.from({ length: 5 }, () => ({ ...copy })))
    const wrapper = await mountPanel()
    expect(rows(wrapper)).toHaveLength(1)
    const row = rows(wrapper)[0]!
    expect(row.find('[data-testid="alert-count"]').exists()).toBe(false)
    expect(row.get('[data-testid="resent"]').text()).toBe('re-sent 4× by the backend')
    // Once more after the list is drawn: the row says so at once.
    add({ ...copy })
    await flushPromises()
    expect(rows(wrapper)[0]!.get('[data-testid="resent"]').text()).toBe('re-sent 5× by the backend')
  })

  it('gives the message the lines the row has room for, and "Show all" whenever it is cut', async () => {
    // jsdom lays nothing out: a row 136 px high whose details take 56 px, text 20 px a line at
    // 20 characters a line, as a ResizeObserver would report them.
    class FakeResizeObserver {
      constructor(private readonly callback: ResizeObserverCallback) {}
      observe(target: Element) {
        const size = [{ inlineSize: 350, blockSize: 500 }]
        const entry = {
          target,
          contentRect: { width: 350, height: 500 },
          contentBoxSize: size,
          borderBoxSize: size,
        }
        this.callback([entry as unknown as ResizeObserverEntry], this as unknown as ResizeObserver)
      }
      unobserve() {}
      disconnect() {}
    }
    vi.stubGlobal('ResizeObserver', FakeResizeObserver)
    const lineCount = (el: HTMLElement) => Number(el.style.getPropertyValue('--lines') || 2)
    const box = (el: HTMLElement, what: 'client' | 'scroll' | 'offset'): number => {
      if (el.matches('li.alert')) return 136
      if (el.matches('.alert__bottom')) return 56
      if (el.matches('.alert__text')) {
        const all = Math.ceil((el.textContent ?? '').trim().length / 20) * 20
        return what === 'scroll' ? all : Math.min(all, lineCount(el) * 20)
      }
      return 0
    }
    const restore = (['client', 'scroll', 'offset'] as const).map((what) => {
      const name = `${what}Height`
      const before = Object.getOwnPropertyDescriptor(HTMLElement.prototype, name)
      Object.defineProperty(HTMLElement.prototype, name, {
        configurable: true,
        get(this: HTMLElement) {
          return box(this, what)
        },
      })
      return () => {
        if (before) Object.defineProperty(HTMLElement.prototype, name, before)
        else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name]
      }
    })
    try {
      const cutShort =
        'Liquidity: 3 positions need more than 5 days of ADV to exit at 20 % participation today'
      add(
        alertEvent('fits', 1, { message: 'Exposure 131 % over target' }),
        alertEvent('cut', 2, { message: cutShort }),
      )
      const wrapper = await mountPanel()
      await flushPromises()
      const row = (id: string) => wrapper.get(`li[data-alert-id="${id}"]`)
      // 136 − 56 px leave 80 px: four lines, not two.
      expect(
        (row('cut').get('.alert__text').element as HTMLElement).style.getPropertyValue('--lines'),
      ).toBe('4')
      // Under 140 characters and still cut at four lines: the full text is offered.
      expect(cutShort.length).toBeLessThan(140)
      expect(row('cut').find('.alert__more').exists()).toBe(true)
      expect(row('fits').find('.alert__more').exists()).toBe(false)
    } finally {
      for (const undo of restore) undo()
      vi.unstubAllGlobals()
    }
  })

  it('folds a storm into one expandable line and keeps a lone critical of another category on top', async () => {
    const events = [
      alertEvent('crit', 0, { severity: 'critical', category: 'drawdown', message: 'Margin call' }),
    ]
    for (let i = 0; i < 23; i += 1) {
      events.push(alertEvent(`v${i}`, 1 + i * 0.2, { category: 'volatility', severity: 'warning' }))
    }
    add(...events)
    const wrapper = await mountPanel()
    const items = wrapper.findAll('ul.alerts > li')
    expect(items[0]?.get('.alert__message').text()).toBe('Margin call')
    const storm = wrapper.get('[data-testid="storm"]')
    expect(storm.text()).toContain('23 volatility alerts in 4 s')
    const toggle = storm.get('button[aria-expanded]')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    await flushPromises()
    expect(
      wrapper.get('[data-testid="storm"] button[aria-expanded]').attributes('aria-expanded'),
    ).toBe('true')
    expect(wrapper.findAll('li.alert--nested').length).toBeGreaterThan(0)
    // One click acknowledges the whole storm.
    await wrapper
      .get('[data-testid="storm"]')
      .findAll('button')
      .find((b) => b.text() === 'Ack 23')
      ?.trigger('click')
    expect(wrapper.get('[data-testid="count-warning"]').text()).toMatch(/0\s*unacked \/ 23/)
  })

  it('gives alert rows and storm lines their place in the list and the height they are drawn at', async () => {
    const events = [alertEvent('crit', 0, { severity: 'critical', category: 'drawdown' })]
    for (let i = 0; i < 23; i += 1) {
      events.push(alertEvent(`v${i}`, 1 + i * 0.2, { category: 'volatility', severity: 'warning' }))
    }
    add(...events)
    const wrapper = await mountPanel()
    const items = wrapper.findAll('ul.alerts > li')
    expect(items.map((li) => li.attributes('aria-posinset'))).toEqual(['1', '2'])
    expect(items.map((li) => li.attributes('aria-setsize'))).toEqual(['2', '2'])
    const rowHeights = items.map((li) =>
      (li.element as HTMLElement).style.getPropertyValue('--row-h'),
    )
    expect(rowHeights).toEqual(['92px', '56px'])
  })

  it('always shows counts by severity in the header, unacknowledged first', async () => {
    add(
      alertEvent('c', 1, { severity: 'critical' }),
      alertEvent('w', 2, { severity: 'warning' }),
      alertEvent('i', 3, { severity: 'info' }),
    )
    useAlertsStore().severityFilter = new Set(['info'])
    const wrapper = await mountPanel()
    const counts = wrapper.get('[data-testid="severity-counts"]')
    expect(counts.findAll('.sevcount').map((c) => c.text().replace(/\s+/g, ''))).toEqual([
      '✖1unacked/1critical',
      '⚠1unacked/1warning',
      'ℹ1unacked/1info',
    ])
  })

  it('draws only the rows in view: 500 alerts put a few dozen rows in the page', async () => {
    const events = []
    for (let i = 0; i < 500; i += 1) {
      events.push(alertEvent(`a${i}`, i * 30, { category: i % 2 ? 'exposure' : 'liquidity' }))
    }
    add(...events)
    const wrapper = await mountPanel()
    const scroller = wrapper.get('.alerts-scroll').element as HTMLElement
    // jsdom has no layout: give the list the height a browser would.
    Object.defineProperty(scroller, 'clientHeight', { configurable: true, value: 512 })
    scroller.dispatchEvent(new Event('scroll'))
    await flushPromises()
    const drawn = rows(wrapper)
    expect(drawn.length).toBeGreaterThan(5)
    expect(drawn.length).toBeLessThan(30)
    expect(drawn[0]?.attributes('aria-setsize')).toBe('500')
  })

  it('snoozes for 15 min, 1 h or 4 h', async () => {
    add(alertEvent('a-1', 1, { message: 'first' }))
    const wrapper = await mountPanel()
    const labels = rows(wrapper)[0]!
      .findAll('button')
      .map((b) => b.text())
    expect(labels).toEqual(['Ack', '15 min', '1 h', '4 h'])
    await wrapper.get('button[aria-label="4 h snooze: first"]').trigger('click')
    expect(rows(wrapper)).toHaveLength(0)
    expect(wrapper.text()).toContain('1 snoozed')
  })

  it('every button’s accessible name contains its visible text', async () => {
    add(alertEvent('a-1', 1, { message: 'first' }))
    const wrapper = await mountPanel()
    for (const button of wrapper.findAll('button')) {
      const label = button.attributes('aria-label')
      const text = button.text().replace(/\s+/g, ' ').trim()
      if (label)
        expect(label.toLowerCase()).toContain(text.replace(/^[^A-Za-z0-9]+/, '').toLowerCase())
    }
  })

  it('exports the rows with counts and ack state as CSV named with the channel and time', async () => {
    const downloads = captureDownloads()
    try {
      add(
        alertEvent('a-1', 1, { symbol: 'X' }),
        alertEvent('a-2', 2, { symbol: 'X', message: 'say "hi", ok' }),
      )
      useAlertsStore().acknowledge('a-1')
      const wrapper = await mountPanel()
      await wrapper
        .findAll('button')
        .find((b) => b.text() === 'Export CSV')
        ?.trigger('click')
      expect(downloads.names[0]).toMatch(/^alerts-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.csv$/)
      const text = await downloads.text(0)
      const lines = text.trim().split('\r\n')
      expect(lines[0]).toContain('count')
      expect(lines[1]).toContain('"say ""hi"", ok"')
      expect(lines[1]).toMatch(/,2,.*,acknowledged,/)
    } finally {
      downloads.restore()
    }
  })

  it('defuses formulas in the CSV behind leading spaces and in full-width forms too', async () => {
    const downloads = captureDownloads()
    try {
      const messages = [
        ' =HYPERLINK("x")',
        '\u3000+1+1',
        '\t-2',
        ' @SUM(A1)',
        '＝1+1',
        '＠cmd',
        'plain',
      ]
      add(...messages.map((message, i) => alertEvent(`f-${i}`, i, { message })))
      const wrapper = await mountPanel()
      await wrapper
        .findAll('button')
        .find((b) => b.text() === 'Export CSV')
        ?.trigger('click')
      const text = await downloads.text(0)
      const fields = text
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line) => line.match(/^[^,]*,[^,]*,[^,]*,[^,]*,("(?:[^"]|"")*"|[^,]*)/)?.[1])
      expect(fields.sort()).toEqual(
        [
          `"' =HYPERLINK(""x"")"`,
          "'\u3000+1+1",
          "'\t-2",
          "' @SUM(A1)",
          "'＝1+1",
          "'＠cmd",
          'plain',
        ].sort(),
      )
    } finally {
      downloads.restore()
    }
  })

  it('speaks once per browser: only the tab holding the voice lock notifies and beeps', async () => {
    const shown: string[] = []
    class FakeNotification {
      static permission: NotificationPermission = 'granted'
      constructor(_title: string, options: NotificationOptions) {
        shown.push(options.body ?? '')
      }
    }
    // A Web Locks stand-in: the first tab to ask holds the lock; the others wait.
    let held = false
    const locks = {
      request: (_name: string, _options: object, grant: () => Promise<void>) => {
        if (held) return new Promise(() => undefined)
        held = true
        return grant()
      },
    }
    vi.stubGlobal('Notification', FakeNotification)
    vi.stubGlobal('navigator', { ...navigator, locks })
    try {
      const store = useAlertsStore()
      store.notifyDesktop = true
      // Two "tabs" of one browser (one store here, each panel with its own voice and channel).
      await mountPanel()
      await mountPanel()
      add(alertEvent('c-1', 1, { severity: 'critical', message: 'Margin call' }))
      await flushPromises()
      // Asserting that no second voice comes: give the BroadcastChannel a moment to deliver to the other tab.
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(shown).toEqual(['Critical alert: Margin call'])
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
