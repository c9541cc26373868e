// Vite: the SPA build, the embedded dev backend under `npm run dev`, and the test projects.
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
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

export default defineConfig(({ command, mode }) => ({
  // A sub-path deploy (e.g. /monitor/) sets BASE_PATH at build time; router and assets follow it.
  base: process.env.BASE_PATH ?? '/',
  plugins: [vue(), spaFallbackPage(), ...(command === 'serve' && mode !== 'test' ? [devBackendPlugin()] : [])],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    sourcemap: false,
    target: 'es2022',
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
