// Mounting with a fresh real pinia (stores filled through apply/commit) and an optional fake client.
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import { REALTIME_CLIENT } from '@/composables/useRealtimeClient'
import type { RealtimeClient } from '@/realtime/realtimeClient'
import { CHART_PROVIDE } from './realCharts'

/** A fresh pinia, active for the stores the test fills before mounting; localStorage emptied. */
export function freshPinia(): Pinia {
  localStorage.clear()
  const pinia = createPinia()
  setActivePinia(pinia)
  return pinia
}

export function mountWith<C extends Component>(
  component: C,
  pinia: Pinia,
  options: { client?: Partial<RealtimeClient>; props?: Record<string, unknown> } = {},
) {
  const provide: Record<symbol, unknown> = { ...CHART_PROVIDE }
  if (options.client) provide[REALTIME_CLIENT as symbol] = options.client
  return mount(component, {
    props: options.props,
    attachTo: document.body,
    global: { plugins: [pinia], provide },
  } as ComponentMountingOptions<C>)
}
