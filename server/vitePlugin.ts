// Vite plugin that mounts the dev backend in the dev (and preview) server: same origin, no proxy.
import { resolve } from 'node:path'
import type { Plugin, PreviewServer, ViteDevServer } from 'vite'
import { createBackend, type BackendOptions } from './backend.ts'
import { optionsFromEnv } from './cliOptions.ts'

/** Where `npm run dev` keeps ids and history across restarts, relative to the Vite root. */
export const DEFAULT_STATE_FILE = 'node_modules/.cache/realtime-monitor/dev-backend.json'

/** Signals that end `npm run dev` without Vite closing its server. */
const EXIT_SIGNALS = ['SIGINT', 'SIGHUP'] as const

export interface DevBackendPluginOptions extends Omit<BackendOptions, 'stateFile'> {
  /** State file path (relative to the Vite root); null: none. Default DEFAULT_STATE_FILE. */
  stateFile?: string | null
}

/**
 * Serves /api/v1 from the embedded dev backend. Environment variables override `options`
 * for demos, e.g. `RTM_RATES=dashboard=5,alerts=1 npm run dev` (list in cliOptions.ts);
 * `RTM_STATE_FILE=path` moves the state file and `RTM_STATE_FILE=` turns it off.
 */
export function devBackendPlugin(options: DevBackendPluginOptions = {}): Plugin {
  const mount = (server: ViteDevServer | PreviewServer): void => {
    const fromEnv = process.env.RTM_STATE_FILE
    const stateFile =
      fromEnv ?? (options.stateFile === undefined ? DEFAULT_STATE_FILE : options.stateFile)
    const backend = createBackend({
      // `npm run dev` is a dev start: the dev controls are mounted, for the page's own origin only
      // (no other site may drive them from a developer's browser; RTM_CORS opens more).
      dev: true,
      corsOrigins: [],
      ...options,
      stateFile: stateFile ? resolve(server.config.root, stateFile) : undefined,
      ...dropUndefined(optionsFromEnv(process.env)),
    })
    server.middlewares.use((req, res, next) => backend.handle(req, res, () => next()))
    // Vite closes its server on SIGTERM only; Ctrl+C must save the state file too.
    const onSignal = (signal: NodeJS.Signals): void => {
      backend.close()
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }
    for (const signal of EXIT_SIGNALS) process.once(signal, onSignal)
    server.httpServer?.once('close', () => {
      for (const signal of EXIT_SIGNALS) process.off(signal, onSignal)
      backend.close()
    })
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
