import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import TrainingPanel from '@/components/TrainingPanel.vue'
import { useConnectionStore } from '@/stores/connectionStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { channelStatus, OPEN, trainingEvent } from './factories'
import { freshPinia, mountWith } from './mountPage'

// jsdom cannot draw on a canvas: ECharts is replaced by a recorder.
vi.mock('@/charts/echarts', async () => await import('./echartsMock'))

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
  useConnectionStore().setStatus('training', channelStatus('training', OPEN))
})
afterEach(() => {
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

function add(...events: ReturnType<typeof trainingEvent>[]) {
  const store = useTrainingStore()
  for (const event of events) store.apply(event)
  store.commit()
}

describe('TrainingPanel', () => {
  it('says that no training runs have reported yet', () => {
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.text()).toContain('No training runs yet')
  })

  it('shows a card per run with model, status, epoch, steps, ETA and metrics', async () => {
    add(trainingEvent('r-1', 1, { epoch: 6 }), trainingEvent('r-1', 2))
    const wrapper = mountWith(TrainingPanel, pinia)
    await flushPromises()
    const card = wrapper.get('[data-run-id="r-1"]')
    expect(card.get('h3').text()).toBe('lstm-v3')
    expect(card.get('[data-testid="status"]').text()).toContain('running')
    expect(card.text()).toContain('Epoch 7/50')
    expect(card.text()).toContain('Step 120/400')
    expect(card.text()).toContain('ETA 15 min 30 s')
    expect(card.text()).toContain('0.4120')
    expect(card.text()).toContain('0.4550')
    expect(card.text()).toContain('0.710')
    const bars = card.findAll('[role="progressbar"]')
    expect(bars[0]?.attributes('aria-valuenow')).toBe('14')
    expect(bars[1]?.attributes('aria-valuenow')).toBe('30')
    // Two epochs give a curve: the chart slot is on the card, with its legend as text.
    expect(card.find('.chart-box').exists()).toBe(true)
    const legend = card.get('ul[aria-label="Legend"]')
    expect(legend.findAll('li').map((li) => li.text())).toEqual([
      'loss',
      'val loss',
      'acc',
      'val acc',
    ])
  })

  it('shows the error of a failed run', () => {
    add(trainingEvent('r-2', 1, { status: 'failed', error: 'CUDA out of memory' }))
    const wrapper = mountWith(TrainingPanel, pinia)
    const card = wrapper.get('[data-run-id="r-2"]')
    expect(card.get('[data-testid="status"]').text()).toContain('failed')
    expect(card.get('[data-testid="error"]').text()).toContain('CUDA out of memory')
  })

  it('says "no update for N s" when a running run goes quiet', () => {
    const realNow = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(realNow - 40_000)
    add(trainingEvent('r-3', 1))
    vi.restoreAllMocks()
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.get('[data-testid="quiet"]').text()).toMatch(/no update for \d+ s/)
  })

  it('does not call a recently updated or finished run quiet', () => {
    add(trainingEvent('r-4', 1), trainingEvent('r-5', 1, { status: 'completed' }))
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.find('[data-testid="quiet"]').exists()).toBe(false)
  })

  it('is dimmed with "as of" while its channel is stale', () => {
    add(trainingEvent('r-1', 1))
    useConnectionStore().setStatus(
      'training',
      channelStatus(
        'training',
        { phase: 'stale', silentSince: Date.now() - 35_000 },
        { lastEventAt: Date.now() - 35_000 },
      ),
    )
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.find('.panel--dimmed').exists()).toBe(true)
    expect(wrapper.get('[data-testid="as-of"]').text()).toMatch(/^as of \d\d:\d\d:\d\d$/)
    expect(wrapper.text()).toContain('stale')
  })
})
