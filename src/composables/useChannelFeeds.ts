// Wires each channel's events into its store and every channel's status into the connection store.
import { tryOnScopeDispose } from '@vueuse/core'
import { watch } from 'vue'
import { renderScheduler } from '@/render/scheduler'
import { useAlertsStore } from '@/stores/alertsStore'
import { useBacktestStore } from '@/stores/backtestStore'
import { useConnectionStore } from '@/stores/connectionStore'
import { useDashboardStore } from '@/stores/dashboardStore'
import { useTrainingStore } from '@/stores/trainingStore'
import type { Channel, EventOf } from '@/protocol/contract'
import type { BatchApplier } from '@/stores/applyEach'
import { exposeAppliedIds, exposePublished } from './debugHook'
import { useSSE, type UseSSEReturn } from './useSSE'

interface ChannelStore<C extends Channel> {
  applyAll: BatchApplier<EventOf<C>>
  commit(): void
}

/** Subscribes `channels` for as long as the calling component lives. */
export function useChannelFeeds(
  channels: readonly Channel[],
  debug = false,
): Record<Channel, UseSSEReturn | null> {
  const connection = useConnectionStore()
  const stores: { [C in Channel]: ChannelStore<C> } = {
    dashboard: useDashboardStore(),
    alerts: useAlertsStore(),
    training: useTrainingStore(),
    backtest: useBacktestStore(),
  }
  const recordApplied = debug ? exposeAppliedIds() : null
  const recordPublished = debug ? exposePublished() : null

  function feed<C extends Channel>(channel: C): UseSSEReturn | null {
    if (!channels.includes(channel)) return null
    const store = stores[channel] as ChannelStore<C>
    const commit = () => {
      store.commit()
      recordPublished?.(channel)
    }
    // Heavy: Vue renders the panel right after a publication, so while the page is behind each
    // channel's publication gets a task of its own after a frame, not all four in one frame.
    const publish = renderScheduler.register({ dirty: false, heavy: true, draw: commit })
    tryOnScopeDispose(() => publish.dispose())
    const sse = useSSE(channel, {
      // Every event is applied to the store at once, in one action per batch; what Vue renders
      // from it is published once per frame, and only at the render scheduler's pace while the
      // page is behind (conflated: the newest state wins). A hidden tab draws nothing and
      // publishes at once, so its title and alert signals stay current.
      onBatch: (events, report) => {
        // The debug hook (tests only) records what applied: failed events are left out.
        const failed = recordApplied ? new Set<EventOf<C>>() : null
        store.applyAll(events, (event, error) => {
          failed?.add(event)
          report(event, error)
        })
        if (recordApplied && failed) {
          for (const event of events)
            if (event.id && !failed.has(event)) recordApplied(channel, event.id)
        }
        if (renderScheduler.stats().behind && !pageHidden()) publish.invalidate()
        else commit()
      },
    })
    watch(sse.status, (status) => status && connection.setStatus(channel, status), {
      immediate: true,
    })
    return sse
  }

  return {
    dashboard: feed('dashboard'),
    alerts: feed('alerts'),
    training: feed('training'),
    backtest: feed('backtest'),
  }
}

function pageHidden(): boolean {
  return typeof document !== 'undefined' && document.hidden
}
