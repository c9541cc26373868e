// One HTTP attempt at an SSE stream: fetch, classify the answer, decode UTF-8 and parse with eventsource-parser.
import {
  createParser,
  type EventSourceMessage,
  type EventSourceParser,
  type ParseError,
} from 'eventsource-parser'
import { parseRetryAfter } from './backoff'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

/** How a stream request was answered, before any byte of the body is read. */
export type OpenOutcome =
  | { kind: 'stream'; body: ReadableStream<Uint8Array> }
  | { kind: 'stop'; reason: string }
  | { kind: 'auth'; status: number; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }

/** Sends the request and sorts the answer into what the reconnect logic must do next. */
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
  if (status === 204) {
    await discard(response)
    return { kind: 'stop', reason: 'the server answered 204: stop streaming' }
  }
  if (status === 401 || status === 403) {
    await discard(response)
    return { kind: 'auth', status, reason: `authentication required (HTTP ${status})` }
  }
  if (status < 200 || status >= 300) {
    const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'))
    await discard(response)
    return { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs }
  }
  const contentType = response.headers.get('Content-Type') ?? ''
  if (!/^text\/event-stream\b/i.test(contentType)) {
    await discard(response)
    return { kind: 'retry', reason: `wrong Content-Type "${contentType || 'none'}"` }
  }
  if (!response.body) return { kind: 'retry', reason: 'response has no body' }
  return { kind: 'stream', body: response.body }
}

export interface StreamHandlers {
  /** Any byte arrived: the link is alive (pings included). */
  onActivity(): void
  onMessage(message: EventSourceMessage): void
  onRetry(ms: number): void
  onOversize(error: ParseError): void
}

/**
 * Reads `body` to its end, feeding decoded text to the parser. Resolves when the server ends the
 * stream; rejects on a network error or abort. Events larger than `maxEventChars` are skipped
 * with `onOversize` and parsing goes on after them.
 */
export async function readStream(
  body: ReadableStream<Uint8Array>,
  handlers: StreamHandlers,
  maxEventChars: number,
): Promise<void> {
  const parser = createParser({
    maxBufferSize: maxEventChars,
    onEvent: handlers.onMessage,
    onRetry: handlers.onRetry,
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') {
        handlers.onOversize(error)
        parser.reset()
      }
    },
  })
  // The streaming decoder keeps a multi-byte character split across chunks whole.
  const decoder = new TextDecoder('utf-8')
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      handlers.onActivity()
      feedByLine(parser, decoder.decode(value, { stream: true }))
    }
    feedByLine(parser, decoder.decode())
  } finally {
    reader.releaseLock()
  }
}

/**
 * Feeds text one line at a time. When an oversize event trips the parser's buffer cap, the parser
 * drops the rest of the text it was fed; line-sized feeds mean that rest is never a valid event.
 */
function feedByLine(parser: EventSourceParser, text: string): void {
  let start = 0
  while (start < text.length) {
    const lf = text.indexOf('\n', start)
    const cr = text.indexOf('\r', start)
    const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr)
    if (end === -1) {
      parser.feed(start === 0 ? text : text.slice(start))
      return
    }
    parser.feed(text.slice(start, end + 1))
    start = end + 1
  }
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel()
  } catch {
    // The body is of no use; a failure to cancel it changes nothing.
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
