--[[
  Applies consent / subscription changes to ONE contact: per topic or channel, the latest
  decision by time wins (an older change arriving late is ignored). (Same semantics as
  lib/store/memory/contacts.ts.)

  KEYS[1]  state  <ns>:ct:{<contact hash>}:state  hash:
                    c:<topic>   "<1|0>|<at>|<source>"  consent
                    s:<channel> "<1|0>|<at>|<source>"  subscription (1 subscribed, 0 unsubscribed)
                    g           "<1|0>|<at>|<percent>"  global holdout, the first decision stays
                    u           updatedAt (ms)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  ttl ms (the state lives this long after its last change)
  ARGV[2]  at (epoch ms of the change)
  ARGV[3]  source ('' for none)
  ARGV[4]  number of entries, then per entry: field ("c:<topic>" or "s:<channel>"), value (1 or 0);
           or field "g" with its whole value "<1|0>|<at>|<percent>", set only when absent

  Returns  the hash after the change, as HGETALL's flat list
]]
local at = tonumber(ARGV[2])
local n = tonumber(ARGV[4])
for i = 0, n - 1 do
  local field = ARGV[5 + 2 * i]
  if field == 'g' then
    redis.call('HSETNX', KEYS[1], 'g', ARGV[6 + 2 * i])
  else
    local current = redis.call('HGET', KEYS[1], field)
    local currentAt = current and tonumber(string.match(current, '^[^|]*|([^|]*)|')) or nil
    if not currentAt or currentAt <= at then
      redis.call('HSET', KEYS[1], field, ARGV[6 + 2 * i] .. '|' .. ARGV[2] .. '|' .. ARGV[3])
    end
  end
end
local updated = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
if at > updated then redis.call('HSET', KEYS[1], 'u', ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return redis.call('HGETALL', KEYS[1])
