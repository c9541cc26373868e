import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import AlertsPanel from '@/components/AlertsPanel.vue'
import { useAlertsStore } from '@/stores/alertsStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { alertEvent, channelStatus, OPEN } from './factories'
import { freshPinia, mountWith } from './mountPage'

let pinia: ReturnType<typeof freshPinia>
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

function rows(wrapper: ReturnType<typeof mountWith>) {
  return wrapper.findAll('li.alert')
}

/** Scrolls the alert list as a reader would (jsdom keeps no layout, so scrollTop is set by hand). */
async function scrollList(wrapper: ReturnType<typeof mountWith>, top: number) {
  await flushPromises() // the scroll listener attaches after the first render
  const list = wrapper.get('ul.alerts').element as HTMLElement
  Object.defineProperty(list, 'scrollTop', { configurable: true, writable: true, value: top })
  list.dispatchEvent(new Event('scroll'))
  await flushPromises()
}

describe('AlertsPanel', () => {
  it('says that no alerts have arrived yet', () => {
    const wrapper = mountWith(AlertsPanel, pinia)
    expect(wrapper.text()).toContain('No alerts yet')
  })

  it('lists alerts newest first with severity icon and word', () => {
    add(
      alertEvent('a-1', 1, { severity: 'info', message: 'older' }),
      alertEvent('a-2', 5, { severity: 'critical', message: 'newest' }),
      alertEvent('a-3', 3, { severity: 'warning', message: 'middle' }),
    )
    const wrapper = mountWith(AlertsPanel, pinia)
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

  it('renders a message holding HTML as text', () => {
    add(alertEvent('x', 1, { message: '<img src=x onerror=alert(1)>' }))
    const wrapper = mountWith(AlertsPanel, pinia)
    expect(wrapper.find('img').exists()).toBe(false)
    expect(document.querySelector('img')).toBeNull()
    expect(wrapper.get('.alert__message').text()).toBe('<img src=x onerror=alert(1)>')
  })

  it('acknowledging marks the alert and drops it from the unread critical count and the title', async () => {
    add(alertEvent('c-1', 1, { severity: 'critical', message: 'limit breached' }))
    const wrapper = mountWith(AlertsPanel, pinia)
    expect(wrapper.get('[data-testid="unread-critical"]').text()).toContain('1 unread critical')
    expect(document.title).toBe('(1) critical · Realtime Monitor')
    await wrapper.get('li.alert').get('button').trigger('click')
    expect(wrapper.get('li.alert').text()).toContain('✓ acknowledged')
    expect(
      wrapper
        .get('li.alert')
        .findAll('button')
        .map((b) => b.text()),
    ).not.toContain('Ack')
    expect(wrapper.find('[data-testid="unread-critical"]').exists()).toBe(false)
    expect(document.title).toBe('Realtime Monitor')
  })

  it('snoozing hides the alert and lists it under "snoozed"', async () => {
    add(alertEvent('a-1', 1, { message: 'first' }), alertEvent('a-2', 2, { message: 'second' }))
    const wrapper = mountWith(AlertsPanel, pinia)
    await wrapper.get('button[aria-label="Snooze 15 minutes: second"]').trigger('click')
    expect(rows(wrapper).map((row) => row.get('.alert__message').text())).toEqual(['first'])
    expect(wrapper.text()).toContain('1 snoozed')
    await wrapper.get('button[aria-label="Snooze 1 hour: first"]').trigger('click')
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
    const wrapper = mountWith(AlertsPanel, pinia)
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
    const wrapper = mountWith(AlertsPanel, pinia)
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
    const wrapper = mountWith(AlertsPanel, pinia)
    await scrollList(wrapper, 200)
    add(alertEvent('a-2', 2, { message: 'second' }))
    await flushPromises()
    expect(rows(wrapper)).toHaveLength(1)
    await scrollList(wrapper, 0)
    expect(rows(wrapper)).toHaveLength(2)
  })

  it('announces critical alerts in an aria-live region', () => {
    add(alertEvent('c-9', 1, { severity: 'critical', message: 'Margin call' }))
    const wrapper = mountWith(AlertsPanel, pinia)
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
      const wrapper = mountWith(AlertsPanel, pinia)
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

  it('is dimmed with "as of" when the alerts channel is offline', () => {
    add(alertEvent('a-1', 1))
    useConnectionStore().setStatus(
      'alerts',
      channelStatus('alerts', { phase: 'offline' }, { lastEventAt: Date.now() - 30_000 }),
    )
    const wrapper = mountWith(AlertsPanel, pinia)
    expect(wrapper.find('.panel--dimmed').exists()).toBe(true)
    expect(wrapper.get('[data-testid="as-of"]').text()).toMatch(/^as of \d\d:\d\d:\d\d$/)
    expect(wrapper.text()).toContain('offline')
  })

  it('keeps the sound and notification settings in localStorage', async () => {
    const wrapper = mountWith(AlertsPanel, pinia)
    await wrapper.findAll('input[type="checkbox"]')[0]?.setValue(true)
    expect(JSON.parse(localStorage.getItem('rtm:alerts:settings') ?? '{}').soundCritical).toBe(true)
  })
})
