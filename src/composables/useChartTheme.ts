// The chart palette of the theme in effect, read from the page's CSS variables.
import { createSharedComposable } from '@vueuse/core'
import { computed, type ComputedRef } from 'vue'
import { themeFromCss, type ChartTheme } from '@/charts/chartTheme'
import { useTheme } from './useTheme'

export const useChartTheme = createSharedComposable((): ComputedRef<ChartTheme> => {
  const { theme } = useTheme()
  return computed(() => {
    const name = theme.value
    // useTheme sets data-theme synchronously, so the computed style already has the new palette.
    const style =
      typeof document === 'undefined' ? null : getComputedStyle(document.documentElement)
    return themeFromCss(name, (variable) => style?.getPropertyValue(variable) ?? '')
  })
})
