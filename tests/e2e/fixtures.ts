// Browser-test fixtures: a dev backend and a static server for dist/, both on their own loopback ports.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test as base, expect } from '@playwright/test'
import type { BackendOptions } from '../../server/backend.ts'
import { createStaticHandler, type StaticOptions } from '../../server/staticServer.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

/** The production build under test; E2E_DIST points elsewhere (a build nobody else rewrites mid-run). */
const DIST = process.env.E2E_DIST ?? 'dist'

export interface StaticSite {
  url: string
  close(): Promise<void>
}

/** Serves the production build (dist/) as a static host would, with the given config.json. */
export async function serveDist(
  options: Omit<StaticOptions, 'root'> & { root?: string },
): Promise<StaticSite> {
  const handle = createStaticHandler({ root: DIST, ...options })
  const server: Server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface MonitorSetup {
  backend: DevBackendServer
  site: StaticSite
  /** The page URL of /market/realtime on the static site. */
  pageUrl: string
}

/** Starts a backend (simulating live data unless told otherwise) and a site pointed at it cross-origin. */
export async function startMonitor(
  backendOptions: BackendOptions = {},
  config: Record<string, unknown> = {},
  siteOptions: Omit<StaticOptions, 'root' | 'configJson'> = {},
): Promise<MonitorSetup> {
  const backend = await startDevBackend({ dev: true, heartbeatSeconds: 2, ...backendOptions })
  const site = await serveDist({
    ...siteOptions,
    configJson: {
      apiBaseUrl: backend.url,
      debug: true,
      transport: {
        backoffBaseMs: 200,
        backoffMaxMs: 2000,
        ...((config.transport as object) ?? {}),
      },
      ...Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'transport')),
    },
  })
  const basePath = (siteOptions.base ?? '/').replace(/\/?$/, '/')
  return { backend, site, pageUrl: `${site.url}${basePath}market/realtime` }
}

export interface MonitorOptions {
  /** Options of the dev backend behind the page (`test.use({ backendOptions })`). */
  backendOptions: BackendOptions
  /** Extra fields of the page's config.json (`transport` is merged over the fast defaults). */
  appConfig: Record<string, unknown>
}

export const test = base.extend<MonitorOptions & { monitor: MonitorSetup; pageErrors: Error[] }>({
  backendOptions: [{}, { option: true }],
  appConfig: [{}, { option: true }],
  monitor: async ({ backendOptions, appConfig }, use) => {
    const setup = await startMonitor(backendOptions, appConfig)
    await use(setup)
    await setup.site.close()
    await setup.backend.close()
  },
  // An uncaught exception in any tab fails the test: the page must survive every fault it is shown.
  pageErrors: [
    async ({ context }, use) => {
      const errors: Error[] = []
      context.on('weberror', (error) => errors.push(error.error()))
      await use(errors)
      expect(
        errors.map((error) => error.message),
        'uncaught errors in the page',
      ).toEqual([])
    },
    { auto: true },
  ],
})

export { expect } from '@playwright/test'
