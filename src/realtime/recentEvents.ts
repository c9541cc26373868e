// Each channel's newest events, kept by the engine while a tab wants the channel, so a tab that
// starts watching it paints what the others show without asking the backend.
import type { Channel } from '@/protocol/contract'

/** The windows the page's stores keep; alerts with room for repeats that fold into the 500 rows. */
export const RECENT_WINDOW: Record<Channel, number> = {
  dashboard: 7200,
  alerts: 2000,
  training: 20_000,
  backtest: 20_000,
}

/** Each event's id and the event as the port carries it (JSON text, encoded once as it was routed). */
export class RecentEvents {
  /** Two arrays side by side: no object per event on the engine's hot path. */
  private readonly kept = new Map<Channel, { ids: (string | null)[]; texts: string[] }>()

  add(channel: Channel, id: string | null, text: string): void {
    let kept = this.kept.get(channel)
    if (!kept) this.kept.set(channel, (kept = { ids: [], texts: [] }))
    kept.ids.push(id)
    kept.texts.push(text)
    // Trimmed in steps, not on every event: a quarter of the window at a time.
    const over = kept.texts.length - RECENT_WINDOW[channel]
    if (over > RECENT_WINDOW[channel] / 4)
      for (const list of [kept.ids, kept.texts]) list.splice(0, over)
  }

  /** The newest events, oldest first, at most the window; with `after` held, only those after it. */
  of(channel: Channel, after: string | null = null): readonly string[] {
    const { ids, texts } = this.kept.get(channel) ?? { ids: [], texts: [] }
    const shown = after === null ? -1 : ids.lastIndexOf(after)
    return texts.slice(Math.max(texts.length - RECENT_WINDOW[channel], shown + 1))
  }

  /** No tab wants the channel any more. */
  forget(channel: Channel): void {
    this.kept.delete(channel)
  }
}
