// Resolves every backend endpoint against API_BASE_URL: one function, so no call site joins URLs by hand.

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue | readonly string[]>

const ABSOLUTE = /^[a-z][a-z\d+\-.]*:\/\//i

/** True for `http://…`, `https://…` and other scheme-qualified URLs. */
export function isAbsoluteUrl(value: string): boolean {
  return ABSOLUTE.test(value)
}

/**
 * Joins a relative `path` to `base` (keeping a path prefix such as `https://host/monitor`, never
 * doubling a slash), uses an absolute `path` as it is, and appends `query` with the right
 * separator. Null and undefined query values are left out; arrays are joined with commas.
 */
export function resolveEndpoint(base: string, path: string, query: Query = {}): string {
  const url = isAbsoluteUrl(path) ? path : joinPath(base, path)
  return appendQuery(url, query)
}

function joinPath(base: string, path: string): string {
  const trimmedBase = base.replace(/\/+$/, '')
  if (path === '') return trimmedBase === '' ? '/' : trimmedBase
  return `${trimmedBase}/${path.replace(/^\/+/, '')}`
}

function appendQuery(url: string, query: Query): string {
  const params: string[] = []
  for (const [key, raw] of Object.entries(query)) {
    if (raw === null || raw === undefined) continue
    const value = Array.isArray(raw) ? raw.join(',') : String(raw)
    params.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
  }
  if (params.length === 0) return url
  const hashAt = url.indexOf('#')
  const head = hashAt === -1 ? url : url.slice(0, hashAt)
  const hash = hashAt === -1 ? '' : url.slice(hashAt)
  const separator = head.includes('?') ? (head.endsWith('?') || head.endsWith('&') ? '' : '&') : '?'
  return `${head}${separator}${params.join('&')}${hash}`
}
