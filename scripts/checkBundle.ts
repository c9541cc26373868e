// Bundle budget for /market/realtime: fails when the built JS grows past what a fast first paint allows.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

/** Budgets in gzip bytes. */
const FIRST_PAINT_BUDGET = 60 * 1024
/**
 * All of it, the charts' chunk included. ECharts is registered part by part (src/charts/echarts.ts),
 * what its core brings and the charts never reach is left out (scripts/echartsUnreached.ts), and
 * Vue is built without the Options API no component uses.
 */
const TOTAL_BUDGET = 250 * 1024
/**
 * The realtime engine's worker script: downloaded once per browser (every tab shares it), parsed
 * and run off the page's thread, so it has its own budget beside the page's.
 */
const ENGINE_BUDGET = 20 * 1024
/** The worker's script, and the chunk that runs the same engine in the page where no worker can start. */
const ENGINE_WORKER = /^assets\/engine\.worker-/
const ENGINE_IN_PAGE = /^assets\/engineHost-/

const dist = process.argv[2] ?? 'dist'
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const gz = (file: string) => gzipSync(readFileSync(join(dist, file))).length
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

// What index.html loads before anything else: the entry script and the chunks it preloads.
const named = [
  ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g),
].map((match) => (match[1] as string).replace(/^.*?assets\//, 'assets/'))
const firstPaint = [...new Set(named)]
const allJs = readdirSync(join(dist, 'assets'))
  .filter((name) => name.endsWith('.js'))
  .map((name) => `assets/${name}`)
const problems: string[] = []

const firstBytes = firstPaint.reduce((sum, file) => sum + gz(file), 0)
const pageJs = allJs.filter((file) => !ENGINE_WORKER.test(file) && !ENGINE_IN_PAGE.test(file))
const totalBytes = pageJs.reduce((sum, file) => sum + gz(file), 0)
const engineBytes = allJs
  .filter((file) => ENGINE_WORKER.test(file))
  .reduce((sum, file) => sum + gz(file), 0)
const inPageBytes = allJs
  .filter((file) => ENGINE_IN_PAGE.test(file))
  .reduce((sum, file) => sum + gz(file), 0)
const rows = allJs
  .map((file) => ({ file, bytes: gz(file), first: firstPaint.includes(file) }))
  .sort((a, b) => b.bytes - a.bytes)
for (const row of rows)
  console.log(`  ${row.first ? '*' : ' '} ${kb(row.bytes).padStart(9)}  ${row.file}`)
console.log(
  `first chunk (entry + preloads, *): ${kb(firstBytes)} gzip (budget ${kb(FIRST_PAINT_BUDGET)})`,
)
console.log(
  `all JS of /market/realtime on the page's thread: ${kb(totalBytes)} gzip (budget ${kb(TOTAL_BUDGET)})`,
)
console.log(`the engine's worker: ${kb(engineBytes)} gzip (budget ${kb(ENGINE_BUDGET)})`)
console.log(
  `the engine in the page, loaded only where no worker can start: ${kb(inPageBytes)} gzip`,
)

if (firstPaint.length === 0) problems.push('index.html loads no script: is this a Vite build?')
// The boot script's preloads leave out what the entry's already name (scripts/bootScript.ts).
if (named.length !== firstPaint.length)
  problems.push(
    `index.html names a script twice: ${named.filter((f, i) => named.indexOf(f) !== i)}`,
  )
if (firstBytes > FIRST_PAINT_BUDGET)
  problems.push(`the first chunk is ${kb(firstBytes)} gzip, over ${kb(FIRST_PAINT_BUDGET)}`)
if (totalBytes > TOTAL_BUDGET)
  problems.push(`all JS is ${kb(totalBytes)} gzip, over ${kb(TOTAL_BUDGET)}`)
if (engineBytes === 0)
  problems.push('no engine worker script (assets/engine.worker-*.js) in the build')
if (engineBytes > ENGINE_BUDGET)
  problems.push(`the engine worker is ${kb(engineBytes)} gzip, over ${kb(ENGINE_BUDGET)}`)
if (inPageBytes === 0)
  problems.push('no in-page engine chunk (assets/engineHost-*.js) in the build')
// The charts load after the numbers paint: no ECharts (it marks every chart's element with this
// attribute) and no VChart (its custom element) in what index.html loads first.
for (const file of firstPaint) {
  const text = readFileSync(join(dist, file), 'utf8')
  if (text.includes('_echarts_instance_') || text.includes('x-vue-echarts'))
    problems.push(`${file} is loaded first and carries the chart code`)
}
const files = readdirSync(join(dist, 'assets'))
if (files.some((name) => name.endsWith('.map')))
  problems.push('source maps are in dist/ (set build.sourcemap)')
for (const file of allJs) {
  const text = readFileSync(join(dist, file), 'utf8')
  if (text.includes('sourceMappingURL')) problems.push(`${file} points to a source map`)
  if (text.includes('__VUE_HMR_RUNTIME__') || text.includes('import.meta.hot'))
    problems.push(`${file} has dev-only code`)
}
if (problems.length > 0) {
  console.error(`bundle check failed:\n- ${problems.join('\n- ')}`)
  process.exit(1)
}
console.log('bundle check passed')
