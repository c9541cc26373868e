// How much CPU other processes took during a measurement: the machine is shared, this says how much.
import { readdirSync, readFileSync } from 'node:fs'

/** Linux clock ticks per second (USER_HZ), the unit of /proc CPU times. */
const TICKS = 100

export interface CpuSample {
  at: number
  /** Busy ticks of the whole machine (all cores). */
  busy: number
  /** Ticks of the bench's own processes: this runner, the browser and everything under them. */
  mine: number
}

function readStat(pid: string): { ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    const ppid = Number(fields[1])
    // utime, stime, cutime, cstime: the process and its reaped children.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
    return { ppid, ticks }
  } catch {
    return null
  }
}

/** A reading of machine and own CPU time; null where /proc is not there (not Linux). */
export function sampleCpu(): CpuSample | null {
  let busy: number
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string
    const [, ...values] = line.trim().split(/\s+/).map(Number)
    const idle = (values[3] ?? 0) + (values[4] ?? 0)
    busy = values.slice(0, 8).reduce((sum, v) => sum + v, 0) - idle
  } catch {
    return null
  }
  const stats = new Map<number, { ppid: number; ticks: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(entry)
    if (stat) stats.set(Number(entry), stat)
  }
  const mine = new Set<number>([process.pid])
  // Descendants of the runner (the browser and its zygotes, renderers, utilities).
  for (let grew = true; grew;) {
    grew = false
    for (const [pid, stat] of stats) {
      if (!mine.has(pid) && mine.has(stat.ppid)) {
        mine.add(pid)
        grew = true
      }
    }
  }
  let own = 0
  for (const pid of mine) own += stats.get(pid)?.ticks ?? 0
  return { at: performance.now(), busy, mine: own }
}

export interface CpuUse {
  /** Cores' worth of CPU the bench (runner, load source, browser) used. */
  ownCores: number
  /** Cores' worth of CPU every other process on the machine used. */
  otherCores: number
}

/** CPU used between two samples, by the bench and by everything else; null when unknown. */
export function cpuBetween(start: CpuSample | null, end: CpuSample | null): CpuUse | null {
  if (!start || !end) return null
  const seconds = (end.at - start.at) / 1000
  if (seconds <= 0) return null
  const own = end.mine - start.mine
  const others = end.busy - start.busy - own
  return {
    ownCores: Math.round((own / TICKS / seconds) * 100) / 100,
    otherCores: Math.round((Math.max(0, others) / TICKS / seconds) * 100) / 100,
  }
}
