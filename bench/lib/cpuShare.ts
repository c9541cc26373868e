// How much CPU other processes took during a measurement: the machine is shared, this says how much.
import { readdirSync, readFileSync } from 'node:fs'

/** Linux clock ticks per second (USER_HZ), the unit of /proc CPU times. */
const TICKS = 100

/**
 * Processes the bench started to load the machine on purpose (`--busy N`): children of the runner,
 * yet counted apart, neither as the bench's own CPU nor as other processes'.
 */
const busyPids = new Set<number>()

export function setBusyPids(pids: readonly number[]): void {
  busyPids.clear()
  for (const pid of pids) busyPids.add(pid)
}

export interface CpuSample {
  at: number
  /** Busy ticks of the whole machine, all CPUs (from /proc/stat); null where unreadable. */
  machine: number | null
  /** CPU ticks (user and system) of every process, by pid. */
  ticks: Map<number, number>
  /** Pids of the bench: this runner, the browser and everything under them. */
  mine: Set<number>
}

function readStat(pid: string): { ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    const ppid = Number(fields[1])
    // utime, stime: the process's own time. Reaped children's (cutime, cstime) are left out: a
    // child's whole life would land in the window it was reaped in.
    const ticks = [11, 12].reduce((sum, i) => sum + Number(fields[i]), 0)
    return { ppid, ticks }
  } catch {
    return null
  }
}

/** A reading of every process's CPU time; null where /proc is not there (not Linux). */
export function sampleCpu(): CpuSample | null {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))
  } catch {
    return null
  }
  const parents = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const entry of entries) {
    const stat = readStat(entry)
    if (!stat) continue
    parents.set(Number(entry), stat.ppid)
    ticks.set(Number(entry), stat.ticks)
  }
  const mine = new Set<number>([process.pid])
  for (let grew = true; grew;) {
    grew = false
    for (const [pid, ppid] of parents) {
      if (!mine.has(pid) && mine.has(ppid) && !busyPids.has(pid)) {
        mine.add(pid)
        grew = true
      }
    }
  }
  return { at: performance.now(), machine: machineBusy(), ticks, mine }
}

/** Ticks every CPU spent on anything but idle and I/O wait since boot. */
function machineBusy(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((n, v) => n + (v ?? 0), 0)
    return Number.isFinite(busy) ? busy : null
  } catch {
    return null
  }
}

export interface CpuUse {
  /** Cores' worth of CPU the bench (runner, load source, browser) used. */
  ownCores: number
  /** Cores' worth of CPU every other process on the machine used. */
  otherCores: number
  /** Cores' worth of CPU the bench's own busy processes (`--busy N`) used; absent without them. */
  busyCores?: number
}

/**
 * CPU used between two samples by the bench's processes and by everything else: the machine's
 * busy time less the bench's (summing other processes one by one would count a reaped child's
 * whole life in the window its parent reaped it, up to several cores' worth on a 2-core machine);
 * null when unknown.
 */
export function cpuBetween(start: CpuSample | null, end: CpuSample | null): CpuUse | null {
  if (!start || !end) return null
  const seconds = (end.at - start.at) / 1000
  if (seconds <= 0) return null
  let own = 0
  let others = 0
  let busy = 0
  for (const [pid, after] of end.ticks) {
    const used = Math.max(0, after - (start.ticks.get(pid) ?? 0))
    if (busyPids.has(pid)) busy += used
    else if (end.mine.has(pid) || start.mine.has(pid)) own += used
    else others += used
  }
  const cores = (ticks: number) => Math.round((ticks / TICKS / seconds) * 100) / 100
  if (start.machine !== null && end.machine !== null)
    others = Math.max(0, end.machine - start.machine - own - busy)
  return {
    ownCores: cores(own),
    otherCores: cores(others),
    ...(busyPids.size > 0 ? { busyCores: cores(busy) } : {}),
  }
}

/**
 * Waits until the bench's own processes are nearly idle (a closed page's renderer can go on
 * working through its backlog for seconds), at most `maxMs`; returns how long it waited.
 */
export async function settle(maxMs = 20_000, idleCores = 0.15): Promise<number> {
  const started = performance.now()
  let previous = sampleCpu()
  while (previous && performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    const next = sampleCpu()
    const use = cpuBetween(previous, next)
    previous = next
    if (!use || use.ownCores < idleCores) break
  }
  return performance.now() - started
}
