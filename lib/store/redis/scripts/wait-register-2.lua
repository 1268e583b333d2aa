--[[
  Registers (or replaces) ONE wait of one contact and indexes it by event name. Atomic per
  contact. (Same semantics as lib/store/memory/waits.ts.)

  KEYS[1]  regs   <ns>:wait:{<contact hash>}:regs  hash; per wait digest <w>:
                    r:<w> registration JSON · m:<w> "<token>|<expiresAt>|<name digest>,…" · c:<w> claim
  KEYS[2]  index  <ns>:wait:{<contact hash>}:idx   zset, member "<name digest>:<w>", score = expiresAt (ms)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  time offset in ms added to the server clock (0 in production; tests move time)
  ARGV[2]  grace ms (a registration outlives its expiry this long)
  ARGV[3]  wait digest <w>
  ARGV[4]  token
  ARGV[5]  expiresAt (epoch ms)
  ARGV[6]  registration JSON
  ARGV[7…] name digests

  Returns  1
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local grace = tonumber(ARGV[2])
local w = ARGV[3]
local expiresAt = tonumber(ARGV[5])

local function unindex(wd, meta)
  local names = string.match(meta, '^[^|]*|[^|]*|(.*)$') or ''
  for nd in string.gmatch(names, '[^,]+') do redis.call('ZREM', KEYS[2], nd .. ':' .. wd) end
end

-- the previous registration of this wait (same execution and node): drop its index entries
local old = redis.call('HGET', KEYS[1], 'm:' .. w)
if old then unindex(w, old) end

-- registrations past expiry + grace: gone for good
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - grace)
for _, member in ipairs(dead) do
  local wd = string.match(member, ':(.*)$')
  if wd and wd ~= w then redis.call('HDEL', KEYS[1], 'r:' .. wd, 'm:' .. wd, 'c:' .. wd) end
end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - grace) end

local names = {}
for i = 7, #ARGV do
  names[#names + 1] = ARGV[i]
  redis.call('ZADD', KEYS[2], expiresAt, ARGV[i] .. ':' .. w)
end
redis.call('HSET', KEYS[1], 'r:' .. w, ARGV[6], 'm:' .. w, ARGV[4] .. '|' .. ARGV[5] .. '|' .. table.concat(names, ','))
redis.call('HDEL', KEYS[1], 'c:' .. w)

-- both keys live as long as their longest-lived registration
local ttl = math.max(expiresAt + grace - now, 1000)
for k = 1, 2 do
  local current = redis.call('PTTL', KEYS[k])
  if current < ttl then redis.call('PEXPIRE', KEYS[k], ttl) end
end
return 1
