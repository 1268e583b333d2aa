--[[
  The unclaimed, unexpired waits of ONE contact that wait for one event name.

  KEYS[1]  regs   <ns>:wait:{<contact hash>}:regs  (see wait-register-2.lua)
  KEYS[2]  index  <ns>:wait:{<contact hash>}:idx

  ARGV[1]  time offset in ms added to the server clock
  ARGV[2]  name digest

  Returns  a list of registration JSON strings (index entries whose registration is gone are
           dropped on the way)
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
    elseif not redis.call('HGET', KEYS[1], 'c:' .. w) then
      out[#out + 1] = json
    end
  end
end
return out
