// A history page is decoded like stream events, in server order, and across tasks: a catch-up
// reads up to 20 pages of 500 back to back while the page must still draw and answer input.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { decodeMessage } from '@/realtime/eventDecoder'
import { historyReader } from '@/realtime/historyClient'
import { alertEvent } from './stores/factories'

/** A history entry as the server lists it: a valid alert payload under id `id`. */
function alertEntry(id: number) {
  return { id: String(id), event: 'risk_alert', data: alertEvent(`a-${id}`, 0).data }
}

/** A fetch whose answer is ready at once (no network task in between): only the decoder can yield. */
function answering(body: unknown): (input: string) => Promise<Response> {
  return async () => ({ ok: true, status: 200, json: async () => body }) as unknown as Response
}

describe('historyReader', () => {
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
    const read = historyReader({
      baseUrl: 'http://127.0.0.1',
      fetch: answering({ events, latest_id: '500' }),
      headers: async () => ({}),
      backfillLimit: 200,
    })
    const result = await read('alerts', '0')
    expect(timerRan).toBe(true)
    expect(result.messages.map((m) => (m.kind === 'event' ? m.value.id : m.kind))).toEqual(
      events.map((e) => e.id),
    )
    expect(result.cursor).toBe('500')
  })

  it('describes bad data as the stream does: text that is not JSON is listed as that text', async () => {
    // The data lines a stream carried, and the `data` the backend lists for each in its history.
    // The last is a JSON string whose text is JSON: still a string, never read as the object.
    const lines = ['not json at all', "{'alert_id': 7}", '"{\\"alert_id\\": 7}"']
    const listed = ['not json at all', "{'alert_id': 7}", '{"alert_id": 7}']
    const read = (pythonLiterals: boolean) =>
      historyReader({
        baseUrl: 'http://127.0.0.1',
        fetch: answering({
          events: listed.map((data, i) => ({ id: String(i + 1), event: 'risk_alert', data })),
          latest_id: '3',
        }),
        headers: async () => ({}),
        backfillLimit: 200,
        pythonLiterals,
      })('alerts', '0')
    for (const pythonLiterals of [true, false]) {
      const reasons = (await read(pythonLiterals)).messages.map((m) =>
        m.kind === 'invalid' ? m.value.reason : m.kind,
      )
      const streamed = lines.map((data, i) => {
        const m = decodeMessage(
          { event: 'risk_alert', id: String(i + 1), data },
          { channels: ['alerts'], multiplexed: false, pythonLiterals },
        )
        return m.kind === 'invalid' ? m.value.reason : m.kind
      })
      expect(reasons).toEqual(streamed)
      expect(reasons[0]).toMatch(/^data is not JSON/)
    }
  })
})
