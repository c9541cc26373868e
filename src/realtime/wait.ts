// Timers the reconnect loop can cut short: a pause, a close or coming back online wakes it at once.

export interface Waiter {
  sleep(ms: number): Promise<void>
  untilWoken(): Promise<void>
  wake(): void
}

export function createWaiter(): Waiter {
  let wakers: Array<() => void> = []
  const wait = (ms: number | null) =>
    new Promise<void>((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wakers = wakers.filter((w) => w !== done)
        resolve()
      }
      wakers.push(done)
    })
  return {
    sleep: (ms) => wait(Math.max(0, ms)),
    untilWoken: () => wait(null),
    wake() {
      for (const waker of [...wakers]) waker()
    },
  }
}
