// Builds the bench pages (the bare data path and the baselines) from the app's real modules, as production code.
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

const pages = fileURLToPath(new URL('./pages', import.meta.url))

/**
 * The engine's sources import `virtual:engine-version` (the app's Vite config provides it, naming
 * its worker). The bench pages get a fixed one: each run builds them afresh.
 */
function engineVersion(): Plugin {
  const id = 'virtual:engine-version'
  return {
    name: 'bench-engine-version',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (loaded) => (loaded === `\0${id}` ? `export default "bench-pages"` : undefined),
  }
}

export default defineConfig({
  root: pages,
  base: '/',
  logLevel: 'warn',
  plugins: [vue(), engineVersion()],
  worker: { format: 'es', plugins: () => [engineVersion()] },
  resolve: {
    alias: { '@': fileURLToPath(new URL('../src', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('./.dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The profiler run (`--profile`) builds unminified with source maps to name functions.
    minify: process.env.BENCH_PROFILE ? false : 'oxc',
    sourcemap: Boolean(process.env.BENCH_PROFILE),
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      checks: { bundlerTimings: false },
      input: {
        ours: `${pages}/ours.html`,
        native: `${pages}/native.html`,
        vueuse: `${pages}/vueuse.html`,
        vueuseBatched: `${pages}/vueuseBatched.html`,
      },
    },
  },
})
