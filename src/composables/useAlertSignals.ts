// Critical alerts beyond the list: unread count in the tab title, opt-in desktop notification and beep.
import { tryOnScopeDispose } from '@vueuse/core'
import { shallowRef, watch } from 'vue'
import { useAlertsStore } from '@/stores/alertsStore'

export type NotifyPermission = NotificationPermission | 'unsupported'

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

/** Call once in the page: keeps the title and the opt-in signals in step with the alerts store. */
export function useAlertSignals(baseTitle = 'Realtime Monitor') {
  const store = useAlertsStore()
  const permission = shallowRef<NotifyPermission>(permissionNow())

  watch(
    () => store.unreadCritical,
    (count) => {
      if (typeof document === 'undefined') return
      document.title = count > 0 ? `(${count}) critical · ${baseTitle}` : baseTitle
    },
    { immediate: true },
  )
  tryOnScopeDispose(() => {
    if (typeof document !== 'undefined') document.title = baseTitle
  })

  // The sequence, not the text: a second alert with the same text must sound and notify again.
  watch(
    () => store.criticalSeq,
    () => {
      const text = store.lastCriticalAnnouncement
      if (!text) return
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
    },
  )

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

  return { permission, setDesktop, setSound }
}
