// Knows whether code runs inside a requestAnimationFrame callback; imported first by every bench page.

/**
 * `inside` is true while a rAF callback runs (its microtasks run after, with it false again);
 * `rendering` from the first rAF callback of a frame until a task after that frame: a DOM change
 * made meanwhile (in a callback or its microtasks, as Vue's render) is drawn in that frame.
 */
export const frameFlag = { inside: false, rendering: false }

const afterFrame = new MessageChannel()
afterFrame.port1.onmessage = () => (frameFlag.rendering = false)

const nativeRaf = window.requestAnimationFrame.bind(window)

// A wrapper on every rAF (the app's batcher, ECharts, ours) costs the same on each page.
window.requestAnimationFrame = (callback: FrameRequestCallback): number =>
  nativeRaf((time) => {
    if (!frameFlag.rendering) {
      frameFlag.rendering = true
      afterFrame.port2.postMessage(0)
    }
    frameFlag.inside = true
    try {
      callback(time)
    } finally {
      frameFlag.inside = false
    }
  })
