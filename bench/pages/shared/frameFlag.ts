// Knows whether code runs inside a requestAnimationFrame callback; imported first by every bench page.

/** `inside` is true while a rAF callback runs (its microtasks run after, with it false again). */
export const frameFlag = { inside: false }

const nativeRaf = window.requestAnimationFrame.bind(window)

// A wrapper on every rAF (the app's batcher, ECharts, ours) costs the same on each page.
window.requestAnimationFrame = (callback: FrameRequestCallback): number =>
  nativeRaf((time) => {
    frameFlag.inside = true
    try {
      callback(time)
    } finally {
      frameFlag.inside = false
    }
  })
