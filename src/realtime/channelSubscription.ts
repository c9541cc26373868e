// One channel's whole state: listeners, cursor, id epoch, repeat filter, held events, catch-up, diagnostics.
//
// Streams only route decoded messages here; a cross-tab leader only relays what comes out. An id is
// comparable only with ids of the same epoch: when a backend cannot prove it continued the stream
// (it does not confirm resuming, or it said `reset`), a new epoch starts with an empty repeat
// filter, so fresh events whose ids restart at 1 are applied, never dropped as repeats.
import type { Channel, ChannelEvent } from '@/protocol/contract'
import { ChannelDiagnostics, type ChannelStatus } from './channelDiagnostics'
import type { Gap } from './connectionState'
import type { DecodedMessage, InvalidEvent } from './eventDecoder'
import type { HistoryResult } from './historyClient'
import type { ChannelListener } from './realtimeSource'
import { EpochFilter, fingerprintOf } from './recentIds'
import type { CursorStore } from './sessionCursors'
import { describeError } from './describeError'
import { eachInSlices } from './taskBudget'

/**
 * Where a message came from: the live stream, a history read, the leader tab's relay, or the
 * held queue of live events released after a catch-up.
 */
export type MessageSource = 'live' | 'history' | 'relay' | 'held'

/** A live event held during a catch-up, with its payload fingerprint (if kept) and id epoch. */
interface HeldEvent {
  event: ChannelEvent
  fingerprint: number | undefined
  epoch: number
}

/** What a catch-up needs from the connection that asks for it. */
export interface CatchUpContext {
  /** Reads history after `after` (null: the newest page). */
  read(after: string | null): Promise<HistoryResult>
  /** False once the connection that asked was replaced or closed: its answer is then dropped. */
  current(): boolean
}

export const PYTHON_TEXT_NOTICE =
  'payloads are Python dict text, not JSON — decoded; send `json.dumps(data)` from the backend'

/** Counts cursor moves across channels: which channel applied an event last. */
let cursorMoves = 0

export class ChannelSubscription {
  readonly diagnostics: ChannelDiagnostics
  private readonly listeners = new Set<ChannelListener>()
  private cursorValue: string | null
  private readonly repeats = new EpochFilter()
  /** Live events held back while history for this channel is being read. */
  private held: HeldEvent[] | null = null
  private contextClaimed = false
  /**
   * Payload fingerprints are kept only where epochs are expected on every connection (the backend
   * does not confirm resuming): there a replay of the last epoch must be told from fresh events.
   */
  private fingerprinting = false
  /** When the cursor last moved, in the order of all channels' moves (0: not in this engine's life). */
  private movedAt = 0

  constructor(
    readonly channel: Channel,
    private readonly cursors: CursorStore,
    /** Told when status-worthy things change (not on every event). */
    private readonly notify: () => void,
  ) {
    this.diagnostics = new ChannelDiagnostics(channel)
    this.cursorKey = `channel:${channel}`
    this.cursorValue = cursors.get(this.cursorKey)
  }

  /** Made once: it is set with every applied event. */
  private readonly cursorKey: string

  get cursor(): string | null {
    return this.cursorValue
  }

  /**
   * Where a stream carrying `subscriptions` resumes when it has no id of its own: its one channel's
   * cursor, or on a multiplexed stream the cursor that moved last (ids are one space across
   * channels); null when none moved in this engine's life (each channel then reads its history).
   */
  static resumeCursor(subscriptions: readonly ChannelSubscription[]): string | null {
    if (subscriptions.length === 1) return subscriptions[0]?.cursor ?? null
    let newest: ChannelSubscription | undefined
    for (const s of subscriptions) if (s.movedAt > (newest?.movedAt ?? 0)) newest = s
    return newest?.cursor ?? null
  }

  get epoch(): number {
    return this.repeats.epoch
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0
  }

  get catchingUp(): boolean {
    return this.held !== null
  }

  addListener(listener: ChannelListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): ChannelStatus {
    return this.diagnostics.snapshot()
  }

