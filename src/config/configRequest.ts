// The request of config.json: made by the boot script as soon as the HTML is parsed, and taken over
// by the app when it reads its configuration (src/boot.ts).

/** No cache: a redeploy with a new config.json takes effect on the next load. */
export const CONFIG_REQUEST: RequestInit = {
  cache: 'no-store',
  headers: { Accept: 'application/json' },
}

export function configUrl(appBase: string = import.meta.env.BASE_URL): string {
  return `${appBase.replace(/\/?$/, '/')}config.json`
}

let early: { url: string; response: Promise<Response> } | null = null

/** Starts the request before the app's own code has loaded; `configFetch` hands it over once. */
export function requestConfigEarly(url: string = configUrl()): void {
  const response = fetch(url, CONFIG_REQUEST)
  // Handled where it is taken over; this only keeps a failure from being reported twice.
  response.catch(() => {})
  early = { url, response }
}

/** `fetch`, except that the early request of `url` is taken over (once) instead of made again. */
export function configFetch(url: string, init: RequestInit = CONFIG_REQUEST): Promise<Response> {
  const started = early?.url === url ? early.response : null
  early = null
  return started ?? fetch(url, init)
}
