// Redis stream entries of the hub: the publish script, entry ids as positions, entries as events.
import type { Channel } from '../src/protocol/contract.ts'
import { isAfter, type Position, type StoredEvent } from './events.ts'

/**
 * Publishes one event. The id is made here rather than by `XADD *` so that ids are ordered across
 * all channel streams (a `last-id` key holds the newest): one cursor then resumes a multiplexed
 * stream exactly, and an event has the same id on every endpoint (docs/protocol.md). `prev`
 * names the channel's previous entry, to tell exactly what trimming removed. `since` is the first
 * id this Redis remembers (set again when it lost its data). KEYS: the channel stream, last-id,
 * since; ARGV: MAXLEN, event, data.
 */
export const PUBLISH_SCRIPT = `
local function split(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local ms, seq = 0, 0
local last = redis.call('GET', KEYS[2])
if last then ms, seq = split(last) end
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local prev = '0-0'
if top then
  prev = top[1]
  local tms, tseq = split(top[1])
  if tms > ms or (tms == ms and tseq > seq) then ms, seq = tms, tseq end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local id
if now > ms then id = string.format('%.0f-0', now) else id = string.format('%.0f-%.0f', ms, seq + 1) end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id, 'event', ARGV[2], 'data', ARGV[3], 'prev', prev)
redis.call('SET', KEYS[2], id)
if not last then redis.call('SET', KEYS[3], id) end
return id
`

export type Entry = [id: string, fields: string[]]

/** A Redis entry id `ms-seq` as a position; undefined when malformed. */
export function parseEntryId(text: string): Position | undefined {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(text)
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined
}

/** Entries of an XRANGE/XREVRANGE reply (anything else reads as none). */
export function asEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return []
  return reply.filter(
    (item): item is Entry =>
      Array.isArray(item) && typeof item[0] === 'string' && Array.isArray(item[1]),
  )
}

/** An entry as a stored event (`event` and `data` fields; a foreign entry gets empty ones). */
export function toStored(channel: Channel, [id, fields]: Entry, position: Position): StoredEvent {
  let event = 'message'
  let data = ''
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 'event') event = String(fields[index + 1])
    else if (fields[index] === 'data') data = String(fields[index + 1])
  }
  // The publish script makes ids from Redis's clock: the id's time is when it was stored.
  return {
    ...position,
    idText: id,
    channel,
    event,
    data,
    payload: undefined,
    storedAt: position.major,
  }
}

/**
 * True when entries after `after` were trimmed from a stream, judged by its first entry left
 * (XRANGE - + COUNT 1). Each entry names its channel's previous entry (`prev`), so the newest
 * trimmed id is known exactly; `XADD MAXLEN ~` itself does not record it.
 */
export function trimmedAfter(firstReply: unknown, after: Position): boolean {
  const first = asEntries(firstReply)[0]
  if (!first) return false
  const fields = first[1]
  const prevIndex = fields.findIndex((field, index) => index % 2 === 0 && field === 'prev')
  const prev = prevIndex >= 0 ? parseEntryId(String(fields[prevIndex + 1])) : undefined
  // An entry without `prev` (written by something else): a cursor before it may have a gap.
  return prev ? isAfter(prev, after) : isAfter(parseEntryId(first[0]) ?? after, after)
}
