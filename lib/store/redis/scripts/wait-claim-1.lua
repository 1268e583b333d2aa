--[[
  Claims ONE wait for a claimant (an event id): the first claimant wins, the same claimant may
  claim again (a retried delivery), a claim after expiry is refused (the timeout owns the wait).

  KEYS[1]  regs   <ns>:wait:{<contact hash>}:regs  (see wait-register-2.lua)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  time offset in ms added to the server clock
  ARGV[2]  wait digest <w>
  ARGV[3]  token the caller holds
  ARGV[4]  claimant (event id)

  Returns  { 'claimed', registration JSON, claimant, claimed-at ms, '1' new claim | '0' claimed before }
         | { 'taken', holder } | { 'missing' } | { 'stale' } | { 'expired' }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local w = ARGV[2]
local meta = redis.call('HGET', KEYS[1], 'm:' .. w)
if not meta then return { 'missing' } end
local token, expiresAt = string.match(meta, '^([^|]*)|([^|]*)|')
if token ~= ARGV[3] then return { 'stale' } end
local claim = redis.call('HGET', KEYS[1], 'c:' .. w)
if claim then
  local holder, at = string.match(claim, '^(.*)|([^|]*)$')
  if holder ~= ARGV[4] then return { 'taken', holder } end
  return { 'claimed', redis.call('HGET', KEYS[1], 'r:' .. w), holder, at, '0' }
end
if tonumber(expiresAt) <= now then return { 'expired' } end
redis.call('HSET', KEYS[1], 'c:' .. w, ARGV[4] .. '|' .. now)
return { 'claimed', redis.call('HGET', KEYS[1], 'r:' .. w), ARGV[4], tostring(now), '1' }
