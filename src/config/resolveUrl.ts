// What `apiBaseUrl` may be: checked once, when config.json is read.

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
