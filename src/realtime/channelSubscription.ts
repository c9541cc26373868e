// One channel's whole state: listeners, cursor, id epoch, repeat filter, held events, catch-up, diagnostics.
// Streams only route decoded messages here.
import type { Channel, ChannelEvent } from '@/protocol/contract'
import { ChannelDiagnostics } from './channelDiagnostics'
import type { Gap } from './connectionState'
import type { DecodedMessage, InvalidEvent } from './eventDecoder'
import type { HistoryResult } from './historyClient'
import type { ChannelListener } from './realtimeSource'
import { EpochFilter, fingerprintOf } from './recentIds'
import type { CursorStore } from './sessionCursors'
import { describeError } from './describeError'
import { eachInSlices } from './taskBudget'

/** `held`: a live event released after a catch-up. */
export type MessageSource = 'live' | 'history' | 'held'

interface HeldEvent {
  event: ChannelEvent
  fingerprint: number | undefined
  epoch: number
}

export interface CatchUpContext {
  /** Reads history after `after` (null: the newest page). */
  read(after: string | null): Promise<HistoryResult>
  /** False once the connection that asked was replaced or closed: its answer is then dropped. */
  current(): boolean
}

export const PYTHON_TEXT_NOTICE =
  'payloads are Python dict text, not JSON — decoded; send `json.dumps(data)` from the backend'

export class ChannelSubscription {
  readonly diagnostics: ChannelDiagnostics
  private readonly listeners = new Set<ChannelListener>()
  private cursorValue: string | null
  private readonly repeats = new EpochFilter()
  private held: HeldEvent[] | null = null
  private contextClaimed = false
  /** Only where every connection starts an epoch is a replay told from fresh events by payload. */
  fingerprinting = false

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

  /** Built once: it is written with every applied event. */
  private readonly cursorKey: string

  get cursor(): string | null {
    return this.cursorValue
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

  /** True the first time it is asked in this page's life: the stores are empty, restore context. */
  claimContext(): boolean {
    if (this.contextClaimed) return false
    this.contextClaimed = true
    return true
  }

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
    }
  }

  /** Reported once, never applied. */
  reject(value: InvalidEvent, source: MessageSource): void {
    if (source === 'live') this.diagnostics.count('arrived')
    if (this.repeats.seenBefore(value.id)) return
    this.diagnostics.addInvalid(value)
    this.notify()
  }

  /** `overlap`: repeats are expected by design (history read over held events), so not counted. */
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
      this.cursors.set(this.cursorKey, event.id)
    }
    // History is old by design; live and held events are what the page shows as now.
    this.diagnostics.countEvent(event.id, source === 'history' ? null : event.data.timestamp)
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.reportError(`handler failed: ${describeError(error)}`)
      }
    }
  }

  /** Reads history after `after`, holding live events meanwhile so they land after the older ones. */
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
    // Nothing is applied while holding, so no batch refreshes the status.
    this.notify()
    try {
      let result = await via.read(after)
      // After a reload: from the cursor too, when the newest events do not reach back to it.
      if (
        context !== null &&
        !result.messages.some((m) => m.kind === 'event' && m.value.id === context)
      ) {
        result = await via.read(context)
      }
      if (!via.current()) return
      // Older than the held events, so applied even if the stream was replaced meanwhile.
      const older = await olderThanHeld(result, held)
      await eachInSlices(older, (message) => this.handle(message, 'history'))
      if (gapReason !== null && after !== null && !result.truncated) this.reportGap(null)
    } catch (error) {
      this.reportError(describeError(error))
    } finally {
      await this.release(held)
    }
  }

  /** Each held event once, in its epoch (docs/reliability.md, "Found here and fixed", 8). */
  private async release(held: HeldEvent[]): Promise<void> {
    this.diagnostics.setHolding(false)
    // No batch will refresh the status, and the hold's growing lateness would stay on the page.
    if (held.length === 0) this.notify()
    // Keyed by epoch first: no string is built per event without a fingerprint.
    const released = new Map<number, Set<string>>()
    // `held` stays set while this yields: live events arriving meanwhile join its end, in order.
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

/** Cut at the first of its events that is held (docs/reliability.md, "Found here and fixed", 7, 9). */
async function olderThanHeld(
  result: HistoryResult,
  held: readonly { event: ChannelEvent }[],
): Promise<readonly DecodedMessage[]> {
  const { messages, cursor } = result
  if (messages.length === 0) return messages
  // An index of the answer, not a set of held ids: after a flood those are hundreds of thousands.
  const indexOf = new Map<string, number>()
  messages.forEach((m, i) => {
    if (m.kind === 'event' && m.value.id !== null && !indexOf.has(m.value.id))
      indexOf.set(m.value.id, i)
  })
  let first = -1
  let anyHeld = false
  let endsInsideHeld = false
  // Only the events held when the answer came: those held while it yields come after it.
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
