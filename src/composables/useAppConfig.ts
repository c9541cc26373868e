// The runtime configuration, provided once by main.ts.
import { inject, type InjectionKey } from 'vue'
import { buildTimeConfig, type AppConfig } from '@/config/runtimeConfig'

export const APP_CONFIG: InjectionKey<AppConfig> = Symbol('app-config')

export function useAppConfig(): AppConfig {
  return inject(APP_CONFIG, null) ?? buildTimeConfig()
}
