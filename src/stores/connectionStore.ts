// Connection state of every channel as the feed reports it, summarised for the header and diagnostics.
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import type { ChannelStatus } from '../realtime/channelDiagnostics'
import { isLive as isLiveState } from '../realtime/connectionState'
import type { Channel } from '../protocol/contract'
import {
  isReceiving,
  mergeInvalidEvents,
  streamLateness,
  summarizeStatuses,
  transportOf,
} from './connectionModel'

export const useConnectionStore = defineStore('connection', () => {
  const statuses = shallowRef<Partial<Record<Channel, ChannelStatus>>>({})
  /** The UI's "pause live drawing" switch; the transport keeps running. */
  const paused = shallowRef(false)

  const list = computed(() =>
    Object.values(statuses.value).filter((s): s is ChannelStatus => s !== undefined),
  )
  const overall = computed(() => summarizeStatuses(list.value))
  const transport = computed(() => transportOf(list.value))
  const invalidEvents = computed(() => mergeInvalidEvents(list.value))
  /** Channels whose backend says its events are invented (status `"data": "demo"`). */
  const demoChannels = computed(() =>
    list.value.filter((status) => status.data === 'demo').map((status) => status.channel),
  )

  function setStatus(channel: Channel, status: ChannelStatus): void {
    statuses.value = { ...statuses.value, [channel]: status }
  }

  /** True while the channel's data is flowing (open or polling) and is not being rejected. */
  function isLive(channel: Channel): boolean {
    const status = statuses.value[channel]
    if (status === undefined || !isLiveState(status.state)) return false
    return !(status.rejecting && isReceiving(status.state))
  }

  /** How late live data arrives at `now`, ms, or null while it is on time (see streamLateness). */
  function lateness(now: number): number | null {
    return streamLateness(list.value, now)
  }

  function setPaused(value: boolean): void {
    paused.value = value
  }

  return {
    statuses,
    paused,
    overall,
    transport,
    invalidEvents,
    demoChannels,
    setStatus,
    isLive,
    lateness,
    setPaused,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useConnectionStore, import.meta.hot))
