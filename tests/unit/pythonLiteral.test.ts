// The Python-literal reader: every repr real Python produced decodes to its JSON twin; everything
// else is a clear rejection; mutated text never throws (seeded fuzz).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parsePythonLiteral, PYTHON_LITERAL_MAX_DEPTH } from '@/protocol/pythonLiteral'

interface Fixture {
  seed: number
  cases: { repr: string; json: unknown }[]
  rejections: { kind: string; repr: string }[]
}

/** Written by tests/interop/backend/make_literals.py with real Python: `repr` and `json.dumps` of one value. */
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/python-literals.json', import.meta.url), 'utf8'),
) as Fixture

/** A small seeded PRNG (mulberry32): the same cases on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Only what JSON can carry: null, booleans, finite numbers, strings, arrays, plain objects. */
function isJsonData(value: unknown): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(isJsonData)
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.values(value).every(isJsonData)
  return false
}

describe('parsePythonLiteral', () => {
  it('decodes every repr real Python produced into the value json.dumps gave', () => {
    expect(fixture.cases.length).toBeGreaterThan(100)
    for (const { repr, json } of fixture.cases) {
      const parsed = parsePythonLiteral(repr)
      expect(parsed, repr.slice(0, 120)).toEqual({ ok: true, value: json })
    }
  })

  it('rejects what is not a JSON-like literal, with a reason, for every case real Python wrote', () => {
    expect(fixture.rejections.length).toBeGreaterThan(10)
    for (const { repr } of fixture.rejections) {
      const parsed = parsePythonLiteral(repr)
      expect(parsed.ok, repr).toBe(false)
      if (!parsed.ok) expect(parsed.reason, repr).toMatch(/ at position \d+$/)
    }
  })

  it('names the reason: a call, inf and nan, a set, bytes', () => {
    const reason = (text: string) => {
      const parsed = parsePythonLiteral(text)
      return parsed.ok ? 'accepted' : parsed.reason
    }
    expect(reason("{'t': datetime.datetime(2026, 1, 4)}")).toMatch(
      /^datetime\.datetime\(…\) is a call, not a literal/,
    )
    expect(reason("{'x': inf}")).toMatch(/^inf is not a JSON number/)
    expect(reason("{'x': nan}")).toMatch(/^nan is not a JSON number/)
    expect(reason("{'x': -inf}")).toMatch(/not a number/)
    expect(reason("{'x': 1e999}")).toMatch(/out of range/)
    expect(reason('{1, 2}')).toMatch(/^a set is not a JSON value/)
    expect(reason("{'b': b'raw'}")).toMatch(/^bytes have no JSON form/)
    expect(reason('{1: 2}')).toMatch(/dict key that is not a string/)
    expect(reason("{'a': 1} trailing")).toMatch(/^unexpected text after the value/)
    expect(reason("{'a': 'open")).toMatch(/^unterminated string/)
    expect(reason("{'a': __import__('os')}")).toMatch(/is a call, not a literal/)
  })

  it('reads Python escapes, both quote styles, non-ASCII and True/False/None', () => {
    const text =
      "{'q': 'it\\'s', \"d\": \"say \\\"hi\\\"\", 'esc': '\\t\\n\\\\\\x41\\u00e9\\U0001f680\\101', 'u': 'é 漢 🚀', 'flags': (True, False, None), 'n': -0.0, 'e': 1e-07}"
    expect(parsePythonLiteral(text)).toEqual({
      ok: true,
      value: {
        q: "it's",
        d: 'say "hi"',
        esc: '\t\n\\Aé🚀A',
        u: 'é 漢 🚀',
        flags: [true, false, null],
        n: -0,
        e: 1e-7,
      },
    })
  })

  it('keeps a "__proto__" key as data and refuses nesting deeper than its cap', () => {
    const parsed = parsePythonLiteral("{'__proto__': {'polluted': True}}")
    expect(parsed.ok).toBe(true)
    if (parsed.ok) {
      expect(Object.keys(parsed.value as object)).toEqual(['__proto__'])
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    }
    const deep = '['.repeat(PYTHON_LITERAL_MAX_DEPTH + 1) + ']'.repeat(PYTHON_LITERAL_MAX_DEPTH + 1)
    expect(parsePythonLiteral(deep)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/nesting deeper/),
    })
    const ok = '['.repeat(PYTHON_LITERAL_MAX_DEPTH) + ']'.repeat(PYTHON_LITERAL_MAX_DEPTH)
    expect(parsePythonLiteral(ok).ok).toBe(true)
    // Far deeper than any stack: still a reason, not a crash.
    expect(parsePythonLiteral('['.repeat(200_000)).ok).toBe(false)
  })

  it('never throws on mutated text, and what it accepts is plain JSON data (seeded fuzz)', () => {
    const random = prng(fixture.seed)
    const alphabet = `{}[](),:'"\\ xuU0123456789abcdefTrueFalseNone.-+eé漢🚀\n\t`
    for (let i = 0; i < 3000; i += 1) {
      const base = fixture.cases[Math.floor(random() * fixture.cases.length)]?.repr ?? ''
      let text = base
      const edits = 1 + Math.floor(random() * 4)
      for (let e = 0; e < edits; e += 1) {
        const at = Math.floor(random() * (text.length + 1))
        const kind = random()
        if (kind < 0.4) text = text.slice(0, at) + text.slice(at + 1)
        else if (kind < 0.8)
          text =
            text.slice(0, at) +
            (alphabet[Math.floor(random() * alphabet.length)] ?? '') +
            text.slice(at)
        else text = text.slice(0, at)
      }
      const parsed = parsePythonLiteral(text)
      if (parsed.ok) expect(isJsonData(parsed.value), text).toBe(true)
      else expect(parsed.reason.length).toBeGreaterThan(0)
    }
  })
})
