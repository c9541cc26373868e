// Resolves every backend endpoint against API_BASE_URL: one function, so no call site joins URLs by hand.

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue | readonly string[]>

const ABSOLUTE = /^[a-z][a-z\d+\-.]*:\/\//i

/** True for `http://…`, `https://…` and other scheme-qualified URLs. */
export function isAbsoluteUrl(value: string): boolean {
  return ABSOLUTE.test(value)
}

/**
 * True for what `apiBaseUrl` may be: empty (the page's origin), a path on the page's origin
 * starting with a single "/", or an absolute http(s) URL. The bearer token goes to the origin it
 * names, so anything a browser could read as another host is refused: `//evil.example`,
 * `/\evil.example`, hidden tabs or line breaks (`/\t/evil`), and every other scheme.
 */
export function isApiBaseUrl(value: string): boolean {
  if (value === '') return true
  // Whitespace, control characters and backslashes: URL parsers drop or turn them into "/".
  for (const char of value) {
    const code = char.charCodeAt(0)
    if (code <= 0x20 || code === 0x7f || char === '\\') return false
  }
  if (value.startsWith('/')) return !value.startsWith('//')
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return false
  return new URL(value).hostname !== ''
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
