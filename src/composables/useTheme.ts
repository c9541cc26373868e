// Light/dark theme: `data-theme` on <html>, persisted, following the OS unless the user picked one.
import { createSharedComposable, useEventListener, useLocalStorage } from '@vueuse/core'
import { computed, shallowRef, watch, type ComputedRef, type WritableComputedRef } from 'vue'
import { STORAGE_KEYS } from '@/config/storageKeys'

export type ThemeName = 'light' | 'dark'
export type ThemePreference = ThemeName | 'auto'

export const THEME_KEY = STORAGE_KEYS.theme
const PREFERENCES: readonly ThemePreference[] = ['auto', 'light', 'dark']

function isPreference(value: unknown): value is ThemePreference {
  return typeof value === 'string' && (PREFERENCES as readonly string[]).includes(value)
}

/** `?theme=dark|light|auto` in the page URL, for links and screenshots; null when absent. */
function queryPreference(): ThemePreference | null {
  if (typeof location === 'undefined') return null
  const value = new URLSearchParams(location.search).get('theme')
  return isPreference(value) ? value : null
}

export interface UseThemeReturn {
  /** What the user chose; 'auto' follows prefers-color-scheme. */
  preference: WritableComputedRef<ThemePreference>
  /** The theme in effect. */
  theme: ComputedRef<ThemeName>
  /** Switches to the other theme (and stops following the OS). */
  toggle(): void
}

export const useTheme = createSharedComposable((): UseThemeReturn => {
  const stored = useLocalStorage<ThemePreference>(THEME_KEY, 'auto', {
    serializer: { read: (raw) => (isPreference(raw) ? raw : 'auto'), write: (value) => value },
  })
  const fromQuery = queryPreference()
  if (fromQuery) stored.value = fromQuery
  // The OS preference (a plain media query listener: VueUse's usePreferredDark brings its SSR
  // width handling along).
  const darkQuery =
    typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined
  const prefersDark = shallowRef(darkQuery?.matches ?? false)
  useEventListener(darkQuery, 'change', (event: MediaQueryListEvent) => {
    prefersDark.value = event.matches
  })

  const preference = computed<ThemePreference>({
    get: () => stored.value,
    set: (value) => {
      stored.value = value
    },
  })
  const theme = computed<ThemeName>(() =>
    stored.value === 'auto' ? (prefersDark.value ? 'dark' : 'light') : stored.value,
  )
  // Synchronous, so anything reading CSS variables after a theme change sees the new palette.
  watch(
    theme,
    (name) => {
      if (typeof document !== 'undefined') document.documentElement.dataset.theme = name
    },
    { immediate: true, flush: 'sync' },
  )

  function toggle(): void {
    stored.value = theme.value === 'dark' ? 'light' : 'dark'
  }

  return { preference, theme, toggle }
})
