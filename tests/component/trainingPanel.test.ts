import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ema } from '@/charts/trainingChartOption'
import TrainingPanel from '@/components/TrainingPanel.vue'
import { resetServerClock } from '@/composables/useServerClock'
import { useConnectionStore } from '@/stores/connectionStore'
import { useTrainingStore } from '@/stores/trainingStore'
import { channelStatus, OPEN, trainingEvent } from './factories'
import { freshPinia, mountWith } from './mountPage'
import { drawnChart, seriesOf } from './realCharts'

let pinia: ReturnType<typeof freshPinia>
beforeEach(() => {
  pinia = freshPinia()
  useConnectionStore().setStatus('training', channelStatus('training', OPEN))
})
afterEach(() => {
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

/** Payload times: ages and stalls are read from them (server clock), not from arrival. */
const isoAt = (ms: number) => new Date(ms).toISOString()
const ago = (ms: number) => isoAt(Date.now() - ms)

function add(...events: ReturnType<typeof trainingEvent>[]) {
  const store = useTrainingStore()
  for (const event of events) store.apply(event)
  store.commit()
}

describe('TrainingPanel', () => {
  it('says that no training runs have reported yet', () => {
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.text()).toContain('No events yet')
    expect(wrapper.text()).toContain('Training runs appear here')
  })

  it('shows a card per run with model, status, epoch, steps, ETA and metrics', async () => {
    // Reported a moment ago (ages are read from payload times).
    add(
      trainingEvent('r-1', 1, { epoch: 6, timestamp: ago(2000) }),
      trainingEvent('r-1', 2, { timestamp: ago(1000) }),
    )
    const wrapper = mountWith(TrainingPanel, pinia)
    await flushPromises()
    const card = wrapper.get('[data-run-id="r-1"]')
    expect(card.get('h3').text()).toBe('lstm-v3')
    expect(card.get('[data-testid="status"]').text()).toContain('running')
    expect(card.text()).toContain('Epoch 7/50')
    expect(card.text()).toContain('Step 120/400')
    // Two reports are still warm-up: no ETA is guessed yet.
    expect(card.get('[data-testid="eta"]').text()).toBe('ETA after warm-up')
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

  it('says the loss curve waits for the first epoch instead of showing an empty chart, legend and CSV', async () => {
    add(trainingEvent('first', 1, { epoch: 1, step: 5, timestamp: ago(1000) }))
    const wrapper = mountWith(TrainingPanel, pinia)
    await flushPromises()
    const card = wrapper.get('[data-run-id="first"]')
    expect(card.get('[data-testid="chart-waiting"]').text()).toBe(
      'Loss curve: waiting for the first epoch to finish',
    )
    expect(card.find('.chart-box').exists()).toBe(false)
    expect(card.find('ul[aria-label="Legend"]').exists()).toBe(false)
    expect(card.findAll('button').filter((b) => b.text() === 'CSV')).toHaveLength(0)

    add(trainingEvent('first', 2, { epoch: 2, step: 5, timestamp: ago(500) }))
    await flushPromises()
    const drawn = wrapper.get('[data-run-id="first"]')
    expect(drawn.find('[data-testid="chart-waiting"]').exists()).toBe(false)
    expect(drawn.find('.chart-box').exists()).toBe(true)
  })

  it("draws a run's loss curves per epoch in the real chart and adds each new epoch", async () => {
    const losses = [0.9, 0.7, 0.55]
    add(
      ...losses.map((loss, i) =>
        trainingEvent('curve', i + 1, {
          epoch: i + 1,
          metrics: { loss, val_loss: loss + 0.05 },
          timestamp: ago(5000 - i * 1000),
        }),
      ),
    )
    const wrapper = mountWith(TrainingPanel, pinia)
    await flushPromises()
    const card = wrapper.get('[data-run-id="curve"]')
    const chart = await drawnChart(card.element)
    const byId = (id: string) => seriesOf(chart).find((s) => s.id === id)
    const raw = losses.map((loss, i): [number, number] => [i + 1, loss])
    // The smoothed line over the faint raw one, at the panel's smoothing.
    const smoothing = useTrainingStore().smoothing
    expect(smoothing).toBeGreaterThan(0)
    expect(byId('loss_raw')?.data).toEqual(raw)
    expect(byId('loss')?.data).toEqual(ema(raw, smoothing))
    expect(byId('val_loss')?.data.map(([epoch]) => epoch)).toEqual([1, 2, 3])
    // No accuracy reported: its lines are empty.
    expect(byId('accuracy')?.data).toEqual([])

    add(
      trainingEvent('curve', 4, {
        epoch: 4,
        metrics: { loss: 0.5, val_loss: 0.6 },
        timestamp: ago(1000),
      }),
    )
    await vi.waitFor(() => expect(byId('loss_raw')?.data.at(-1)).toEqual([4, 0.5]))
    wrapper.unmount()
  })

  it('shows the error of a failed run', () => {
    add(trainingEvent('r-2', 1, { status: 'failed', error: 'CUDA out of memory' }))
    const wrapper = mountWith(TrainingPanel, pinia)
    const card = wrapper.get('[data-run-id="r-2"]')
    expect(card.get('[data-testid="status"]').text()).toContain('failed')
    expect(card.get('[data-testid="error"]').text()).toContain('CUDA out of memory')
  })

  it('calls a running run with no progress for several usual intervals "stalled", with its last progress', () => {
    const realNow = Date.now()
    const spy = vi.spyOn(Date, 'now')
    // Progress every 2 s for 10 s, then nothing for 40 s (20 usual intervals).
    for (let i = 0; i < 6; i += 1) {
      spy.mockReturnValue(realNow - 50_000 + i * 2000)
      add(
        trainingEvent('r-3', i * 2, {
          epoch: 1,
          step: 10 + i * 10,
          timestamp: isoAt(realNow - 50_000 + i * 2000),
        }),
      )
    }
    vi.restoreAllMocks()
    const wrapper = mountWith(TrainingPanel, pinia)
    const card = wrapper.get('[data-run-id="r-3"]')
    expect(card.get('[data-testid="stalled"]').text()).toContain('stalled')
    expect(card.find('[data-testid="status"]').exists()).toBe(false)
    expect(card.get('[data-testid="last-progress"]').text()).toMatch(/^last progress [34]\d s ago$/)
    expect(card.get('[data-testid="eta"]').text()).toBe('ETA unknown (no progress)')
  })

  it('reads a quiet run’s age from its own timestamps on the server clock, not from when the page opened', () => {
    // The server's clock is 30 s behind this computer's (as its status said).
    const serverNow = Date.now() - 30_000
    // Six advances 10 s apart, the last 60 s ago, all received just now (the page was opened).
    for (let i = 0; i < 6; i += 1) {
      add(
        trainingEvent('quiet', i, {
          timestamp: isoAt(serverNow - 110_000 + i * 10_000),
          epoch: 1,
          total_epochs: 1,
          step: 10 + i * 10,
          total_steps: 100,
        }),
      )
    }
    resetServerClock(-30_000)
    try {
      const wrapper = mountWith(TrainingPanel, pinia)
      const card = wrapper.get('[data-run-id="quiet"]')
      expect(card.get('[data-testid="stalled"]').text()).toContain('stalled')
      expect(card.get('[data-testid="last-progress"]').text()).toMatch(
        // The page's one-second clock may be a tick or two behind in a test run.
        /^last progress (5[5-9] s|1 min 0\d s) ago$/,
      )
      expect(card.get('[data-testid="eta"]').text()).toBe('ETA unknown (no progress)')
      wrapper.unmount()

      // Reported 5 s ago by the server's clock, 35 s by this computer's: not stalled, 5 s.
      add(
        trainingEvent('fresh', 0, { timestamp: isoAt(Date.now() - 35_000), epoch: 1 }),
        trainingEvent('fresh', 1, { timestamp: isoAt(Date.now() - 34_000), epoch: 2 }),
      )
      const again = mountWith(TrainingPanel, pinia)
      const fresh = again.get('[data-run-id="fresh"]')
      expect(fresh.find('[data-testid="stalled"]').exists()).toBe(false)
      expect(fresh.get('[data-testid="last-progress"]').text()).toMatch(/^last progress \d s ago$/)
    } finally {
      resetServerClock(null)
    }
  })

  it('does not call a recently updated or finished run stalled; finished shows its status', () => {
    add(
      trainingEvent('r-4', 1, { timestamp: ago(1000) }),
      trainingEvent('r-5', 1, { status: 'completed' }),
    )
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.find('[data-testid="stalled"]').exists()).toBe(false)
    expect(wrapper.get('[data-run-id="r-5"] [data-testid="status"]').text()).toContain('completed')
    expect(wrapper.find('[data-run-id="r-5"] [data-testid="eta"]').exists()).toBe(false)
  })

  it('shows the backend ETA only when it agrees with the observed rate, else both with the difference', async () => {
    const realNow = Date.now()
    const spy = vi.spyOn(Date, 'now')
    // 1 % of the run every 10 s, steadily: 99 % left is about 990 s observed.
    const report = (runId: string, eta: number) => {
      for (let i = 0; i < 6; i += 1) {
        spy.mockReturnValue(realNow - 50_000 + i * 10_000)
        add(
          trainingEvent(runId, i * 10 - 50, {
            timestamp: isoAt(realNow - 50_000 + i * 10_000),
            epoch: 1,
            total_epochs: 1,
            step: 1 + i,
            total_steps: 100,
            eta_seconds: eta,
          }),
        )
      }
    }
    report('agree', 950)
    report('disagree', 3000)
    spy.mockReturnValue(realNow - 50_000 + 50_000)
    const wrapper = mountWith(TrainingPanel, pinia)
    await flushPromises()
    expect(wrapper.get('[data-run-id="agree"] [data-testid="eta"]').text()).toBe('ETA 15 min 50 s')
    const disagree = wrapper.get('[data-run-id="disagree"] [data-testid="eta"]').text()
    expect(disagree).toMatch(
      /^ETA 15 min \d\d s observed · ⚠ backend says 50 min 00 s \(\+3\d min\)$/,
    )
    vi.restoreAllMocks()
  })

  it('says the ETA is unknown while the step rate is unstable', () => {
    const realNow = Date.now()
    const spy = vi.spyOn(Date, 'now')
    const steps = [1, 2, 10, 11, 30, 31]
    steps.forEach((step, i) => {
      spy.mockReturnValue(realNow - 12_000 + i * 2000)
      add(
        trainingEvent('r-6', i * 2 - 12, {
          timestamp: isoAt(realNow - 12_000 + i * 2000),
          epoch: 1,
          total_epochs: 1,
          step,
          total_steps: 100,
        }),
      )
    })
    vi.restoreAllMocks()
    const wrapper = mountWith(TrainingPanel, pinia)
    expect(wrapper.get('[data-testid="eta"]').text()).toBe('ETA unknown (rate unstable)')
  })

  it('overlays the loss of two picked runs and keeps a smoothing slider', async () => {
    add(
      trainingEvent('a', 1, { epoch: 1 }),
      trainingEvent('a', 2, { epoch: 2 }),
      trainingEvent('b', 1, { epoch: 1 }),
      trainingEvent('b', 2, { epoch: 2 }),
    )
    const wrapper = mountWith(TrainingPanel, pinia)
    await wrapper.get('[data-run-id="a"] [data-testid="compare"]').setValue(true)
    expect(wrapper.get('[data-testid="compare-hint"]').text()).toContain('one more')
    await wrapper.get('[data-run-id="b"] [data-testid="compare"]').setValue(true)
    expect(wrapper.get('[data-testid="compare-chart"]').text()).toContain('Loss by epoch, 2 runs')
    const slider = wrapper.get('[data-testid="smoothing"]')
    await slider.setValue('0.9')
    expect(useTrainingStore().smoothing).toBe(0.9)
    expect(localStorage.getItem('rtm:training:smoothing')).toBe('0.9')
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
