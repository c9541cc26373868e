// The documents describe the repository as it is: every repository path they name (in backticks,
// in a code block, in running text) exists, every relative link reaches a file and heading, a file
// named with a symbol (`src/x.ts` `Thing`) still has it, a `Class.member` they name is still in the
// code, and the README's layout lists exactly the folders of src/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Paths the documents name that a clone does not have until something writes them: the bench's
 * untracked output.
 */
const GENERATED = ['bench/.out/']

/** README.md, docs/*.md and every examples/**\/README.md, relative to the root. */
function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
  const examples: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name === 'README.md') examples.push(path)
    }
  }
  walk('examples')
  return ['README.md', ...docs, ...examples]
}

/** The text outside fenced code blocks, line by line (numbers kept for the messages). */
function proseLines(text: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = []
  let fenced = false
  text.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    else if (!fenced) lines.push({ line: index + 1, text: line })
  })
  return lines
}

/** `src/a.ts:12`, `src/a.ts:12:5`, `docs/x.md#part`, `bench/run.ts --pages app` → the path. */
function barePath(span: string): string {
  const first = span.trim().split(/\s+/)[0] ?? ''
  return first
    .replace(/#.*$/, '')
    .replace(/[.:]+$/, '')
    .replace(/(:\d+)+$/, '')
    .replace(/[.:]+$/, '')
}

/** A glob or placeholder (`src/realtime/*.ts`, `bench/results/<date>.json`) is checked by its folder. */
function checkedPart(path: string): string {
  const wild = path.search(/[*?[{<]/)
  if (wild === -1) return path
  return path.slice(0, path.lastIndexOf('/', wild) + 1)
}

function exists(path: string): boolean {
  if (GENERATED.some((prefix) => path.startsWith(prefix))) return true
  const full = join(ROOT, checkedPart(path))
  if (!existsSync(full)) return false
  // `src/render/` names a folder: it must be one.
  return !path.endsWith('/') || statSync(full).isDirectory()
}

interface Finding {
  doc: string
  line: number
  named: string
}

const BACKTICKED = /`([^`]+)`/g
const LINK = /\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g

/**
 * A path under one of the repository's top-level folders (src/, server/, tests/, bench/, scripts/,
 * docs/, examples/) where it starts a word: not inside a URL or another path.
 */
const PATH = /(?<![\w./-])((?:src|server|tests|bench|scripts|docs|examples)\/[^\s`'"()[\],;|]*)/g

/**
 * Repository paths, checked from the repository's root: every one in backticks or in a fenced
 * block, and in running text those that read as paths (a folder's `/` or a file's extension), so
 * that words like "server/browser" are left alone.
 */
function missingPaths(doc: string, text: string): Finding[] {
  const found: Finding[] = []
  const check = (line: number, candidate: string, literal: boolean): void => {
    const path = barePath(candidate)
    if (!literal && !/(\/|\.\w+)$/.test(path)) return
    if (!exists(path)) found.push({ doc, line, named: candidate })
  }
  let fenced = false
  text.split('\n').forEach((raw, index) => {
    const line = index + 1
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced
      return
    }
    if (fenced) {
      for (const match of raw.matchAll(PATH)) check(line, match[1] ?? '', true)
      return
    }
    for (const match of raw.matchAll(BACKTICKED)) {
      for (const inner of (match[1] ?? '').matchAll(PATH)) check(line, inner[1] ?? '', true)
    }
    for (const match of raw.replace(BACKTICKED, ' ').matchAll(PATH)) {
      check(line, match[1] ?? '', false)
    }
  })
  return found
}

/** The anchors a Markdown viewer gives a document's headings (GitHub's rule, duplicates numbered). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const { text: line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    found.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return found
}

/**
 * Relative links, resolved from the document's folder as a Markdown viewer resolves them; a link
 * into a Markdown document with an anchor needs a heading with that anchor.
 */
