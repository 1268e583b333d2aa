--[[
  Records events of ONE contact: dedupe by event id, append to the bounded, time-ordered
  history, refresh the TTL. Atomic per contact. (Same semantics as lib/store/memory/events.ts.)

  KEYS[1]  history  <ns>:ev:{<contact hash>}:hist  zset, score = occurredAt (ms), member =
           "<arrival stamp>|<event JSON>"; the fixed-width arrival stamp (server time in µs and
           the position in this call) keeps events with equal occurredAt in arrival order
  KEYS[2]  seen     <ns>:ev:{<contact hash>}:seen  zset, member = event id digest, score = the
           server time it was recorded; a mark lives ttl ms

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  time offset in ms added to the server clock (0 in production; tests move time),
           or "@<epoch ms>": a frozen test clock used instead of TIME
  ARGV[2]  ttl ms (history and marks live this long after the last record)
  ARGV[3]  history limit (newest events by occurredAt kept)
  ARGV[4]  number of events, then per event: id digest, occurredAt ms, event JSON

  Returns  one integer per event: 1 recorded, 0 duplicate id
]]
local t = redis.call('TIME')
local now
if string.sub(ARGV[1], 1, 1) == '@' then
  now = tonumber(string.sub(ARGV[1], 2))
else
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
end
local ttl = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local n = tonumber(ARGV[4])

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)

local out = {}
local added = 0
for i = 0, n - 1 do
  local id = ARGV[5 + 3 * i]
  if redis.call('ZSCORE', KEYS[2], id) then
    out[i + 1] = 0
  else
    redis.call('ZADD', KEYS[2], now, id)
    local stamp = string.format('%010d%06d%05d', tonumber(t[1]), tonumber(t[2]), i)
    redis.call('ZADD', KEYS[1], ARGV[6 + 3 * i], stamp .. '|' .. ARGV[7 + 3 * i])
    out[i + 1] = 1
    added = added + 1
  end
end

if added > 0 then
  local card = redis.call('ZCARD', KEYS[1])
  if card > limit then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, card - limit - 1) end
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return out
