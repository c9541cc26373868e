// A history page is decoded like stream events, in server order, and across tasks: a catch-up
// reads up to 20 pages of 500 back to back while the page must still draw and answer input.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fetchHistory } from '@/realtime/historyClient'
import { alertEvent } from './stores/factories'

/** A history entry as the server lists it: a valid alert payload under id `id`. */
function alertEntry(id: number) {
  return { id: String(id), event: 'risk_alert', data: alertEvent(`a-${id}`, 0).data }
}

/** A fetch whose answer is ready at once (no network task in between): only the decoder can yield. */
function answering(body: unknown): (input: string) => Promise<Response> {
  return async () => ({ ok: true, status: 200, json: async () => body }) as unknown as Response
}

describe('fetchHistory', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('decodes a page of 500 across tasks, in server order', async () => {
    const events = Array.from({ length: 500 }, (_, i) => alertEntry(i + 1))
    // Every look at the clock finds the task's budget spent, on any machine.
    let clock = 0
    vi.spyOn(performance, 'now').mockImplementation(() => (clock += 10))
    let timerRan = false
    setTimeout(() => (timerRan = true), 0)
    const result = await fetchHistory({
      fetch: answering({ events, latest_id: '500' }),
      url: () => 'http://127.0.0.1/api/v1/sse/alerts/history',
      headers: {},
      channel: 'alerts',
      after: '0',
      limit: 500,
    })
    expect(timerRan).toBe(true)
    expect(result.messages.map((m) => (m.kind === 'event' ? m.value.id : m.kind))).toEqual(
      events.map((e) => e.id),
    )
    expect(result.cursor).toBe('500')
  })
})