function missingLinkTargets(doc: string, text: string): Finding[] {
  const found: Finding[] = []
  for (const { line, text: prose } of proseLines(text)) {
    for (const match of prose.matchAll(LINK)) {
      const target = match[1] ?? ''
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
      const [path = '', anchor] = target.replace(/\?[^#]*/, '').split('#')
      const fromRoot = path === '' ? doc : relative(ROOT, resolve(ROOT, dirname(doc), path))
      const missing =
        fromRoot.startsWith('..') ||
        (path !== '' && !exists(fromRoot + (path.endsWith('/') ? '/' : ''))) ||
        (anchor !== undefined &&
          fromRoot.endsWith('.md') &&
          !anchors(fromRoot === doc ? text : readFileSync(join(ROOT, fromRoot), 'utf8')).has(
            anchor,
          ))
      if (missing) found.push({ doc, line, named: target })
    }
  }
  return found
}

/**
 * `src/x.ts` `Name` (or `Name.member`): the file still declares Name. Only a source path directly
 * followed by a backticked identifier counts, so prose between them never makes a false pairing.
 */
function missingSymbols(doc: string, text: string): Finding[] {
  const found: Finding[] = []
  const pair =
    /`((?:src|server|bench|scripts)\/[^`\s]+\.(?:ts|vue))(?::\d+)*`,? \(?`([A-Za-z_$][\w$]*)(?:\.[\w$]+)?(?:\(\))?`/g
  for (const { line, text: prose } of proseLines(text)) {
    for (const match of prose.matchAll(pair)) {
      const file = match[1] ?? ''
      const symbol = match[2] ?? ''
      if (!existsSync(join(ROOT, file))) continue // reported as a missing path
      const source = readFileSync(join(ROOT, file), 'utf8')
      if (!new RegExp(`\\b${symbol.replace(/\$/g, '\\$')}\\b`).test(source)) {
        found.push({ doc, line, named: `${file} ${symbol}` })
      }
    }
  }
  return found
}

/** Names that are the platform's, not the repository's (browser and DevTools protocol objects). */
const PLATFORM = new Set([
  'EventSource',
  'HeapProfiler',
  'Memory',
  'ReadableStreamDefaultReader',
  'Response',
  'Runtime',
  'Scheduler',
])

/** Where each top-level class, type, function or constant of the code is declared. */
function declarations(): Map<string, string> {
  const declared = new Map<string, string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (/\.(ts|vue)$/.test(entry.name)) {
        const source = readFileSync(join(ROOT, path), 'utf8')
        const names = source.matchAll(
          /^(?:export )?(?:default )?(?:abstract )?(?:class|interface|type|function|const|let|enum) ([A-Za-z_$][\w$]*)/gm,
        )
        for (const match of names) declared.set(match[1] ?? '', path)
      }
    }
  }
  for (const dir of ['src', 'server', 'bench', 'scripts']) walk(dir)
  return declared
}

/**
 * `Name.member` with a capitalised Name (`ChannelSubscription.deliver`, `TimeSeries.decimated`):
 * Name is declared in the code and its file mentions the member. Platform objects are skipped.
 */
function missingMembers(doc: string, text: string, declared: Map<string, string>): Finding[] {
  const found: Finding[] = []
  for (const { line, text: prose } of proseLines(text)) {
    for (const match of prose.matchAll(/`([A-Z][\w$]*)\.([A-Za-z_$][\w$]*)(?:\(\))?`/g)) {
      const [, name = '', member = ''] = match
      if (name in globalThis || PLATFORM.has(name)) continue
      const file = declared.get(name)
      const source = file === undefined ? '' : readFileSync(join(ROOT, file), 'utf8')
      if (!new RegExp(`\\b${member}\\b`).test(source)) {
        found.push({ doc, line, named: `${name}.${member}` })
      }
    }
  }
  return found
}

const format = (findings: Finding[]): string[] =>
  findings.map(({ doc, line, named }) => `${doc}:${line}: ${named}`)

describe('the documents name only what the repository has', () => {
  const docs = documents().map((doc) => ({ doc, text: readFileSync(join(ROOT, doc), 'utf8') }))

  it('reads the README, docs/ and the examples', () => {
    const names = docs.map(({ doc }) => doc)
    expect(names).toContain('README.md')
    expect(names).toContain('docs/rendering.md')
    expect(names).toContain('examples/fastapi/README.md')
  })

  it('names only paths that exist (from the root)', () => {
    expect(format(docs.flatMap(({ doc, text }) => missingPaths(doc, text)))).toEqual([])
  })

  it('links only files that exist (relative to the document)', () => {
    expect(format(docs.flatMap(({ doc, text }) => missingLinkTargets(doc, text)))).toEqual([])
  })

  it('names a symbol with its file only where the file has it', () => {
    expect(format(docs.flatMap(({ doc, text }) => missingSymbols(doc, text)))).toEqual([])
  })

  it('names a class member only where the class has it', () => {
    const declared = declarations()
    expect(format(docs.flatMap(({ doc, text }) => missingMembers(doc, text, declared)))).toEqual([])
  })

  it('catches what it is meant to catch', () => {
    const sample = [
      'The feed (`src/realtime/channelFeed.ts:151`) and `src/realtime/*.ts`, `bench/.out/`,',
      'see src/realtime/tabMessages.ts, `tsx scripts/gone.ts --x`, the server/browser split.',
      '`src/render/scheduler.ts` `NoSuchThing`, `src/render/scheduler.ts` `FRAME_BUDGET_MS`,',
      '[gone](gone.md), [here](rendering.md#what-was-tried-and-not-kept), [site](https://x.y/z.md),',
      '`ChannelFeed.deliver`, `TimeSeries.decimated`, `JSON.parse`, `Runtime.getHeapUsage`',
      '[no such part](rendering.md#not-done-yet), [this page](#a-heading), [up](#the-feed)',
      '## The feed',
      '```',
      'src/not-here-either.ts',
      '```',
    ].join('\n')
    expect(format(missingPaths('docs/sample.md', sample))).toEqual([
      'docs/sample.md:1: src/realtime/channelFeed.ts:151',
      'docs/sample.md:2: scripts/gone.ts',
      'docs/sample.md:2: src/realtime/tabMessages.ts',
      'docs/sample.md:9: src/not-here-either.ts',
    ])
    expect(format(missingLinkTargets('docs/sample.md', sample))).toEqual([
      'docs/sample.md:4: gone.md',
      'docs/sample.md:6: rendering.md#not-done-yet',
      'docs/sample.md:6: #a-heading',
    ])
    expect(format(missingSymbols('docs/sample.md', sample))).toEqual([
      'docs/sample.md:3: src/render/scheduler.ts NoSuchThing',
    ])
    expect(format(missingMembers('docs/sample.md', sample, declarations()))).toEqual([
      'docs/sample.md:5: ChannelFeed.deliver',
    ])
  })
})

describe("the README's layout", () => {
  it('lists every folder of src/, and only those', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const layout = /## Layout\s+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const listed = [...layout.matchAll(/^src\/([\w-]+)\//gm)].map((match) => match[1]).sort()
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
    expect(listed).toEqual(folders)
  })
})
