// Long synchronous work (parsing a backlog, releasing held events) in slices: the task yields to
// the browser once its budget is spent, so frames and input get through between slices.

/** Work per task before the browser gets its turn, ms (half a frame). */
const BUDGET_MS = 8

const now = () => performance.now()

/** A hidden page has no frames to keep, and its timers are throttled: it works without pausing. */
function mayYield(): boolean {
  return typeof document === 'undefined' || document.visibilityState === 'visible'
}

/** Ends the current task: `scheduler.yield()` where the browser has it (resumes ahead of other tasks). */
function yieldTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler
  if (typeof scheduler?.yield === 'function') return scheduler.yield()
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/** Checked between units of work: `if (budget.spent()) await budget.yield()`. */
export class TaskBudget {
  private start = now()

  /** A new task began (say a read that waited for the network): the budget starts afresh. */
  restart(): void {
    this.start = now()
  }

  /** True when this task has worked its budget and the page may yield. */
  spent(): boolean {
    return now() - this.start >= BUDGET_MS && mayYield()
  }

  /** Lets the browser run, then starts a new budget. */
  async yield(): Promise<void> {
    await yieldTask()
    this.restart()
  }
}

/** Items handled between two looks at the clock in `eachInSlices`. */
const CHECK_EVERY = 256

/**
 * Calls `each` on every item in order, yielding once a task's budget is spent. Items pushed onto
 * `items` meanwhile (while yielded) are handled too, after the others, unless `count` stops it at
 * the first `count` items.
 */
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