  /** True the first time it is asked in this page's life: the stores are empty, restore context. */
  claimContext(): boolean {
    if (this.contextClaimed) return false
    this.contextClaimed = true
    return true
  }

  /** Whether this channel's backend leaves replays to be told apart by payload. */
  checkReplays(on: boolean): void {
    this.fingerprinting = on
  }

  /**
   * Ids from now on are not comparable with earlier ones. An event of the new epoch is dropped only
   * when it repeats an event of the last one exactly (same id and same payload: a backend that
   * replays on every connect); a fresh event that reuses an id is applied.
   */
  startEpoch(): void {
    this.repeats.startEpoch()
  }

  reportGap(gap: Gap | null): void {
    this.diagnostics.setGap(gap)
    this.notify()
  }

  reportError(message: string): void {
    this.diagnostics.setError(message)
    this.notify()
  }

  /** Applies one decoded message of this channel (control messages are the stream's business). */
  handle(decoded: DecodedMessage, source: MessageSource): void {
    switch (decoded.kind) {
      case 'event':
        if (decoded.python && this.diagnostics.addNotice(PYTHON_TEXT_NOTICE)) this.notify()
        this.deliver(
          decoded.value,
          source,
          source === 'history',
          this.fingerprinting ? fingerprintOf(decoded.raw) : undefined,
        )
        return
      case 'invalid':
        this.reject(decoded.value, source)
        return
      case 'unknown':
        if (source === 'live') this.diagnostics.count('arrived')
        if (this.repeats.seenBefore(decoded.id)) return
        this.diagnostics.count('unknown')
        this.notify()
        return
      default:
        return
    }
  }

  /** A relayed invalid event, or one decoded here: reported once, never applied. */
  reject(value: InvalidEvent, source: MessageSource): void {
    if (source === 'live') this.diagnostics.count('arrived')
    if (this.repeats.seenBefore(value.id)) return
    this.diagnostics.addInvalid(value)
    this.notify()
  }

  /**
   * Applies an event unless it is a repeat within its epoch (this one unless it was held from an
   * earlier one). `overlap` marks events whose repeats are expected by design (history read over
   * held live events), so they are not counted.
   */
  deliver(
    event: ChannelEvent,
    source: MessageSource,
    overlap = source === 'history',
    fingerprint?: number,
    epoch = this.repeats.epoch,
  ): void {
    if (source === 'live') this.diagnostics.count('arrived')
    if (this.held && source !== 'history' && source !== 'held') {
      this.held.push({ event, fingerprint, epoch })
      return
    }
    if (event.id !== null) {
      if (this.repeats.isRepeat(event.id, fingerprint, epoch)) {
        if (!overlap) this.diagnostics.count('duplicates')
        return
      }
      this.cursorValue = event.id
      this.movedAt = ++cursorMoves
      this.cursors.set(this.cursorKey, event.id)
    }
    // History is old by design; live, relayed and held events are what the page shows as now.
    this.diagnostics.countEvent(event.id, source === 'history' ? null : event.data.timestamp)
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.reportError(`handler failed: ${describeError(error)}`)
      }
    }
  }

  /**
   * Reads history after `after`, holding live events meanwhile so they land after the older ones.
   * `gapReason` is set when a reset started it: the gap closes only if the server still had every
   * event after the cursor. With `context` (the cursor after a reload) it reads the newest events,
   * and everything after the cursor if they do not reach it.
   */
  async catchUp(
    via: CatchUpContext,
    after: string | null,
    gapReason: string | null = null,
    context: string | null = null,
  ): Promise<void> {
    if (this.held) return
    const held: HeldEvent[] = []
    this.held = held
    this.diagnostics.setHolding(true)
    // Nothing is applied while holding, so no batch refreshes the status: tell it now.
    this.notify()
    try {
      let result = await via.read(after)
      if (
        context !== null &&
        !result.messages.some((m) => m.kind === 'event' && m.value.id === context)
      ) {
        result = await via.read(context)
      }
      if (!via.current()) return
      // Up to 20 pages of 500: applied in slices, with the browser's turn in between (live events
      // arriving meanwhile are held). A stream replaced meanwhile does not stop it: the answer is
      // older than the held events, which are applied after it either way.
      const older = await olderThanHeld(result, held)
      await eachInSlices(older, (message) => this.handle(message, 'history'))
      if (gapReason !== null && after !== null && !result.truncated) this.reportGap(null)
    } catch (error) {
      this.reportError(describeError(error))
    } finally {
      await this.release(held)
    }
  }

  /**
   * Applies the held live events, whichever connection carried them, each once, then stops
   * holding. A reconnect during a long read resumes from the cursor of before it (held events do
   * not move it) and sends many of them again, further apart than the repeat filter remembers: an
   * exact set over this batch catches those (within one id epoch). A large batch (tens of
   * thousands after a flood) is applied in slices with the browser's turn in between, as the
   * stream is parsed; events arriving meanwhile join the end of the batch, so order is kept.
   */
  private async release(held: HeldEvent[]): Promise<void> {
    // From here on, what is applied is measured as it is applied (with the time it was held).
    this.diagnostics.setHolding(false)
    // Held nothing (a quiet channel): no batch will refresh the status, so the lateness of the
    // hold would stay on the page and grow; tell it now.
    if (held.length === 0) this.notify()
    // By epoch, then id (with its fingerprint when it has one): no string is built per event
    // when there is neither a fingerprint nor a second epoch.
    const released = new Map<number, Set<string>>()
    await eachInSlices(held, ({ event, fingerprint, epoch }) => {
      if (event.id !== null) {
        let seen = released.get(epoch)
        if (!seen) released.set(epoch, (seen = new Set()))
        const key = fingerprint === undefined ? event.id : `${event.id}\u0000${fingerprint}`
        if (seen.has(key)) {
          this.diagnostics.count('duplicates')
          return
        }
        seen.add(key)
      }
      this.deliver(event, 'held', true, fingerprint, epoch)
    })
    this.held = null
  }
}

