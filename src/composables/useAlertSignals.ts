// Critical alerts beyond the list: unread count in the tab title, opt-in desktop notification and
// beep, once per browser however many tabs are open, repeated gently while unacknowledged.
import { tryOnScopeDispose, useIntervalFn, useThrottleFn } from '@vueuse/core'
import { shallowRef, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { useAlertsStore } from '@/stores/alertsStore'
import { useTabVoice } from './useTabVoice'

export type NotifyPermission = NotificationPermission | 'unsupported'

/** Between two repeats of the sound while a critical stays unacknowledged. */
export const REPEAT_SOUND_MS = 30_000
/**
 * The tab title changes at most this often, ms, the newest count always landing. Under a flood of
 * criticals the count moves every frame, and each title change is a message to the browser (its
 * tab strip redraws): 50 a second at 1,000 events a second, far more than anyone reads off a tab.
 */
export const TITLE_EVERY_MS = 500
/** Signatures remembered so a critical is voiced once across tabs and leader changes. */
const SEEN_CAP = 2000

let audio: AudioContext | null = null

/** A short two-tone beep through WebAudio; silently nothing where audio is unavailable or blocked. */
export function beep(): void {
  const Ctor = typeof window === 'undefined' ? undefined : window.AudioContext
  if (!Ctor) return
  try {
    audio ??= new Ctor()
    if (audio.state === 'suspended') void audio.resume()
    const start = audio.currentTime
    const gain = audio.createGain()
    gain.gain.setValueAtTime(0.0001, start)
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35)
    gain.connect(audio.destination)
    for (const [freq, at] of [
      [880, 0],
      [660, 0.15],
    ] as const) {
      const osc = audio.createOscillator()
      osc.type = 'sine'
      osc.frequency.setValueAtTime(freq, start + at)
      osc.connect(gain)
      osc.start(start + at)
      osc.stop(start + at + 0.15)
    }
  } catch {
    // Audio is a nicety: a blocked or missing audio device must not break the alert list.
  }
}

function permissionNow(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

interface CriticalMessage {
  type: 'critical'
  signatures: string[]
  text: string
}

function isCriticalMessage(value: unknown): value is CriticalMessage {
  if (typeof value !== 'object' || value === null) return false
  const m = value as Record<string, unknown>
  return (
    m.type === 'critical' &&
    typeof m.text === 'string' &&
    Array.isArray(m.signatures) &&
    m.signatures.every((s) => typeof s === 'string')
  )
}

export interface AlertSignalsOptions {
  /** Backend base URL: tabs of one backend share one voice. */
  scope?: MaybeRefOrGetter<string>
  baseTitle?: string
}

/** Call once in the page: keeps the title and the opt-in signals in step with the alerts store. */
export function useAlertSignals(options: AlertSignalsOptions = {}) {
  const { baseTitle = 'Realtime Monitor' } = options
  const scope = toValue(options.scope) ?? ''
  const store = useAlertsStore()
  const permission = shallowRef<NotifyPermission>(permissionNow())
  const { isVoice } = useTabVoice(`rtm-alerts-voice:${scope}`)

  let disposed = false
  // Leading and trailing: a change after a quiet spell shows at once, a burst ends on its last count.
  const showCount = useThrottleFn(
    (count: number) => {
      if (disposed || typeof document === 'undefined') return
      document.title = count > 0 ? `(${count}) critical · ${baseTitle}` : baseTitle
    },
    TITLE_EVERY_MS,
    true,
    true,
  )
  watch(
    () => store.unreadCritical,
    (count) => void showCount(count),
    { immediate: true },
  )

  const seen = new Set<string>()
  /** Voices a critical once per browser: every tab records it, only the voice tab plays it. */
  function handle(signatures: readonly string[], text: string): void {
    const fresh = signatures.filter((s) => !seen.has(s))
    if (fresh.length === 0) return
    for (const s of fresh) seen.add(s)
    while (seen.size > SEEN_CAP) seen.delete(seen.values().next().value as string)
    if (!isVoice.value) return
    if (store.soundCritical) beep()
    if (store.notifyDesktop && permissionNow() === 'granted') {
      // `tag` replaces the previous notification instead of stacking dozens of them;
      // `renotify` (not in TypeScript's DOM types) still alerts on the replacement.
      const options: NotificationOptions & { renotify: boolean } = {
        body: text,
        tag: 'rtm-critical',
        renotify: true,
      }
      new Notification('Critical risk alert', options)
    }
  }

  const channel =
    typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`rtm-alerts:${scope}`)
  if (channel) {
    channel.onmessage = (event: MessageEvent<unknown>) => {
      if (isCriticalMessage(event.data)) handle(event.data.signatures, event.data.text)
    }
  }

  // The sequence, not the text: a second alert with the same text must sound and notify again.
  watch(
    () => store.criticalSeq,
    () => {
      const text = store.lastCriticalAnnouncement
      if (!text) return
      const signatures = [...store.lastCriticalSignatures]
      channel?.postMessage({ type: 'critical', signatures, text } satisfies CriticalMessage)
      handle(signatures, text)
    },
  )

  // A gentle reminder while a critical stays unacknowledged (opt-in; the voice tab only).
  useIntervalFn(() => {
    if (isVoice.value && store.repeatSound && store.soundCritical && store.unreadCritical > 0) {
      beep()
    }
  }, REPEAT_SOUND_MS)

  tryOnScopeDispose(() => {
    disposed = true
    channel?.close()
    if (typeof document !== 'undefined') document.title = baseTitle
  })

  /** Turns desktop notifications on (asking the browser first) or off. */
  async function setDesktop(on: boolean): Promise<void> {
    if (!on) {
      store.notifyDesktop = false
      return
    }
    if (typeof Notification === 'undefined') {
      permission.value = 'unsupported'
      return
    }
    const answer =
      Notification.permission === 'default'
        ? await Notification.requestPermission()
        : Notification.permission
    permission.value = answer
    store.notifyDesktop = answer === 'granted'
  }

  /** Turns the critical-alert sound on or off; turning it on plays it once (a user gesture unlocks audio). */
  function setSound(on: boolean): void {
    store.soundCritical = on
    if (on) beep()
  }

  /** Turns the repeating reminder on or off (remembered with the other settings). */
  function setRepeat(on: boolean): void {
    store.repeatSound = on
  }

  return { permission, isVoice, setDesktop, setSound, setRepeat }
}
