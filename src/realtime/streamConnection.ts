// One logical SSE stream (one channel, or several multiplexed): reconnects, watchdog, resume, polling.
import type { EventSourceMessage } from 'eventsource-parser'
import { backoffDelay, type BackoffOptions } from './backoff'
import { ChannelFeed } from './channelFeed'
import type { ConnectionObserver, ConnectionState } from './connectionState'
import { MAX_ID_CHARS } from '@/protocol/limits'
import { decodeMessage } from './eventDecoder'
import type { Channel } from '@/protocol/contract'
import type { RecentIds } from './recentIds'
import { describeError, openStream, readStream, type FetchLike } from './sseTransport'
import { createWaiter } from './wait'

/** A server's `retry:` or Retry-After is honoured up to an hour (timers cannot wait ~25 days). */
const MAX_SERVER_DELAY_MS = 3_600_000

export interface CursorStore {
  get(key: string): string | null
  set(key: string, value: string): void
}

export interface NetworkMonitor {
  isOnline(): boolean
  /** Calls back with the new state; returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void
}

export interface StreamConnectionOptions {
  /** Names this stream's cursor in storage ("mux" or the channel). */
  key: string
  channels: readonly Channel[]
  multiplexed: boolean
  /** Builds the stream URL for an attempt, given the last event id to resume after. */
  streamUrl(lastEventId: string | null): string
  /** Builds a history URL, or null when the backend has no history. */
  historyUrl: ((channel: Channel, query: { after: string | null; limit: number }) => string) | null
  /** Headers for each attempt, rebuilt every time (a token may have changed). */
  headers(): Promise<Record<string, string>>
  /** Asked after a 401/403: resolves true when a new credential is worth another attempt. */
  renewAuth(): Promise<boolean>
  fetch: FetchLike
  cursors: CursorStore
  network: NetworkMonitor
  observer: ConnectionObserver
  heartbeatMs: number
  backoff: BackoffOptions
  /** A stream that stayed open this long counts as healthy and resets the attempt counter. */
  healthyAfterMs: number
  /** Failed stream attempts in a row before history polling starts (when history exists). */
  pollAfterFailures: number
  pollIntervalMs: number
  /** Newest events fetched for a channel that has no cursor yet; 0 for none. */
  backfillLimit: number
  /** The ids seen on a channel, shared by every connection that carries it in this page. */
  recentIds(channel: Channel): RecentIds
  /** True the first time it is asked for a channel in this page's life: restore recent context. */
  claimContext(channel: Channel): boolean
  /** Largest event accepted, in characters; a larger one is skipped and reported. */
  maxEventChars: number
  /** True when the backend is known to resume after Last-Event-ID (or to say `reset`). */
  resumeConfirmed: boolean
  random?: () => number
}

export class StreamConnection {
  private state: ConnectionState = { phase: 'idle' }
  private generation = 0
  private attempt = 0
  private streamFailures = 0
  private serverRetryMs: number | undefined
  private lastEventId: string | null
  private controller: AbortController | null = null
  private running = false
  private paused = false
  private stopped = false
  private polling = false
  /** True while polling and the last history read worked: only then is "polling" shown. */
  private pollOk = false
  private pollingSince = 0
  private pollingReason = ''
  private streamState: ConnectionState = { phase: 'idle' }
  private readonly waiter = createWaiter()
  private readonly feed: ChannelFeed
  private unsubscribeNetwork: (() => void) | null = null

