// useSSE: subscribes a channel on the app's realtime source and hands its events over once per frame.
import {
  computed,
  shallowRef,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type ShallowRef,
} from 'vue'
import { tryOnScopeDispose } from '@vueuse/core'
import type { ChannelStatus } from '@/realtime/channelDiagnostics'
import type { ConnectionState, Gap } from '@/realtime/connectionState'
import { createFrameBatcher } from '@/render/frameBatcher'
import type { Channel, EventOf } from '@/protocol/contract'
import type { RealtimeSource } from '@/realtime/realtimeSource'
import { useRealtimeClient } from './useRealtimeClient'

export interface UseSSEOptions<C extends Channel> {
  /** Called for each event, inside a once-per-frame batch; a throw is reported, never fatal. */
  onEvent?: (event: EventOf<C>) => void
  /**
   * Called once after each batch (apply it in one store action, bump a version counter here);
   * `report` records an event whose handling failed, so the rest of the batch can go on.
   */
  onBatch?: (
    events: readonly EventOf<C>[],
    report: (event: EventOf<C>, error: unknown) => void,
  ) => void
  /** Subscribe at once (default true); otherwise call `open()`. */
  immediate?: boolean
  /** The client to use (default: the one the app installed). */
  client?: RealtimeSource
}

export interface UseSSEReturn {
  status: ShallowRef<ChannelStatus | null>
  state: ComputedRef<ConnectionState>
  lastEventId: ShallowRef<string | null>
  error: ShallowRef<string | null>
  gap: ComputedRef<Gap | null>
  open(): void
  close(): void
  /** Reads the client's counters now (event counts, last event age) into `status`. */
  refresh(): void
}

/** Snapshot refreshes triggered by batches happen at most this often; state changes are immediate. */
const STATUS_REFRESH_MS = 1000

export function useSSE<C extends Channel>(
  channel: MaybeRefOrGetter<C | null>,
  options: UseSSEOptions<C> = {},
): UseSSEReturn {
  const { onEvent, onBatch, immediate = true } = options
  const client = options.client ?? useRealtimeClient()
  const status = shallowRef<ChannelStatus | null>(null)
  const lastEventId = shallowRef<string | null>(null)
  const error = shallowRef<string | null>(null)
  let unsubscribe: (() => void) | null = null
  let lastRefresh = 0

  const refresh = () => {
    const current = toValue(channel)
    lastRefresh = Date.now()
    status.value = current ? client.status(current) : null
    error.value = status.value?.lastError ?? null
    if (status.value?.lastEventId) lastEventId.value = status.value.lastEventId
  }

  const report = (event: EventOf<C>, failure: unknown) =>
    client.reportHandlerError(event.channel, failure)
  const batcher = createFrameBatcher<EventOf<C>>((events) => {
    for (const event of events) {
      try {
        onEvent?.(event)
      } catch (failure) {
        report(event, failure)
      }
    }
    try {
      onBatch?.(events, report)
    } catch (failure) {
      const first = events[0]
      if (first) client.reportHandlerError(first.channel, failure)
    }
    const last = events[events.length - 1]
    if (last?.id) lastEventId.value = last.id
    if (Date.now() - lastRefresh >= STATUS_REFRESH_MS) refresh()
  })

  const stopStatus = client.onStatusChange((changed) => {
    if (changed === toValue(channel)) refresh()
  })

  function open() {
    close()
    const current = toValue(channel)
    if (current)
      unsubscribe = client.subscribe(current, (event) => batcher.push(event as EventOf<C>))
    refresh()
  }

  function close() {
    batcher.flush()
    unsubscribe?.()
    unsubscribe = null
  }

  watch(
    () => toValue(channel),
    () => {
      if (unsubscribe || immediate) open()
    },
    { immediate },
  )

  tryOnScopeDispose(() => {
    close()
    batcher.dispose()
    stopStatus()
  })

  return {
    status,
    state: computed(() => status.value?.state ?? { phase: 'idle' }),
    lastEventId,
    error,
    gap: computed(() => status.value?.gap ?? null),
    open,
    close,
    refresh,
  }
}
