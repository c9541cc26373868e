// The engine's shape as docs/engine.md describes it: small, no long classes, and one-way imports.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '../..')

function sources(folder: string): { path: string; text: string }[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|vue)$/.test(name))
    .map((name) => ({
      path: `${folder}/${name}`,
      text: readFileSync(join(root, folder, name), 'utf8'),
    }))
}

/** Lines from each top-level `class` to its closing brace at the start of a line. */
function classLengths(text: string): { name: string; lines: number }[] {
  const found: { name: string; lines: number }[] = []
  let open: { name: string; at: number } | null = null
  text.split('\n').forEach((line, at) => {
    const start = /^(?:export )?(?:default )?(?:abstract )?class (\w+)/.exec(line)
    if (start && !open) open = { name: start[1] as string, at }
    else if (open && line.startsWith('}')) {
      found.push({ name: open.name, lines: at - open.at + 1 })
      open = null
    }
  })
  return found
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string)
}

describe('the realtime engine', () => {
  const engine = sources('src/realtime')

  it('stays under 3,100 lines with no class over 250', () => {
    const total = engine.reduce((sum, file) => sum + file.text.split('\n').length - 1, 0)
    expect(total).toBeLessThan(3100)
    const long = engine.flatMap((file) =>
      classLengths(file.text)
        .filter((c) => c.lines > 250)
        .map((c) => `${file.path}: ${c.name} (${c.lines} lines)`),
    )
    expect(long).toEqual([])
    // The measure finds the classes it is about.
    const names = engine.flatMap((file) => classLengths(file.text).map((c) => c.name))
    expect(names).toEqual(expect.arrayContaining(['RealtimeClient', 'EngineHost', 'EngineProxy']))
  })

  it('imports nothing from the page side, and config imports nothing of it', () => {
    const pageSide = /^(?:@\/|\.\.\/)(components|stores|render|config|composables|views)\//
    const wrong = engine.flatMap((file) =>
      importsOf(file.text)
        .filter((path) => pageSide.test(path))
        .map((path) => `${file.path} → ${path}`),
    )
    const config = sources('src/config').flatMap((file) =>
      importsOf(file.text)
        .filter((path) => /(^@\/realtime\/|\/realtime\/)/.test(path))
        .map((path) => `${file.path} → ${path}`),
    )
    expect([...wrong, ...config]).toEqual([])
  })
})
