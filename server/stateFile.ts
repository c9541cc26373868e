// Saves and loads the in-memory backend's ids and rings, so a restart resumes clients without loss.
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { CHANNELS, type Channel } from '../src/protocol/contract.ts'
import type { HubSnapshot, SavedEvent } from './hub.ts'
import type { SimulatorCounters } from './simulator.ts'

/** How often a running backend saves (when something changed). */
export const SAVE_EVERY_MS = 3000
/**
 * After a crash the saved counter may lag the ids that were handed out; the next ids start this far
 * ahead so no id is ever reused, and older cursors get `reset` (events may be missing).
 */
export const CRASH_ID_GAP = 1_000_000
const MAX_ID = 1e15

export interface SavedState {
  /** False for periodic saves: the process may have handed out more ids before it died. */
  clean: boolean
  hub: HubSnapshot
  simulator: SimulatorCounters | null
}

interface StateJson {
  version: 1
  clean: boolean
  saved_at: string
  last_id: number
  simulator: SimulatorCounters | null
  channels: Record<Channel, { evicted_max: number; events: SavedEvent[] }>
}

function serialize(state: SavedState): string {
  const channels = Object.fromEntries(
    CHANNELS.map((c) => {
      const saved = state.hub.channels[c]
      return [c, { evicted_max: saved.evictedMax, events: saved.events }]
    }),
  )
  const json: StateJson = {
    version: 1,
    clean: state.clean,
    saved_at: new Date().toISOString(),
    last_id: state.hub.lastId,
    simulator: state.simulator,
    channels: channels as StateJson['channels'],
  }
  return JSON.stringify(json)
}

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ID

/** Checks a parsed state file; returns the state or the reason it is unusable. */
export function parseState(input: unknown): SavedState | string {
  if (typeof input !== 'object' || input === null) return 'not a JSON object'
  const json = input as Partial<StateJson>
  if (json.version !== 1) return `unknown version ${JSON.stringify(json.version)}`
  if (!isId(json.last_id)) return 'last_id is not a valid id'
  const lastId = json.last_id
  const channels = {} as HubSnapshot['channels']
  for (const channel of CHANNELS) {
    const saved = json.channels?.[channel]
    if (!saved || !isId(saved.evicted_max) || !Array.isArray(saved.events)) {
      return `channel ${channel} is missing or malformed`
    }
    let previous = saved.evicted_max
    for (const entry of saved.events as unknown[]) {
      const [id, event, data] = Array.isArray(entry) ? entry : []
      if (!isId(id) || id <= previous || id > lastId) return `bad or unordered id in ${channel}`
      if (typeof event !== 'string' || /[\r\n]/.test(event) || typeof data !== 'string') {
        return `bad event in ${channel}`
      }
      previous = id
    }
    channels[channel] = { evictedMax: saved.evicted_max, events: saved.events }
  }
  const sim = json.simulator
  const simulator = sim && isId(sim.alerts) && isId(sim.training) && isId(sim.backtest) ? sim : null
  return { clean: json.clean === true, hub: { lastId, channels }, simulator }
}

/**
 * Reads a state file. A missing file means a first start; an unreadable one is reported through
 * `warn` (once: the next save replaces it). After an unclean stop the ids jump ahead (see above).
 */
export function loadState(path: string, warn: (text: string) => void): SavedState | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      warn(
        `dev backend: cannot read state file ${path} (${(error as Error).message}); starting fresh`,
      )
    }
    return undefined
  }
  let parsed: SavedState | string
  try {
    parsed = parseState(JSON.parse(text))
  } catch (error) {
    parsed = `not JSON (${(error as Error).message})`
  }
  if (typeof parsed === 'string') {
    warn(`dev backend: ignoring state file ${path}: ${parsed}; starting fresh`)
    return undefined
  }
  if (!parsed.clean) {
    const lastId = parsed.hub.lastId + CRASH_ID_GAP
    parsed.hub.lastId = lastId
    for (const channel of CHANNELS) parsed.hub.channels[channel].evictedMax = lastId
  }
  return parsed
}

/**
 * Saves every `SAVE_EVERY_MS` while the id counter moves (the write is asynchronous, the rename
 * atomic), and once more, synchronously, on `close()`.
 */
export class StateSaver {
  private readonly timer: ReturnType<typeof setInterval>
  private savedId: number
  private writing = false
  private closed = false
  private warned = false

  constructor(
    private readonly path: string,
    private readonly take: (clean: boolean) => SavedState,
    private readonly warn: (text: string) => void,
    everyMs = SAVE_EVERY_MS,
  ) {
    this.savedId = take(false).hub.lastId
    try {
      mkdirSync(dirname(path), { recursive: true })
    } catch (error) {
      this.failed(error)
    }
    this.timer = setInterval(() => void this.saveSoon(), everyMs)
    this.timer.unref()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    const temp = `${this.path}.${process.pid}.final.tmp`
    try {
      writeFileSync(temp, serialize(this.take(true)))
      renameSync(temp, this.path)
    } catch (error) {
      this.failed(error)
    }
  }

  /** Reports the first failure only: a read-only directory would otherwise warn every few seconds. */
  private failed(error: unknown): void {
    if (this.warned) return
    this.warned = true
    this.warn(`dev backend: cannot save state file ${this.path}: ${(error as Error).message}`)
  }

  private async saveSoon(): Promise<void> {
    const state = this.take(false)
    if (this.writing || state.hub.lastId === this.savedId) return
    this.writing = true
    const temp = `${this.path}.${process.pid}.tmp`
    try {
      await writeFile(temp, serialize(state))
      // Renamed synchronously, so it can never land after the final save of close().
      if (this.closed) unlinkSync(temp)
      else renameSync(temp, this.path)
      this.savedId = state.hub.lastId
    } catch (error) {
      this.failed(error)
    } finally {
      this.writing = false
    }
  }
}
