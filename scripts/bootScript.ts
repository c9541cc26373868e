// Build plugin for the first paint: what it waits on starts from the HTML, not after the app's entry has run.
import { resolve } from 'node:path'
import type { HtmlTagDescriptor, Plugin, Rollup } from 'vite'

/**
 * `boot` becomes a second entry that the HTML runs before the app's (src/boot.ts starts config.json
 * and the engine's worker). A second script in index.html would be bundled into the app's entry
 * chunk and run only once all of the app's first code has loaded.
 */
export function bootScript(boot: string): Plugin {
  let base = '/'
  const script = (src: string): HtmlTagDescriptor => ({
    tag: 'script',
    attrs: { type: 'module', crossorigin: true, src },
    injectTo: 'head-prepend',
  })
  const preload = (href: string): HtmlTagDescriptor => ({
    tag: 'link',
    attrs: { rel: 'modulepreload', crossorigin: true, href },
    injectTo: 'head-prepend',
  })
  return {
    name: 'boot-script',
    // The app's own index.html stays an entry, from the root being built (not the working directory).
    config: (config, { command }) =>
      command === 'build'
        ? {
            build: {
              rollupOptions: { input: { index: resolve(config.root ?? '', 'index.html'), boot } },
            },
          }
        : undefined,
    configResolved(config) {
      base = config.base
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        // Under `npm run dev` the sources are served as they are.
        if (!context.bundle) return [script(`${base}src/boot.ts`)]
        const chunk = Object.values(context.bundle).find(
          (output): output is Rollup.OutputChunk =>
            output.type === 'chunk' && output.facadeModuleId === boot,
        )
        if (!chunk) throw new Error(`the build has no chunk of ${boot}`)
        // A chunk the app's entry imports too has its preload from the build already.
        const preloads = chunk.imports
          .map((file) => base + file)
          .filter((href) => !html.includes(href))
        return [script(base + chunk.fileName), ...preloads.map(preload)]
      },
    },
  }
}
