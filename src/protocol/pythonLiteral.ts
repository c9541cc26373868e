// A strict reader for the Python literal text that `str(dict)` of JSON-like data produces.
//
// sse-starlette sends `str(data)` when a handler yields a dict instead of `json.dumps(data)`:
// `{'ok': True, 'x': None, 'name': 'a\'b'}`. This reads exactly that subset of Python — dicts with
// string keys, lists, tuples, str (single or double quoted, Python escapes), int, float, True,
// False, None — into the value `json.loads(json.dumps(data))` would give. Nothing is evaluated;
// anything else (a call such as `datetime.datetime(…)`, a set, bytes, inf, nan) is a rejection with
// a reason. No npm package does exactly this subset strictly, so it is kept here, small and fuzzed.

import type { ParseResult } from './contract'

/** Deepest nesting accepted; deeper text is rejected instead of exhausting the stack. */
export const PYTHON_LITERAL_MAX_DEPTH = 64

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
}

const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const NAME = /[A-Za-z_][A-Za-z0-9_.]*/y

class Reject extends Error {}

/** Parses `text` as one Python literal; returns its JSON-equivalent value or why it is not one. */
export function parsePythonLiteral(text: string): ParseResult<unknown> {
  const reader = new LiteralReader(text)
  try {
    const value = reader.value(0)
    reader.skipSpace()
    if (!reader.atEnd()) reader.fail('unexpected text after the value')
    return { ok: true, value }
  } catch (error) {
    if (error instanceof Reject) return { ok: false, reason: error.message }
    throw error
  }
}

class LiteralReader {
  private at = 0

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length
  }

  fail(reason: string): never {
    throw new Reject(`${reason} at position ${this.at}`)
  }

  skipSpace(): void {
    while (this.at < this.text.length && ' \t\r\n'.includes(this.text[this.at] as string))
      this.at += 1
  }

  value(depth: number): unknown {
    this.skipSpace()
    const c = this.text[this.at]
    if (c === undefined) this.fail('the text ends where a value should be')
    if (c === '{') return this.dict(depth + 1)
    if (c === '[') return this.sequence(']', depth + 1)
    if (c === '(') return this.sequence(')', depth + 1)
    if (c === "'" || c === '"') return this.string()
    if (c === '-' || c === '.' || (c >= '0' && c <= '9')) return this.number()
    return this.name()
  }

  private enter(depth: number): void {
    if (depth > PYTHON_LITERAL_MAX_DEPTH)
      this.fail(`nesting deeper than ${PYTHON_LITERAL_MAX_DEPTH}`)
    this.at += 1
  }

  private dict(depth: number): Record<string, unknown> {
    this.enter(depth)
    const result: Record<string, unknown> = {}
    for (let first = true; ; first = false) {
      this.skipSpace()
      if (this.text[this.at] === '}') {
        this.at += 1
        return result
      }
      if (!first) this.expect(',')
      this.skipSpace()
      if (this.text[this.at] === '}') {
        this.at += 1
        return result
      }
      const keyAt = this.at
      const key = this.value(depth)
      this.skipSpace()
      if (this.text[this.at] !== ':') {
        if (first && (this.text[this.at] === ',' || this.text[this.at] === '}'))
          this.fail('a set is not a JSON value')
        this.expect(':')
      }
      if (typeof key !== 'string') {
        this.at = keyAt
        this.fail('a dict key that is not a string has no JSON form')
      }
      this.at += 1
      // Defined as data, so a key such as "__proto__" stays an ordinary key.
      Object.defineProperty(result, key, {
        value: this.value(depth),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }

  private sequence(close: ']' | ')', depth: number): unknown[] {
    this.enter(depth)
    const result: unknown[] = []
    for (;;) {
      this.skipSpace()
      if (this.text[this.at] === close) {
        this.at += 1
        return result
      }
      if (result.length > 0) {
        this.expect(',')
        this.skipSpace()
        if (this.text[this.at] === close) {
          this.at += 1
          return result
        }
      }
      result.push(this.value(depth))
    }
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) this.fail(`expected "${char}"`)
    this.at += 1
  }

  private string(): string {
    const quote = this.text[this.at] as string
    this.at += 1
    let out = ''
    let from = this.at
    for (;;) {
      const c = this.text[this.at]
      if (c === undefined || c === '\n' || c === '\r') this.fail('unterminated string')
      if (c === quote) {
        out += this.text.slice(from, this.at)
        this.at += 1
        return out
      }
      if (c !== '\\') {
        this.at += 1
        continue
      }
      out += this.text.slice(from, this.at)
      out += this.escape()
      from = this.at
    }
  }

  private escape(): string {
    const c = this.text[this.at + 1]
    if (c === undefined) this.fail('unterminated string')
    const simple = SIMPLE_ESCAPES[c]
    if (simple !== undefined) {
      this.at += 2
      return simple
    }
    if (c >= '0' && c <= '7') {
      const digits = /[0-7]{1,3}/y
      digits.lastIndex = this.at + 1
      const octal = digits.exec(this.text)?.[0] ?? c
      this.at += 1 + octal.length
      return String.fromCharCode(parseInt(octal, 8))
    }
    const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0
    if (width === 0) this.fail(`unknown escape "\\${c}"`)
    const hex = this.text.slice(this.at + 2, this.at + 2 + width)
    if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) this.fail(`bad "\\${c}" escape`)
    const code = parseInt(hex, 16)
    if (code > 0x10ffff) this.fail(`"\\${c}${hex}" is beyond Unicode`)
    this.at += 2 + width
    return String.fromCodePoint(code)
  }

  private number(): number {
    NUMBER.lastIndex = this.at
    const match = NUMBER.exec(this.text)
    if (!match) this.fail('not a number')
    const end = this.at + match[0].length
    const next = this.text[end]
    if (next !== undefined && /[A-Za-z0-9_]/.test(next)) {
      // `1j`, `0x1F`, `1_000`, `-inf`: Python number forms that have no JSON equivalent here.
      const word = /[A-Za-z0-9_.]*/y
      word.lastIndex = end
      this.fail(`"${match[0]}${word.exec(this.text)?.[0] ?? ''}" is not a JSON number`)
    }
    if (/^-?0\d+$/.test(match[0])) this.fail(`"${match[0]}": leading zeros are not a Python int`)
    const value = Number(match[0])
    if (!Number.isFinite(value)) this.fail(`"${match[0]}" is out of range for a JSON number`)
    this.at = end
    return value
  }

  private name(): unknown {
    NAME.lastIndex = this.at
    const name = NAME.exec(this.text)?.[0]
    if (name === undefined) this.fail(`unexpected "${this.text[this.at]}"`)
    if (name === 'True' || name === 'False' || name === 'None') {
      this.at += name.length
      return name === 'True' ? true : name === 'False' ? false : null
    }
    if (name === 'inf' || name === 'nan') this.fail(`${name} is not a JSON number`)
    if (
      (name === 'b' || name === 'rb' || name === 'br') &&
      /['"]/.test(this.text[this.at + name.length] ?? '')
    )
      this.fail('bytes have no JSON form')
    const after = this.text[this.at + name.length]
    if (after === '(') this.fail(`${name}(…) is a call, not a literal`)
    if (after === '<' || this.text[this.at] === '<') this.fail('an object repr is not a literal')
    this.fail(`${name} is a name, not a literal`)
  }
}
