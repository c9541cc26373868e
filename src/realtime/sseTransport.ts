// One HTTP attempt at an SSE stream: fetch, classify the answer, decode UTF-8 and parse with eventsource-parser.
import {
  createParser,
  ParseError,
  type EventSourceMessage,
  type EventSourceParser,
} from 'eventsource-parser'
import { parseRetryAfter } from './backoff'
import { describeError } from './describeError'
import { TaskBudget } from './taskBudget'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export type OpenOutcome =
  | { kind: 'stream'; body: ReadableStream<Uint8Array> }
  | { kind: 'stop'; reason: string }
  | { kind: 'auth'; status: number; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }

export async function openStream(
  fetchFn: FetchLike,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<OpenOutcome> {
  let response: Response
  try {
    response = await fetchFn(url, {
      headers: { Accept: 'text/event-stream', ...headers },
      cache: 'no-store',
      signal,
    })
  } catch (error) {
    if (signal.aborted) throw error
    return { kind: 'retry', reason: `network error: ${describeError(error)}` }
  }
  const { status } = response
  if (status === 204)
    return discard(response, { kind: 'stop', reason: 'the server answered 204: stop streaming' })
  if (status === 401 || status === 403) {
    const reason = `authentication required (HTTP ${status})`
    return discard(response, { kind: 'auth', status, reason })
  }
  if (status < 200 || status >= 300) {
    const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'))
    return discard(response, { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs })
  }
  const contentType = response.headers.get('Content-Type') ?? ''
  if (!/^text\/event-stream\b/i.test(contentType)) {
    const reason = `wrong Content-Type "${contentType || 'none'}"`
    return discard(response, { kind: 'retry', reason })
  }
  if (!response.body) return { kind: 'retry', reason: 'response has no body' }
  return { kind: 'stream', body: response.body }
}

export interface StreamHandlers {
  onActivity(): void
  onMessage(message: EventSourceMessage): void
  /** Also for a block that dispatched no event; '' resets the id. */
  onId(id: string): void
  onRetry(ms: number): void
  onOversize(error: ParseError): void
  /** A promise while the page's frames are behind: the bytes wait in the socket, not in memory. */
  backpressure?(): Promise<void> | null
}

/** Resolves when the server ends the stream; rejects on a network error or abort. */
export async function readStream(
  body: ReadableStream<Uint8Array>,
  handlers: StreamHandlers,
  maxEventChars: number,
): Promise<void> {
  const feeder = new LineFeeder(handlers, maxEventChars)
  // The parser strips the one leading BOM the spec allows: the decoder must not strip another.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const reader = body.getReader()
  // Buffered chunks resolve `read()` in one task: a backlog is parsed in slices (docs/rendering.md).
  const budget = new TaskBudget()
  try {
    for (;;) {
      const asked = performance.now()
      const { done, value } = await reader.read()
      if (done) break
      // A read that waited for the network started a new task: its budget starts afresh.
      if (performance.now() - asked > 1) budget.restart()
      handlers.onActivity()
      const text = decoder.decode(value, { stream: true })
      for (let at = 0; at < text.length; at += SLICE_CHARS) {
        feeder.feed(
          at === 0 && text.length <= SLICE_CHARS ? text : text.slice(at, at + SLICE_CHARS),
        )
        const backlog = handlers.backpressure?.()
        if (backlog) {
          await backlog
          budget.restart()
        } else if (budget.spent()) await budget.yield()
      }
    }
    feeder.feed(decoder.decode())
  } finally {
    reader.releaseLock()
  }
}

/** Characters parsed between two looks at the time budget (a few dozen events). */
const SLICE_CHARS = 8192
/** Feeds the parser line by line: past the size cap, everything up to the next blank line is dropped. */
class LineFeeder {
  private readonly parser: EventSourceParser
  private skipping = false
  private lineChars = 0
  private atLineStart = true
  private afterCR = false

  constructor(
    private readonly handlers: StreamHandlers,
    private readonly maxChars: number,
  ) {
    this.parser = createParser({
      maxBufferSize: maxChars,
      onEvent: handlers.onMessage,
      onId: handlers.onId,
      onRetry: handlers.onRetry,
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.startSkipping(error)
      },
    })
  }

  feed(text: string): void {
    let start = 0
    // Searched again only once passed: linear (docs/reliability.md, "Found here and fixed", 6).
    let cr = -2
    let lf = -2
    while (start < text.length) {
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start)
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start)
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr)
      const piece = end === -1 ? text.slice(start) : text.slice(start, end + 1)
      start = end === -1 ? text.length : end + 1
      this.take(piece, end !== -1)
    }
  }

  private take(piece: string, ends: boolean): void {
    const lfOfCRLF = piece === '\n' && this.afterCR
    const blank = this.atLineStart && (piece === '\r' || (piece === '\n' && !lfOfCRLF))
    this.lineChars = this.atLineStart && !lfOfCRLF ? piece.length : this.lineChars + piece.length
    this.atLineStart = ends
    this.afterCR = piece.endsWith('\r')
    if (this.skipping) {
      if (blank) this.skipping = false
      return
    }
    if (this.lineChars > this.maxChars) {
      this.startSkipping(
        new ParseError(`A line exceeded ${this.maxChars} characters`, {
          type: 'max-buffer-size-exceeded',
        }),
      )
      if (blank) this.skipping = false
      return
    }
    this.parser.feed(piece)
  }

  private startSkipping(error: ParseError): void {
    this.handlers.onOversize(error)
    this.parser.reset()
    this.skipping = true
  }
}

async function discard(response: Response, outcome: OpenOutcome): Promise<OpenOutcome> {
  // A failure to cancel a body of no use changes nothing.
  await response.body?.cancel().catch(() => {})
  return outcome
}
