// Long synchronous work (parsing a backlog, releasing held events) in slices: the task yields to
// the browser once its budget is spent, so frames and input get through between slices.

/** Half a frame. */
const BUDGET_MS = 8

const now = () => performance.now()

/** `scheduler.yield()` resumes ahead of other tasks. */
function yieldTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler
  if (typeof scheduler?.yield === 'function') return scheduler.yield()
  return new Promise((resolve) => setTimeout(resolve, 0))
}

export class TaskBudget {
  private start = now()

  restart(): void {
    this.start = now()
  }

  spent(): boolean {
    if (now() - this.start < BUDGET_MS) return false
    // A hidden page has no frames to keep, and its timers are throttled: it works without pausing.
    return typeof document === 'undefined' || document.visibilityState === 'visible'
  }

  async yield(): Promise<void> {
    await yieldTask()
    this.restart()
  }
}

const CHECK_EVERY = 256

/** Items pushed onto `items` while yielded are handled too, unless `count` stops it before. */
export async function eachInSlices<T>(
  items: readonly T[],
  each: (item: T) => void,
  count = Infinity,
): Promise<void> {
  const budget = new TaskBudget()
  for (let i = 0; i < items.length && i < count; i += 1) {
    each(items[i] as T)
    if (i % CHECK_EVERY === CHECK_EVERY - 1 && budget.spent()) await budget.yield()
  }
}
