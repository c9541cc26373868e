// One logical SSE stream (one channel, or several multiplexed): reconnects, watchdog, resume, polling.
import { MAX_ID_CHARS } from '@/protocol/limits'
import { backoffDelay } from './backoff'
import type { ConnectionState } from './connectionState'
import type { NetworkMonitor } from './network'
import { describeError } from './describeError'
import { decodeMessage } from './eventDecoder'
import { openStream, readStream, type FetchLike } from './sseTransport'
import { HistoryPolling } from './historyPolling'
import { StreamChannels, type StreamChannelsOptions } from './streamChannels'
import { createWaiter } from './wait'
import { Watchdog } from './watchdog'

/** A server's `retry:` or Retry-After is honoured up to an hour (timers cannot wait ~25 days). */
const MAX_SERVER_DELAY_MS = 3_600_000

export interface StreamConnectionOptions extends StreamChannelsOptions {
  /** Where the stream resumes when it has no last event id of its own (docs/protocol.md). */
  resumeCursor(): string | null
  /** `inQuery`: the id cannot travel as a header and must go in `last_event_id`. */
  streamUrl(lastEventId: string | null, inQuery: boolean): string
  /** Rebuilt for each attempt: a token may have changed. */
  headers(): Promise<Record<string, string>>
  /** Asked after a 401/403: resolves true when a new credential is worth another attempt. */
  renewAuth(): Promise<boolean>
  fetch: FetchLike
  network: NetworkMonitor
  /** The status endpoint's keepalive interval, else the transport's. */
  heartbeatMs: number
  /** A promise while the page's frames are behind: the backlog then stays in the socket. */
  backpressure?: () => Promise<void> | null
}

type Attempt =
  | { kind: 'stop'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'renewed' }
  | { kind: 'retry'; reason: string; healthy: boolean; retryAfterMs?: number }

export class StreamConnection {
  private state: ConnectionState = { phase: 'idle' }
  private generation = 0
  private attempt = 0
  private streamFailures = 0
  private serverRetryMs: number | undefined
  /** As the wire set it (an empty `id:` makes it null: send none); undefined: ask the channels. */
  private lastEventId: string | null | undefined
  private controller: AbortController | null = null
  private running = false
  private stopped = false
  private readonly polling: HistoryPolling
  private streamState: ConnectionState = { phase: 'idle' }
  private readonly waiter = createWaiter()
  private readonly channels: StreamChannels
  private unsubscribeNetwork: (() => void) | null = null

  constructor(private readonly options: StreamConnectionOptions) {
    this.channels = new StreamChannels(options)
    this.polling = new HistoryPolling(
      async (current) => {
        // A channel's cursor is then past the stream's id. Not so on the multiplexed stream: its
        // channels were read one after another, so each is complete up to a different moment.
        if (!options.multiplexed) this.lastEventId = undefined
        return this.channels.pollOnce(current)
      },
      options.transport.pollIntervalMs,
      () => this.publish(),
      () => this.stopped,
    )
  }

  /** The last id this stream's wire set; undefined when it has none of its own. */
  get wireCursor(): string | null | undefined {
    return this.lastEventId
  }

  start(): void {
    if (this.running || this.stopped) return
    this.running = true
    this.unsubscribeNetwork = this.options.network.subscribe((online) => {
      if (!online) this.abortAttempt()
      this.waiter.wake()
    })
    void this.loop()
  }

  close(reason = 'closed'): void {
    if (this.stopped) return
    this.stopped = true
    this.unsubscribeNetwork?.()
    this.abortAttempt()
    this.waiter.wake()
    this.setState({ phase: 'closed', reason })
  }

