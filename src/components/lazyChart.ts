// The streaming chart, loaded in its own chunk (ECharts with it) once the first chart is on the page.
import { defineAsyncComponent } from 'vue'
import ChartLoading from './ChartLoading.vue'

export const LazyStreamChart = defineAsyncComponent({
  loader: () => import('./StreamChart.vue'),
  loadingComponent: ChartLoading,
  delay: 0,
})
