// A stand-in for the ECharts entry module: jsdom has no canvas (getContext is not implemented), so
// component tests record what the chart component asks of ECharts instead of drawing.
import { vi } from 'vitest'

export interface FakeChart {
  setOption: ReturnType<typeof vi.fn>
  on: ReturnType<typeof vi.fn>
  resize: ReturnType<typeof vi.fn>
  dispose: ReturnType<typeof vi.fn>
  dispatchAction: ReturnType<typeof vi.fn>
  getOption: ReturnType<typeof vi.fn>
}

export const charts: FakeChart[] = []

export function createChart(): FakeChart {
  const chart: FakeChart = {
    setOption: vi.fn(),
    on: vi.fn(),
    resize: vi.fn(),
    dispose: vi.fn(),
    dispatchAction: vi.fn(),
    getOption: vi.fn(() => ({ dataZoom: [{ start: 0, end: 100 }] })),
  }
  charts.push(chart)
  return chart
}
