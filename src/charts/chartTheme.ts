// Chart colours, taken from the page's CSS variables so charts follow the light/dark theme.

export interface ChartTheme {
  name: 'light' | 'dark'
  text: string
  muted: string
  border: string
  surface: string
  up: string
  down: string
  warning: string
  /** Series colours in order of use. */
  series: readonly [string, string, string, string]
}

/** The light palette, also used where CSS variables cannot be read (tests, first paint). */
export const LIGHT_CHART_THEME: ChartTheme = {
  name: 'light',
  text: '#1b1f24',
  muted: '#5b6470',
  border: '#d9dde3',
  surface: '#ffffff',
  up: '#0a7d38',
  down: '#c62828',
  warning: '#a86400',
  series: ['#1f6feb', '#8250df', '#bf5700', '#1a7f74'],
}

export const DARK_CHART_THEME: ChartTheme = {
  name: 'dark',
  text: '#e6e9ee',
  muted: '#9aa4b1',
  border: '#2d353f',
  surface: '#171b21',
  up: '#3fb950',
  down: '#f85149',
  warning: '#d29922',
  series: ['#58a6ff', '#bc8cff', '#f0883e', '#39c5b0'],
}

/** A theme from a CSS variable reader (`--text`, `--series-1`, …); missing variables keep the fallback. */
export function themeFromCss(
  name: ChartTheme['name'],
  read: (variable: string) => string,
): ChartTheme {
  const base = name === 'dark' ? DARK_CHART_THEME : LIGHT_CHART_THEME
  const pick = (variable: string, fallback: string) => read(variable).trim() || fallback
  return {
    name,
    text: pick('--text', base.text),
    muted: pick('--text-muted', base.muted),
    border: pick('--border', base.border),
    surface: pick('--surface', base.surface),
    up: pick('--up', base.up),
    down: pick('--down', base.down),
    warning: pick('--warning', base.warning),
    series: [
      pick('--series-1', base.series[0]),
      pick('--series-2', base.series[1]),
      pick('--series-3', base.series[2]),
      pick('--series-4', base.series[3]),
    ],
  }
}
