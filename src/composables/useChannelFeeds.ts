// Wires each channel's events into its store and every channel's status into the connection store.
import { watch } from 'vue'
import { useAlertsStore } from '@/stores/alertsStore'
import { useBacktestStore } from '@/stores/backtestStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import type { Channel, EventOf } from '@/protocol/contract'
import { exposeAppliedIds } from './debugHook'
import { useSSE, type UseSSEReturn } from './useSSE'

interface ChannelStore<C extends Channel> {
  apply(event: EventOf<C>): void
  commit(): void
}

/** Subscribes `channels` for as long as the calling component lives. */
export function useChannelFeeds(channels: readonly Channel[], debug = false): Record<Channel, UseSSEReturn | null> {
  const connection = useConnectionStore()
  const stores: { [C in Channel]: ChannelStore<C> } = {
    dashboard: useDashboardStore(),
    alerts: useAlertsStore(),
    training: useTrainingStore(),
    backtest: useBacktestStore(),
  }
  const recordApplied = debug ? exposeAppliedIds() : null

  function feed<C extends Channel>(channel: C): UseSSEReturn | null {
    if (!channels.includes(channel)) return null
    const store = stores[channel] as ChannelStore<C>
    const sse = useSSE(channel, {
      onEvent: (event) => {
        store.apply(event)
        if (recordApplied && event.id) recordApplied(channel, event.id)
      },
      onBatch: () => store.commit(),
    })
    watch(sse.status, (status) => status && connection.setStatus(channel, status), { immediate: true })
    return sse
  }

  return {
    dashboard: feed('dashboard'),
    alerts: feed('alerts'),
    training: feed('training'),
    backtest: feed('backtest'),
  }
}