  constructor(private readonly options: StreamConnectionOptions) {
    this.lastEventId = options.cursors.get(`stream:${options.key}`)
    this.feed = new ChannelFeed({
      ...options,
      onStreamCursor: (id) => this.setStreamCursor(id),
      generation: () => this.generation,
      stopped: () => this.stopped,
    })
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

  /** Closes the stream for good (the last subscriber left, or the page is going away). */
  close(reason = 'closed'): void {
    if (this.stopped) return
    this.stopped = true
    this.unsubscribeNetwork?.()
    this.abortAttempt()
    this.waiter.wake()
    this.setState({ phase: 'closed', reason })
  }

  pause(): void {
    this.paused = true
    this.abortAttempt()
    this.waiter.wake()
  }

  resume(): void {
    this.paused = false
    this.waiter.wake()
  }

  /** Retries at once, skipping any backoff wait (a token changed, the user asked). */
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
      if (this.paused) {
        this.stopPolling()
        this.setState({ phase: 'paused' })
        await this.waiter.untilWoken()
        continue
      }
      if (!this.options.network.isOnline()) {
        this.stopPolling()
        this.setState({ phase: 'offline' })
        await this.waiter.untilWoken()
        this.attempt = 0
        continue
      }
      const verdict = await this.attemptOnce()
      if (this.stopped || this.paused) continue
      if (verdict.kind === 'stop') {
        this.close(verdict.reason)
        return
      }
      if (verdict.kind === 'failed') {
        this.stopPolling()
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
        this.maybeStartPolling(verdict.reason)
      }
      this.attempt += 1
      const delay = Math.max(
        Math.min(verdict.retryAfterMs ?? 0, MAX_SERVER_DELAY_MS),
        backoffDelay(this.attempt, this.options.backoff, this.options.random, this.serverRetryMs),
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

  private async attemptOnce(): Promise<
    | { kind: 'stop'; reason: string }
    | { kind: 'failed'; reason: string }
    | { kind: 'renewed' }
    | { kind: 'retry'; reason: string; healthy: boolean; retryAfterMs?: number }
  > {
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
    if (this.lastEventId !== null) headers['Last-Event-ID'] = this.lastEventId
    const sentCursor = this.lastEventId
    let outcome
    try {
      outcome = await openStream(
        this.options.fetch,
        this.options.streamUrl(this.lastEventId),
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
    let lastByteAt = Date.now()
    let lastByteMono = performance.now()
    let silenceReason: string | null = null
    const watchdog = setInterval(
      () => {
        // The wall clock jumps ahead over a laptop sleep; the monotonic one survives a clock step
        // back. Silence by either means the link may be dead.
        const silent = Math.max(Date.now() - lastByteAt, performance.now() - lastByteMono)
        if (silent > 2 * this.options.heartbeatMs) {
          silenceReason = `no data for ${Math.round(silent / 1000)} s (heartbeat lost)`
          controller.abort()
        } else if (silent > 1.5 * this.options.heartbeatMs && openedAt > 0) {
          this.setState({ phase: 'stale', silentSince: lastByteAt })
        }
      },
      Math.max(50, Math.min(1000, this.options.heartbeatMs / 4)),
    )

    const isCurrent = () => generation === this.generation && !this.stopped
    try {
      await readStream(
        outcome.body,
        {
          onActivity: () => {
            if (!isCurrent()) return
            lastByteAt = Date.now()
            lastByteMono = performance.now()
            if (openedAt === 0) {
              openedAt = lastByteAt
              this.onOpened(sentCursor)
            } else if (this.state.phase === 'stale') {
              this.setState({ phase: 'open', since: lastByteAt })
            }
          },
          onMessage: (message) => {
            if (isCurrent()) this.onMessage(message)
          },
          onRetry: (ms) => {
            if (isCurrent()) this.serverRetryMs = Math.min(ms, MAX_SERVER_DELAY_MS)
          },
          onOversize: () => {
            if (!isCurrent()) return
            this.options.observer.onReport({
              type: 'error',
              message: `an event larger than ${this.options.maxEventChars} characters was skipped`,
            })
          },
        },
        this.options.maxEventChars,
      )
      return {
        kind: 'retry',
        reason: 'the server ended the stream',
        healthy: this.wasHealthy(openedAt),
      }
    } catch (error) {
      const reason =
        silenceReason ??
        (controller.signal.aborted ? 'aborted' : `stream broke: ${describeError(error)}`)
      return { kind: 'retry', reason, healthy: this.wasHealthy(openedAt) }
    } finally {
      clearInterval(watchdog)
      if (this.controller === controller) this.controller = null
    }
  }

  private wasHealthy(openedAt: number): boolean {
    return openedAt > 0 && Date.now() - openedAt >= this.options.healthyAfterMs
  }

  private onOpened(sentCursor: string | null): void {
    this.stopPolling()
    this.streamFailures = 0
    this.setState({ phase: 'open', since: Date.now() })
    this.feed.opened(sentCursor)
  }

  private onMessage(message: EventSourceMessage): void {
    // An absurd id would become the Last-Event-ID of every reconnect: never make it a cursor.
    if (message.id !== undefined && message.id.length <= MAX_ID_CHARS)
      this.setStreamCursor(message.id)
    const context = { channels: this.options.channels, multiplexed: this.options.multiplexed }
    this.feed.handle(decodeMessage(message, context), false)
  }

  private maybeStartPolling(reason: string): void {
    if (this.polling || !this.options.historyUrl) return
    if (this.streamFailures < this.options.pollAfterFailures) return
    this.polling = true
    this.pollingReason = reason
    void this.pollLoop()
  }

  private async pollLoop(): Promise<void> {
    while (this.polling && !this.stopped) {
      const ok = await this.feed.pollOnce()
      if (!this.polling || this.stopped) return
      if (ok !== this.pollOk) {
        this.pollOk = ok
        this.pollingSince = Date.now()
        this.publish()
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs))
    }
  }

  private stopPolling(): void {
    this.polling = false
    this.pollOk = false
  }

  private setStreamCursor(id: string): void {
    this.lastEventId = id
    this.options.cursors.set(`stream:${this.options.key}`, id)
  }

  private abortAttempt(): void {
    this.generation += 1
    this.controller?.abort()
    this.controller = null
  }

  /** Records the stream's own state; what is shown may be "polling" while history stands in. */
  private setState(state: ConnectionState): void {
    this.streamState = state
    this.publish()
  }

  private publish(): void {
    const showPolling = this.polling && this.pollOk && this.streamState.phase !== 'open'
    const state: ConnectionState = showPolling
      ? { phase: 'polling', since: this.pollingSince, reason: this.pollingReason }
      : this.streamState
    if (state === this.state) return
    this.state = state
    this.options.observer.onState(state)
  }
}
