// Vite: the SPA build, the embedded dev backend under `npm run dev`, and the test projects.
import { createHash } from 'node:crypto'
import { copyFileSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import { echartsUnreached } from './scripts/echartsUnreached.ts'
import { bootScript } from './scripts/bootScript.ts'
import { devBackendPlugin } from './server/vitePlugin.ts'

/** Hosts without rewrite rules serve 404.html for deep links: make it the app itself. */
function spaFallbackPage(): Plugin {
  return {
    name: 'spa-fallback-404',
    apply: 'build',
    writeBundle(options) {
      const dir = options.dir ?? 'dist'
      copyFileSync(join(dir, 'index.html'), join(dir, '404.html'))
    },
  }
}

/** Sources that make up the realtime engine: an edit to any of them is a new engine version. */
const ENGINE_DIRS = ['src/realtime', 'src/protocol'].map((dir) => resolve(import.meta.dirname, dir))

/**
 * `virtual:engine-version`: a hash of the engine's sources. It names the engine's worker, so a new
 * build, or an edit under `npm run dev` (which reloads the page), starts a fresh worker instead of
 * leaving an old one serving new pages.
 */
function engineVersion(): Plugin {
  const id = 'virtual:engine-version'
  const resolvedId = `\0${id}`
  const hash = (): string => {
    const digest = createHash('sha256')
    for (const dir of ENGINE_DIRS) {
      for (const name of readdirSync(dir).sort()) {
        digest.update(name).update(readFileSync(join(dir, name)))
      }
    }
    return digest.digest('hex').slice(0, 12)
  }
  return {
    name: 'engine-version',
    resolveId: (source) => (source === id ? resolvedId : undefined),
    load: (loaded) =>
      loaded === resolvedId ? `export default ${JSON.stringify(hash())}` : undefined,
    handleHotUpdate({ file, server }) {
      if (!ENGINE_DIRS.some((dir) => file.startsWith(`${dir}/`))) return
      const version = server.moduleGraph.getModuleById(resolvedId)
      if (version) server.moduleGraph.invalidateModule(version)
      server.ws.send({ type: 'full-reload' })
      return []
    },
  }
}

export default defineConfig(({ command, mode }) => ({
  // A sub-path deploy (e.g. /monitor/) sets BASE_PATH at build time; router and assets follow it.
  base: process.env.BASE_PATH ?? '/',
  plugins: [
    // Every component is <script setup>: Vue's Options API support (data, methods, mixins…) is
    // code no component runs.
    vue({ features: { optionsAPI: false } }),
    engineVersion(),
    spaFallbackPage(),
    bootScript(resolve(import.meta.dirname, 'src/boot.ts')),
    echartsUnreached(),
    ...(command === 'serve' && mode !== 'test' ? [devBackendPlugin()] : []),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  // The engine's worker is an ES module (SharedWorker and Worker with `type: 'module'`).
  worker: { format: 'es', plugins: () => [engineVersion()] },
  build: {
    sourcemap: false,
    target: 'es2022',
    // Every browser that runs an ES2022 build preloads modules itself.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'tests/server/**/*.test.ts',
            'tests/transport/**/*.test.ts',
            'tests/unit/*.test.ts',
            'tests/unit/charts/**/*.test.ts',
            'tests/hardening/node/**/*.test.ts',
            'tests/interop/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: [
            'tests/component/**/*.test.ts',
            'tests/unit/stores/**/*.test.ts',
            'tests/unit/composables/**/*.test.ts',
            'tests/hardening/dom/**/*.test.ts',
          ],
        },
      },
    ],
  },
}))
