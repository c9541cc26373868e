-- Publishes one event, exactly as the Node server does (a copy of PUBLISH_SCRIPT in
-- server/redisEntries.ts; tests/interop/fastapiKitRedis.test.ts checks they are the same).
-- KEYS: the channel stream, last-id, since. ARGV: MAXLEN, event, data. Returns the new id.
-- The id is made here rather than by XADD * so that ids are ordered across all channels.
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
