// One logical SSE stream (one channel, or several multiplexed): reconnects, watchdog, resume, polling.
import type { EventSourceMessage } from 'eventsource-parser'
import type { Channel } from '@/protocol/contract'
import { MAX_ID_CHARS } from '@/protocol/limits'
import { backoffDelay, type BackoffOptions } from './backoff'
import type { CatchUpContext, ChannelSubscription } from './channelSubscription'
import type { ConnectionObserver, ConnectionState } from './connectionState'
import { decodeMessage, type DecodedMessage, type StreamContext } from './eventDecoder'
import { fetchHistory } from './historyClient'
import type { NetworkMonitor } from './network'
import type { CursorStore } from './sessionCursors'
import { describeError, openStream, readStream, type FetchLike } from './sseTransport'
import { createWaiter } from './wait'

/** A server's `retry:` or Retry-After is honoured up to an hour (timers cannot wait ~25 days). */
const MAX_SERVER_DELAY_MS = 3_600_000
/** Most events a history page asks for when catching up. */
const CATCH_UP_PAGE = 500

export interface StreamConnectionOptions {
  /** Names this stream's cursor in storage ("mux" or the channel). */
  key: string
  /** The channels this stream carries, each with its one subscription object. */
  subscriptions: readonly ChannelSubscription[]
  multiplexed: boolean
  /**
   * Builds the stream URL for an attempt, given the last event id to resume after; `inQuery` is
   * true when that id cannot travel as a header and must go in `last_event_id`.
   */
  streamUrl(lastEventId: string | null, inQuery: boolean): string
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
  /** Largest event accepted, in characters; a larger one is skipped and reported. */
  maxEventChars: number
  /** True when the backend is known to resume after Last-Event-ID (or to say `reset`). */
  resumeConfirmed: boolean
  /** Decode payloads that are Python dict text instead of JSON. */
  pythonLiterals: boolean
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
  private readonly context: StreamContext
  private readonly byChannel = new Map<Channel, ChannelSubscription>()
  private unsubscribeNetwork: (() => void) | null = null

  constructor(private readonly options: StreamConnectionOptions) {
    this.lastEventId = options.cursors.get(`stream:${options.key}`)
    for (const subscription of options.subscriptions)
      this.byChannel.set(subscription.channel, subscription)
    this.context = {
      channels: options.subscriptions.map((subscription) => subscription.channel),
      multiplexed: options.multiplexed,
      pythonLiterals: options.pythonLiterals,
    }
    // One channel per stream: its ids are the stream's, whether they came live or from history.
    const single = options.multiplexed ? undefined : options.subscriptions[0]
    single?.followStreamCursor((id) => this.setStreamCursor(id))
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
    if (!this.options.multiplexed) this.options.subscriptions[0]?.followStreamCursor(null)
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
    const sentCursor = this.lastEventId
    // An id that is not a valid header value (any character beyond Latin-1) would make fetch throw
    // on every attempt: it travels URL-encoded as `last_event_id`, which the contract offers.
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
          onId: (id) => {
            // An empty id resets the last event id: the next attempt sends none. An absurd one
            // would become the Last-Event-ID of every reconnect: it never becomes a cursor.
            if (isCurrent() && id.length <= MAX_ID_CHARS) this.setStreamCursor(id)
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
    const { historyUrl, backfillLimit, resumeConfirmed } = this.options
    const history = historyUrl !== null && backfillLimit > 0
    for (const subscription of this.options.subscriptions) {
      // A backend that does not confirm resuming may have restarted its ids (1, 2, 3… per
      // connection): a new epoch, so none of its fresh events is dropped as a repeat.
      subscription.checkReplays(!resumeConfirmed)
      if (!resumeConfirmed) subscription.startEpoch()
      const firstInPage = history && subscription.claimContext()
      const cursor = subscription.cursor
      if (cursor === null) {
        if (history) void subscription.catchUp(this.catchUpVia(subscription.channel), null)
      } else if (firstInPage) {
        // A reload: the stores start empty, so bring back recent context, not only what is new.
        void subscription.catchUp(this.catchUpVia(subscription.channel), null, null, cursor)
      } else if (sentCursor === null && historyUrl) {
        // The stream starts fresh but this channel has a cursor (it came from history): fill in.
        void subscription.catchUp(this.catchUpVia(subscription.channel), cursor)
      } else if (sentCursor === null || !resumeConfirmed) {
        subscription.reportGap({
          since: Date.now(),
          reason: 'the backend does not confirm resuming; events may be missing',
          uncertain: true,
        })
      }
    }
  }

  private onMessage(message: EventSourceMessage): void {
    this.route(decodeMessage(message, this.context), 'live')
  }

  private route(decoded: DecodedMessage, source: 'live' | 'history'): void {
    switch (decoded.kind) {
      case 'event':
        this.byChannel.get(decoded.value.channel)?.handle(decoded, source)
        return
      case 'invalid': {
        const subscription = this.byChannel.get(decoded.value.channel as Channel)
        if (subscription) subscription.handle(decoded, source)
        else this.options.observer.onReport({ type: 'invalid', value: decoded.value })
        return
      }
      case 'unknown': {
        // An unknown type names its channel on a per-channel stream; on the multiplexed stream it
        // concerns every channel the stream carries. Each channel counts it once, by its id, the
        // same way when history brings it again.
        const named = decoded.channel === null ? undefined : this.byChannel.get(decoded.channel)
        const targets = named ? [named] : decoded.channel === null ? this.options.subscriptions : []
        for (const subscription of targets)
          subscription.handle({ ...decoded, channel: subscription.channel }, source)
        return
      }
      case 'reset':
        for (const channel of decoded.channels) {
          const subscription = this.byChannel.get(channel)
          if (!subscription) continue
          // The backend could not continue the stream: ids after this are a new epoch.
          subscription.startEpoch()
          subscription.reportGap({ since: Date.now(), reason: decoded.reason, uncertain: false })
          if (this.options.historyUrl) {
            void subscription.catchUp(this.catchUpVia(channel), subscription.cursor, decoded.reason)
          }
        }
        return
      case 'connected':
      case 'ping':
        return
    }
  }

  private catchUpVia(channel: Channel): CatchUpContext {
    const generation = this.generation
    return {
      read: (after) => this.readHistory(channel, after),
      current: () => !this.stopped && generation === this.generation,
    }
  }

  private async readHistory(channel: Channel, after: string | null) {
    const historyUrl = this.options.historyUrl
    if (!historyUrl) throw new Error('this backend has no history')
    return fetchHistory({
      fetch: this.options.fetch,
      url: (query) => historyUrl(channel, query),
      headers: await this.options.headers(),
      channel,
      after,
      limit: after === null ? this.options.backfillLimit : CATCH_UP_PAGE,
    })
  }

  /** Reads what each channel missed since its cursor; false when a read failed. */
  private async pollOnce(): Promise<boolean> {
    let ok = true
    for (const subscription of this.options.subscriptions) {
      if (subscription.catchingUp) continue
      try {
        const result = await this.readHistory(subscription.channel, subscription.cursor)
        if (this.stopped) return ok
        for (const message of result.messages) this.route(message, 'history')
      } catch (error) {
        ok = false
        this.options.observer.onReport({ type: 'error', message: describeError(error) })
      }
    }
    return ok
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
      const ok = await this.pollOnce()
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
    this.lastEventId = id === '' ? null : id
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

/** True when `value` can be sent as an HTTP header value (Latin-1, no line breaks or NUL). */
function isHeaderValue(value: string): boolean {
  return /^[\u0020-\u007e\u0080-\u00ff\t]*$/.test(value) && value.trim() === value
}
