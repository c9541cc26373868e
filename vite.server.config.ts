// Vite: the server (`server/main.ts`, `server/publishCli.ts`) built to plain JavaScript in dist-server/,
// so a production install (`npm ci --omit=dev`) starts it with `node dist-server/main.js`.
import { defineConfig } from 'vite'

export default defineConfig({
  // No public/ copy and no app plugins: this build is the server only.
  publicDir: false,
  build: {
    ssr: true,
    outDir: process.env.RTM_SERVER_OUT_DIR ?? 'dist-server',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: {
      input: { main: 'server/main.ts', publishCli: 'server/publishCli.ts' },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
  // Every package is loaded from node_modules at run time (they are `dependencies`).
  ssr: { target: 'node' },
})
