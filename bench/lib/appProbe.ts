// Injected before the real app's scripts: times its first applied event through the app's debug hook.

/**
 * Plain script (run by `addInitScript`, not bundled). It installs `window.__rtm` sinks the app's
 * debug hook pushes applied ids into, and a minimal `window.__bench` for the cold-start reader.
 */
export const APP_PROBE = `(() => {
  const query = new URLSearchParams(location.search)
  const base = Number(query.get('base')) || 1
  let firstApplied = null
  let firstLive = null
  const sink = () => {
    const ids = []
    ids.push = (...pushed) => {
      const now = performance.now()
      for (const id of pushed) {
        firstApplied ??= now
        if (Number(id) >= base) firstLive ??= now
      }
      return 0
    }
    return ids
  }
  window.__rtm = { applied: { dashboard: sink(), alerts: sink(), training: sink(), backtest: sink() } }
  window.__bench = {
    firstLiveMs: () => firstLive,
    snapshot: () => {
      const navigation = performance.getEntriesByType('navigation')[0]
      const requests = performance.getEntriesByType('resource')
        .filter((entry) => entry.name.includes('/api/') || entry.name.endsWith('config.json'))
        .slice(0, 12)
        .map((entry) => [new URL(entry.name).pathname, entry.startTime, entry.responseEnd])
      return {
        firstAppliedMs: firstApplied,
        firstLiveMs: firstLive,
        startup: {
          scriptMs: null,
          domContentLoadedMs: navigation ? navigation.domContentLoadedEventEnd : null,
          requests,
        },
      }
    },
  }
})()`
