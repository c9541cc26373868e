// A Vite plugin that leaves out modules ECharts' core always imports and our charts never reach:
// `use([...])` picks charts and components, but these come with `echarts/core` whatever is picked.
import type { Plugin } from 'vite'

/**
 * Each module (under node_modules/) with what the build has in its place and why the
 * page never reaches it. A module that is not there any more (an ECharts upgrade) fails the build.
 */
export const UNREACHED: Record<string, { stub: string; why: string }> = {
  'echarts/lib/theme/dark.js': {
    stub: 'export default {}',
    why: "ECharts' own dark theme: our palette comes from the page's CSS variables (chartTheme.ts)",
  },
  'echarts/lib/i18n/langZH.js': {
    stub: "export { default } from './langEN.js'",
    why: 'the page is in English; ECharts would pick Chinese month names on a Chinese browser',
  },
  'echarts/lib/loading/default.js': {
    stub: "export default function () { throw new Error('ECharts loading animation is not built in') }",
    why: 'showLoading is never called: a chart is mounted only once it has data to draw',
  },
  'echarts/lib/preprocessor/backwardCompat.js': {
    stub: 'export default function () {}',
    why: 'rewrites option shapes of ECharts 2–4; the option builders are typed with ECharts 6 options',
  },
  'echarts/lib/legacy/dataSelectAction.js': {
    stub: 'export function createLegacyDataSelectAction() {}\nexport function handleLegacySelectEvents() {}',
    why: 'the pie and map charts\u2019 old select events; only line series are registered',
  },
  'echarts/lib/util/decal.js': {
    stub: 'export function createOrUpdatePatternFromDecal() { return null }',
    why: 'decal patterns are drawn only with aria.decal or a decal style, and no option sets either',
  },
  'echarts/lib/chart/line/lineAnimationDiff.js': {
    stub: "export default function () { throw new Error('line animation is not built in') }",
    why: 'animates a line between updates; every series is drawn with animation: false (streamLine)',
  },
  'echarts/lib/component/tooltip/TooltipRichContent.js': {
    stub: "export default class { constructor() { throw new Error('rich-text tooltips are not built in') } }",
    why: "the tooltip's renderMode for canvases without a DOM; in a page it is always 'html'",
  },
  'echarts/lib/coord/axisAlignTicks.js': {
    stub: "export function scaleCalcAlign() { throw new Error('alignTicks is not built in') }",
    why: 'lines up the ticks of axes that ask for alignTicks; no axis asks',
  },
  'zrender/lib/graphic/IncrementalDisplayable.js': {
    stub: 'export default class {}',
    why: "large scatter and lines series' progressive drawing; a line series never draws that way",
  },
  'zrender/lib/graphic/helper/roundSector.js': {
    stub: 'export function buildPath() {}',
    why: 'draws pie, gauge and polar sectors; only lines, areas and rectangles are drawn',
  },
}

const ROOT = 'node_modules/'

export function echartsUnreached(): Plugin {
  const seen = new Set<string>()
  return {
    name: 'echarts-unreached',
    apply: 'build',
    enforce: 'pre',
    load(id) {
      const at = id.indexOf(ROOT)
      if (at < 0) return undefined
      const path = id.slice(at + ROOT.length)
      const entry = UNREACHED[path]
      if (!entry) return undefined
      seen.add(path)
      return entry.stub
    },
    buildEnd(error) {
      if (error) return
      const missing = Object.keys(UNREACHED).filter((path) => !seen.has(path))
      // Only a build that has the charts at all must have met every module.
      if (missing.length > 0 && seen.size > 0)
        this.error(`echarts-unreached: ECharts no longer imports ${missing.join(', ')}`)
    },
  }
}
