--[[
  Claims or settles message keys of ONE contact: the exactly-once log of Channel Send. (Same
  rules as decideClaim / decideSettle in lib/store/sends.ts, which the memory store runs.)

  KEYS[1]  log  <ns>:send:{<contact hash>}:log  hash: <key digest> →
                  "<sending|sent|unknown>|<token>|<lease until ms>|<attempt>|<at ms>|<message id>"

  (the caller's deadline comes first and is taken off ARGV by the prelude in scripts.ts; past it
   the script answers the JOURNEYS_DEADLINE error, which the store reports as { state: 'late' })
  ARGV[1]  time: offset in ms added to the server clock, or "@<epoch ms>" (a frozen test clock)
  ARGV[2]  op: "claim" or "settle"
  ARGV[3]  retention ms (the log lives this long after its last write; older entries are pruned)
  ARGV[4]  number of entries, then per entry 4 values:
             claim:  key digest, token, lease ms, take unknown (1/0)
             settle: key digest, token, outcome (sent|failed|unknown), message id

  Returns  one list per entry:
             claim:  { 'claimed', attempt } | { 'sent', message id, at } | { 'busy', lease until }
                   | { 'unknown', attempt }
             settle: { 'sent', message id, at } | { 'released' } | { 'unknown' } | { 'stale' }
]]
local t = redis.call('TIME')
local serverNow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now
if string.sub(ARGV[1], 1, 1) == '@' then
  now = tonumber(string.sub(ARGV[1], 2))
else
  now = serverNow + tonumber(ARGV[1])
end
local op = ARGV[2]
local retention = tonumber(ARGV[3])
local n = tonumber(ARGV[4])

local function decode(value)
  if not value then return nil end
  local state, token, leaseUntil, attempt, at, id = string.match(value, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return { state = state, token = token, leaseUntil = tonumber(leaseUntil), attempt = tonumber(attempt), at = at, id = id }
end
local function encode(state, token, leaseUntil, attempt, at, id)
  return state .. '|' .. token .. '|' .. leaseUntil .. '|' .. attempt .. '|' .. at .. '|' .. id
end

local out = {}
for i = 0, n - 1 do
  local field = ARGV[5 + 4 * i]
  local token = ARGV[6 + 4 * i]
  local e = decode(redis.call('HGET', KEYS[1], field))
  if op == 'claim' then
    local leaseMs = tonumber(ARGV[7 + 4 * i])
    local takeUnknown = ARGV[8 + 4 * i] == '1'
    if not e then
      redis.call('HSET', KEYS[1], field, encode('sending', token, now + leaseMs, 1, now, ''))
      out[i + 1] = { 'claimed', 1 }
    elseif e.state == 'sent' then
      out[i + 1] = { 'sent', e.id, e.at }
    elseif e.state == 'sending' and e.leaseUntil > now then
      out[i + 1] = { 'busy', tostring(e.leaseUntil) }
    elseif not takeUnknown then
      out[i + 1] = { 'unknown', e.attempt }
    else
      redis.call('HSET', KEYS[1], field, encode('sending', token, now + leaseMs, e.attempt + 1, now, ''))
      out[i + 1] = { 'claimed', e.attempt + 1 }
    end
  else
    local outcome = ARGV[7 + 4 * i]
    if e and e.state == 'sent' then
      out[i + 1] = { 'sent', e.id, e.at }
    elseif outcome == 'sent' then
      -- the provider took it: recorded whoever holds the lease now, so nobody sends it again
      local attempt = e and e.attempt or 1
      redis.call('HSET', KEYS[1], field, encode('sent', token, 0, attempt, now, ARGV[8 + 4 * i]))
      out[i + 1] = { 'sent', ARGV[8 + 4 * i], tostring(now) }
    elseif not e or e.token ~= token then
      out[i + 1] = { 'stale' }
    elseif outcome == 'failed' then
      redis.call('HDEL', KEYS[1], field)
      out[i + 1] = { 'released' }
    else
      redis.call('HSET', KEYS[1], field, encode('unknown', e.token, now, e.attempt, now, e.id))
      out[i + 1] = { 'unknown' }
    end
  end
end

-- prune entries older than the retention once the log grows (a contact's log stays small)
if redis.call('HLEN', KEYS[1]) > 256 then
  local all = redis.call('HGETALL', KEYS[1])
  for j = 1, #all, 2 do
    local e = decode(all[j + 1])
    if e and tonumber(e.at) + retention < now then redis.call('HDEL', KEYS[1], all[j]) end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('PTTL', KEYS[1]) < retention then
  redis.call('PEXPIRE', KEYS[1], retention)
end
return out
