import { describe, expect, it } from 'vitest'
import { isApiBaseUrl } from '@/config/resolveUrl'
import { isAbsoluteUrl, resolveEndpoint } from '@/protocol/endpoints'

describe('resolveEndpoint', () => {
  it('joins a relative path to the base without a double slash', () => {
    expect(resolveEndpoint('http://localhost:8000/', '/api/v1/sse/status')).toBe(
      'http://localhost:8000/api/v1/sse/status',
    )
    expect(resolveEndpoint('http://localhost:8000', 'api/v1/sse/status')).toBe(
      'http://localhost:8000/api/v1/sse/status',
    )
    expect(resolveEndpoint('http://localhost:8000//', '//api/v1/x')).toBe('http://localhost:8000/api/v1/x')
  })

  it('keeps a path prefix in the base', () => {
    expect(resolveEndpoint('https://host/monitor', '/api/v1/sse/alerts')).toBe(
      'https://host/monitor/api/v1/sse/alerts',
    )
    expect(resolveEndpoint('https://host/monitor/', 'api/v1/sse/alerts')).toBe(
      'https://host/monitor/api/v1/sse/alerts',
    )
  })

  it('treats an empty base as the same origin', () => {
    expect(resolveEndpoint('', '/api/v1/sse/status')).toBe('/api/v1/sse/status')
    expect(resolveEndpoint('', 'api/v1/sse/status')).toBe('/api/v1/sse/status')
  })

  it('uses an absolute URL as it is', () => {
    expect(resolveEndpoint('https://host/monitor', 'https://other:9000/sse/alerts')).toBe(
      'https://other:9000/sse/alerts',
    )
  })

  it('appends client_id and other parameters with the right separator', () => {
    expect(resolveEndpoint('https://h', '/api/v1/sse/stream', { channels: ['alerts', 'training'], client_id: 'c 1' })).toBe(
      'https://h/api/v1/sse/stream?channels=alerts%2Ctraining&client_id=c%201',
    )
    expect(resolveEndpoint('https://h', 'https://x/s?token=a', { client_id: 'c1' })).toBe(
      'https://x/s?token=a&client_id=c1',
    )
    expect(resolveEndpoint('https://h', 'https://x/s?', { client_id: 'c1' })).toBe('https://x/s?client_id=c1')
    expect(resolveEndpoint('https://h', 'https://x/s#frag', { a: 1 })).toBe('https://x/s?a=1#frag')
  })

  it('leaves out null and undefined parameters', () => {
    expect(resolveEndpoint('https://h', '/p', { after: undefined, limit: null, x: 0 })).toBe('https://h/p?x=0')
  })
})

describe('isAbsoluteUrl', () => {
  it('recognises scheme-qualified URLs only', () => {
    expect(isAbsoluteUrl('http://a')).toBe(true)
    expect(isAbsoluteUrl('HTTPS://a')).toBe(true)
    expect(isAbsoluteUrl('/api')).toBe(false)
    expect(isAbsoluteUrl('api/x')).toBe(false)
  })
})

describe('isApiBaseUrl', () => {
  it('allows the same origin, single-slash paths and http(s) URLs only', () => {
    for (const ok of ['', '/', '/backend', 'https://api.example.com', 'HTTP://localhost:8000/x']) {
      expect(isApiBaseUrl(ok), ok).toBe(true)
    }
    for (const bad of ['//evil.example', '/\\evil.example', '/\r/evil', 'javascript:void 0', 'ftp://x', 'api']) {
      expect(isApiBaseUrl(bad), bad).toBe(false)
    }
  })
})