  retryNow(): void {
    this.attempt = 0
    if (this.state.phase === 'failed' && this.running === false) {
      this.running = true
      void this.loop()
    }
    this.waiter.wake()
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!this.options.network.isOnline()) {
        this.polling.stop()
        this.setState({ phase: 'offline' })
        await this.waiter.untilWoken()
        this.attempt = 0
        continue
      }
      const verdict = await this.attemptOnce()
      if (this.stopped) continue
      if (verdict.kind === 'stop') {
        this.close(verdict.reason)
        return
      }
      if (verdict.kind === 'failed') {
        this.polling.stop()
        this.running = false
        this.setState({ phase: 'failed', reason: verdict.reason })
        return
      }
      if (verdict.kind === 'renewed') continue
      if (!this.options.network.isOnline()) continue
      this.options.observer.onReport({ type: 'error', message: verdict.reason })
      if (verdict.healthy) {
        this.attempt = 0
        this.streamFailures = 0
      } else {
        this.streamFailures += 1
        if (this.options.history && this.streamFailures >= this.options.transport.pollAfterFailures)
          this.polling.start(verdict.reason)
      }
      this.attempt += 1
      const delay = Math.max(
        Math.min(verdict.retryAfterMs ?? 0, MAX_SERVER_DELAY_MS),
        backoffDelay(this.attempt, this.options.transport, Math.random, this.serverRetryMs),
      )
      this.setState({
        phase: 'backoff',
        attempt: this.attempt,
        retryAt: Date.now() + delay,
        reason: verdict.reason,
      })
      await this.waiter.sleep(delay)
      this.options.observer.onReport({ type: 'reconnect' })
    }
  }

  private async attemptOnce(): Promise<Attempt> {
    const generation = ++this.generation
    const controller = new AbortController()
    this.controller = controller
    this.setState({ phase: 'connecting', attempt: this.attempt + 1 })
    let headers: Record<string, string>
    try {
      headers = await this.options.headers()
    } catch (error) {
      return { kind: 'failed', reason: `could not get credentials: ${describeError(error)}` }
    }
    const sentCursor =
      this.lastEventId === undefined ? this.options.resumeCursor() : this.lastEventId
    // An id that is not a valid header value would make fetch throw on every attempt.
    const inQuery = sentCursor !== null && !isHeaderValue(sentCursor)
    if (sentCursor !== null && !inQuery) headers['Last-Event-ID'] = sentCursor
    let outcome
    try {
      outcome = await openStream(
        this.options.fetch,
        this.options.streamUrl(sentCursor, inQuery),
        headers,
        controller.signal,
      )
    } catch {
      return { kind: 'retry', reason: 'aborted', healthy: false }
    }
    if (outcome.kind === 'stop') return outcome
    if (outcome.kind === 'auth') {
      if (await this.options.renewAuth()) return { kind: 'renewed' }
      return { kind: 'failed', reason: `${outcome.reason}: sign in again or provide a valid token` }
    }
    if (outcome.kind === 'retry') return { ...outcome, healthy: false }

    let openedAt = 0
    const watchdog = new Watchdog(
      this.options.heartbeatMs,
      (silentSince) => openedAt > 0 && this.setState({ phase: 'stale', silentSince }),
      () => controller.abort(),
    )

    const isCurrent = () => generation === this.generation && !this.stopped
    const { maxEventChars } = this.options.transport
    try {
      await readStream(
        outcome.body,
        {
          onActivity: () => {
            if (!isCurrent()) return
            const at = watchdog.touch()
            if (openedAt === 0) {
              openedAt = at
              this.onOpened(sentCursor)
            } else if (this.state.phase === 'stale') {
              this.setState({ phase: 'open', since: at })
            }
          },
          onMessage: (message) => {
            if (!isCurrent()) return
            const decoded = decodeMessage(message, this.channels.context)
            this.channels.route(decoded, 'live', this.currentCheck())
          },
          onId: (id) => {
            // A giant id would be the Last-Event-ID of every reconnect (431): never kept.
            if (isCurrent() && id.length <= MAX_ID_CHARS) this.lastEventId = id || null
          },
          onRetry: (ms) => {
            if (isCurrent()) this.serverRetryMs = Math.min(ms, MAX_SERVER_DELAY_MS)
          },
          backpressure: this.options.backpressure,
          onOversize: () => {
            const message = `an event larger than ${maxEventChars} characters was skipped`
            if (isCurrent()) this.options.observer.onReport({ type: 'error', message })
          },
        },
        maxEventChars,
      )
      return {
        kind: 'retry',
        reason: 'the server ended the stream',
        healthy: this.wasHealthy(openedAt),
      }
    } catch (error) {
      const reason =
        watchdog.reason ??
        (controller.signal.aborted ? 'aborted' : `stream broke: ${describeError(error)}`)
      return { kind: 'retry', reason, healthy: this.wasHealthy(openedAt) }
    } finally {
      watchdog.stop()
      if (this.controller === controller) this.controller = null
    }
  }

  private wasHealthy(openedAt: number): boolean {
    return openedAt > 0 && Date.now() - openedAt >= this.options.transport.healthyAfterMs
  }

  private onOpened(sentCursor: string | null): void {
    this.polling.stop()
    this.streamFailures = 0
    this.setState({ phase: 'open', since: Date.now() })
    this.channels.opened(sentCursor, this.currentCheck())
  }

  /** Late history answers of a replaced attempt are dropped. */
  private currentCheck(): () => boolean {
    const generation = this.generation
    return () => !this.stopped && generation === this.generation
  }

  private abortAttempt(): void {
    this.generation += 1
    this.controller?.abort()
    this.controller = null
  }

  /** What is shown may be "polling" while history stands in. */
  private setState(state: ConnectionState): void {
    this.streamState = state
    this.publish()
  }

  private publish(): void {
    const state = this.polling.shown(this.streamState) ?? this.streamState
    if (state === this.state) return
    this.state = state
    this.options.observer.onState(state)
  }
}

function isHeaderValue(value: string): boolean {
  return /^[\u0020-\u007e\u0080-\u00ff\t]*$/.test(value) && value.trim() === value
}
