// CSV export of what a panel shows: RFC 4180 quoting, a file name with the channel and the time, a download.

type Cell = string | number | boolean | null | undefined

/**
 * Text a spreadsheet would run as a formula: =, +, -, @ first, also behind leading white space
 * (spreadsheets trim it) and in their full-width forms (＝＋－＠, which some read as the ASCII ones).
 */
const FORMULA_START = /^[\t\r]|^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/

/** One field: quoted when it holds a comma, quote or line break; a formula start is defused for spreadsheets. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n'
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** "alerts-2026-01-04T10-42-51.csv": channel (and what), local time, sortable, no colons. */
export function csvFileName(parts: readonly string[], at: number): string {
  const d = new Date(at)
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`
  const name = parts
    .map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60))
    .filter(Boolean)
    .join('-')
  return `${name}-${stamp}.csv`
}

/** Hands the text to the browser as a file download. */
export function downloadCsv(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** A chart's series as CSV: one row per x, one column per series (empty where a series has no point). */
export function seriesCsv(
  xName: string,
  series: readonly { name: string; points: readonly (readonly [number, number])[] }[],
  formatX: (x: number) => string | number = (x) => x,
): string {
  const xs = new Set<number>()
  for (const s of series) for (const [x] of s.points) xs.add(x)
  const maps = series.map((s) => new Map(s.points.map(([x, y]) => [x, y])))
  const rows = [...xs].sort((a, b) => a - b).map((x) => [formatX(x), ...maps.map((m) => m.get(x))])
  return toCsv([xName, ...series.map((s) => s.name)], rows)
}
