import { describe, expect, it } from 'vitest'
import { decodeMessage } from '@/realtime/eventDecoder'
import { samplePayload } from '../support/clientHarness'

const mux = { channels: ['alerts', 'training'] as const, multiplexed: true }
const single = { channels: ['alerts'] as const, multiplexed: false }
const alert = samplePayload('alerts', 1).data

describe('decodeMessage', () => {
  it('validates a channel event and types it by channel', () => {
    const decoded = decodeMessage({ id: '9', event: 'risk_alert', data: JSON.stringify(alert) }, single)
    expect(decoded).toMatchObject({ kind: 'event', value: { channel: 'alerts', id: '9', data: { alert_id: 'a-1' } } })
  })

  it('decodes Python dict text (str(dict) from sse-starlette) and says so, unless strict JSON is asked', () => {
    const text = "{'alert_id': 'a-7', 'timestamp': '2026-01-04T10:00:00.000Z', 'severity': 'critical', 'category': 'system', 'symbol': None, 'message': 'it\\'s \"down\"', 'value': None, 'acknowledged': False}"
    const decoded = decodeMessage({ id: '1', event: 'risk_alert', data: text }, single)
    expect(decoded).toMatchObject({ kind: 'event', python: true, value: { data: { alert_id: 'a-7', message: 'it\'s "down"' } } })
    // None for an optional field is "no value", as absent.
    if (decoded.kind === 'event') expect(decoded.value.data).not.toHaveProperty('symbol', null)
    const strict = decodeMessage({ id: '1', event: 'risk_alert', data: text }, { ...single, pythonLiterals: false })
    expect(strict).toMatchObject({ kind: 'invalid', value: { reason: expect.stringMatching(/^data is not JSON/) } })
    const call = decodeMessage({ event: 'risk_alert', data: "{'t': datetime.datetime(2026, 1, 4)}" }, single)
    expect(call).toMatchObject({ kind: 'invalid', value: { reason: expect.stringMatching(/datetime\.datetime\(…\) is a call/) } })
  })

  it('requires the channel field on the multiplexed stream, and the right one', () => {
    const ok = decodeMessage({ id: '1', event: 'risk_alert', data: JSON.stringify({ ...alert, channel: 'alerts' }) }, mux)
    expect(ok.kind).toBe('event')
    const missing = decodeMessage({ id: '2', event: 'risk_alert', data: JSON.stringify(alert) }, mux)
    expect(missing).toMatchObject({ kind: 'invalid', value: { reason: 'channel is undefined, expected "alerts"' } })
  })

  it('describes what is wrong, with the field path, and keeps a short excerpt', () => {
    const data = JSON.stringify({ ...alert, severity: 'apocalyptic', padding: 'p'.repeat(500) })
    const decoded = decodeMessage({ id: '3', event: 'risk_alert', data }, single)
    expect(decoded.kind).toBe('invalid')
    if (decoded.kind !== 'invalid') return
    expect(decoded.value.reason).toMatch(/^severity: /)
    expect(decoded.value.excerpt.length).toBeLessThanOrEqual(201)
    expect(decodeMessage({ event: 'risk_alert', data: '[1,2]' }, single)).toMatchObject({
      kind: 'invalid',
      value: { reason: 'data is not a JSON object' },
    })
    expect(decodeMessage({ event: 'training_progress', data: '{}' }, single)).toMatchObject({
      kind: 'invalid',
      value: { reason: expect.stringMatching(/does not belong to this stream/) },
    })
  })

  it('reads control events and resets, naming the channel on the multiplexed stream', () => {
    expect(decodeMessage({ event: 'ping', data: '{}' }, mux)).toEqual({ kind: 'ping' })
    expect(decodeMessage({ event: 'connected', data: '{}' }, mux)).toEqual({ kind: 'connected' })
    expect(decodeMessage({ event: 'reset', data: '{"reason":"too old","channel":"training"}' }, mux)).toEqual({
      kind: 'reset',
      channels: ['training'],
      reason: 'too old',
    })
    expect(decodeMessage({ event: 'reset', data: 'garbage' }, mux)).toMatchObject({
      kind: 'reset',
      channels: ['alerts', 'training'],
    })
    expect(decodeMessage({ event: 'weather', data: '{}' }, single)).toEqual({
      kind: 'unknown',
      event: 'weather',
      channel: 'alerts',
      id: null,
    })
  })
})
