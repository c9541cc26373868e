// The runner's clock: epoch ms with sub-millisecond resolution, the same base the pages are aligned to.
export const epochNow = (): number => performance.timeOrigin + performance.now()