/**
 * The part of a history answer older than the first held live event. Held events came live and
 * are all applied after it, so what history has from the first of them it holds on is left out:
 * whether its page reaches back past the held events, starts inside them (the server no longer
 * had the oldest: a stream that lags behind the server, as one dropped for reading too slowly
 * and resumed after a `reset`), ends inside them (a newest-events page read after a burst, which
 * holds only the newest of them), or does not reach them at all (then all of it is older).
 *
 * So the page is cut at the first event of it that is held, not only at the first held event: a
 * page that starts inside the held events may also run past the newest of them (that part comes
 * live after them). Cut at the first held event only, such a page was applied whole and the held
 * events after it: those it also had were applied twice once the page was longer than the repeat
 * filter remembers (up to 20 pages of 500), and the older ones landed after newer events.
 */
async function olderThanHeld(
  result: HistoryResult,
  held: readonly { event: ChannelEvent }[],
): Promise<readonly DecodedMessage[]> {
  const { messages, cursor } = result
  if (messages.length === 0) return messages
  // Where each id first comes in the answer (at most 20 pages of 500), looked up for each held
  // event: after a flood the held events are the larger side (hundreds of thousands), and a set
  // of them took hundreds of milliseconds in one task.
  const indexOf = new Map<string, number>()
  messages.forEach((m, i) => {
    if (m.kind === 'event' && m.value.id !== null && !indexOf.has(m.value.id))
      indexOf.set(m.value.id, i)
  })
  let first = -1
  let anyHeld = false
  let endsInsideHeld = false
  // The events held when the answer came, in slices: one pass over hundreds of thousands still
  // took 100–200 ms in one task at 50,000 ev/s. Events held while it yields are left out, as the
  // single pass left out those that came after it.
  await eachInSlices(
    held,
    ({ event }) => {
      if (event.id === null) return
      anyHeld = true
      if (event.id === cursor) endsInsideHeld = true
      const at = indexOf.get(event.id)
      if (at !== undefined && (first < 0 || at < first)) first = at
    },
    held.length,
  )
  if (!anyHeld) return messages
  if (first >= 0) return messages.slice(0, first)
  return endsInsideHeld ? [] : messages
}
