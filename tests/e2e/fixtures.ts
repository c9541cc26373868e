// Browser-test fixtures: a dev backend and a static server for dist/, both on their own loopback ports.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test as base } from '@playwright/test'
import type { BackendOptions } from '../../server/backend.ts'
import { createStaticHandler, type StaticOptions } from '../../server/staticServer.ts'
import { startDevBackend, type DevBackendServer } from '../support/devBackend.ts'

export interface StaticSite {
  url: string
  close(): Promise<void>
}

/** Serves the production build (dist/) as a static host would, with the given config.json. */
export async function serveDist(options: Omit<StaticOptions, 'root'> & { root?: string }): Promise<StaticSite> {
  const handle = createStaticHandler({ root: 'dist', ...options })
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
  const backend = await startDevBackend({ heartbeatSeconds: 2, ...backendOptions })
  const site = await serveDist({
    ...siteOptions,
    configJson: {
      apiBaseUrl: backend.url,
      debug: true,
      transport: { backoffBaseMs: 200, backoffMaxMs: 2000, ...((config.transport as object) ?? {}) },
      ...Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'transport')),
    },
  })
  const basePath = (siteOptions.base ?? '/').replace(/\/?$/, '/')
  return { backend, site, pageUrl: `${site.url}${basePath}market/realtime` }
}

export const test = base.extend<{ monitor: MonitorSetup }>({
  // eslint-disable-next-line no-empty-pattern
  monitor: async ({}, use) => {
    const setup = await startMonitor()
    await use(setup)
    await setup.site.close()
    await setup.backend.close()
  },
})

export { expect } from '@playwright/test'
