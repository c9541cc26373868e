// When the engine sends a tab its next batch, given the tab's frame clock: just before a frame,
// so the page applies it in that frame, and never two batches for one frame.
import { describe, expect, it } from 'vitest'
import { SEND_BEFORE_FRAME_MS, untilNextBatch } from '../../src/realtime/enginePort.ts'

// Frames start at 1000, 1016, 1032… (16 ms apart, to keep the arithmetic exact).
const phase = { at: 1000, every: 16 }
const nothingSent = -Infinity

describe('batch timing against the page frame clock', () => {
  it('holds an event until just before the next frame', () => {
    expect(untilNextBatch(phase, 1001, nothingSent)).toBe(16 - SEND_BEFORE_FRAME_MS - 1)
    // Phases reported long ago still place the frames of now.
    expect(untilNextBatch(phase, 1000 + 16 * 600 + 5, nothingSent)).toBe(
      16 - SEND_BEFORE_FRAME_MS - 5,
    )
  })

  it('sends at once inside the last moments before a frame when no batch went for it', () => {
    expect(untilNextBatch(phase, 1014, 990)).toBe(0)
  })

  it('waits for the frame after when a batch already went for this one', () => {
    // A batch left at 1013 for the frame at 1016; an event at 1014 goes before the one at 1032.
    expect(untilNextBatch(phase, 1014, 1013)).toBe(1032 - SEND_BEFORE_FRAME_MS - 1014)
    // So does an event early in the interval after such a batch.
    expect(untilNextBatch(phase, 1002, 1001)).toBe(1032 - SEND_BEFORE_FRAME_MS - 1002)
  })
})
