--[[
  The unexpired waits of ONE contact that wait for one event name, with their claims (a
  claimed wait is still found, so the claiming event's retry can finish a resume cut short).

  KEYS[1]  regs   <ns>:wait:{<contact hash>}:regs  (see wait-register-2.lua)
  KEYS[2]  index  <ns>:wait:{<contact hash>}:idx

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  time offset in ms added to the server clock
  ARGV[2]  name digest

  Returns  a flat list: registration JSON, claim ("<event id>|<claimed-at ms>" or '') per wait
           (index entries whose registration is gone are dropped on the way)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local prefix = ARGV[2] .. ':'
local out = {}
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
for _, member in ipairs(members) do
  if string.sub(member, 1, #prefix) == prefix then
    local w = string.sub(member, #prefix + 1)
    local json = redis.call('HGET', KEYS[1], 'r:' .. w)
    if not json then
      redis.call('ZREM', KEYS[2], member)
    else
      out[#out + 1] = json
      out[#out + 1] = redis.call('HGET', KEYS[1], 'c:' .. w) or ''
    end
  end
end
return out
