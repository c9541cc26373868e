// Vite plugin that mounts the dev backend in the dev (and preview) server: same origin, no proxy.
import type { Plugin, PreviewServer, ViteDevServer } from 'vite'
import { createBackend, type BackendOptions } from './backend.ts'
import { optionsFromEnv } from './cliOptions.ts'

/**
 * Serves /api/v1 from the embedded dev backend. Environment variables override `options`
 * for demos, e.g. `RTM_RATES=dashboard=5,alerts=1 npm run dev` (list in cliOptions.ts).
 */
export function devBackendPlugin(options: BackendOptions = {}): Plugin {
  const mount = (server: ViteDevServer | PreviewServer): void => {
    const backend = createBackend({ ...options, ...dropUndefined(optionsFromEnv(process.env)) })
    server.middlewares.use((req, res, next) => backend.handle(req, res, () => next()))
    server.httpServer?.once('close', () => backend.close())
  }
  return {
    name: 'realtime-monitor-dev-backend',
    configureServer: mount,
    configurePreviewServer: mount,
  }
}

function dropUndefined(options: BackendOptions): BackendOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
}
