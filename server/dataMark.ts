// A Redis prefix holds either real events or a demo's invented ones, never both. A mark key
// (`{prefix}:data`, "live" or "demo") says which; the first instance to start on a prefix sets it.
import type { Redis } from 'ioredis'
import { CHANNELS } from '../src/protocol/contract.ts'

/** Refused to start: serving this prefix would mix invented events with real ones. */
export class DataMarkError extends Error {}

/**
 * Demo: refuses a prefix marked "live" or holding events without a mark (published by producers);
 * otherwise marks it "demo". Returns the mark it found, or the number of unmarked events.
 */
const DEMO_SCRIPT = `
local mark = redis.call('GET', KEYS[1])
if mark then return mark end
local total = 0
for i = 2, #KEYS do total = total + redis.call('XLEN', KEYS[i]) end
if total > 0 then return total end
redis.call('SET', KEYS[1], 'demo')
return 'demo'
`

/** Live: refuses a prefix marked "demo"; marks an unmarked one "live". Returns the mark. */
const LIVE_SCRIPT = `
local mark = redis.call('GET', KEYS[1])
if mark then return mark end
redis.call('SET', KEYS[1], 'live')
return 'live'
`

export function dataMarkKey(prefix: string): string {
  return `{${prefix}}:data`
}

/** Checks and sets the mark of `prefix` for an instance that simulates (`demo`) or not; throws DataMarkError. */
export async function claimDataMark(redis: Redis, prefix: string, demo: boolean): Promise<void> {
  const keys = [dataMarkKey(prefix), ...CHANNELS.map((channel) => `{${prefix}}:${channel}`)]
  const script = demo ? DEMO_SCRIPT : LIVE_SCRIPT
  const found = await redis.call('EVAL', script, keys.length, ...keys)
  const want = demo ? 'demo' : 'live'
  if (found === want) return
  if (demo && typeof found === 'number') {
    throw new DataMarkError(
      `the Redis prefix "${prefix}" already holds ${found} published events; a demo start ` +
        'invents events and must never mix them into real streams. Start the demo with its own ' +
        '--redis-prefix (the default for a demo is rtm-demo).',
    )
  }
  if (demo) {
    throw new DataMarkError(
      `the Redis prefix "${prefix}" belongs to a production deployment (marked "live"); a demo ` +
        'start must not write invented events there. Start the demo with its own --redis-prefix.',
    )
  }
  throw new DataMarkError(
    `the Redis prefix "${prefix}" holds demo data (invented by a --demo or --dev start); a ` +
      'production start would serve it as real. Use another --redis-prefix, or delete the keys ' +
      `{${prefix}}:* to reuse this one.`,
  )
}
