--[[
  Journey Entry for ONE contact and journey: check the re-entry rules, record the entry and mark
  it active, in one atomic step. (Same semantics as lib/store/memory/entries.ts.)

  KEYS[1]  entries  <ns>:jr:{<contact hash>}:entries  hash:
                      e:<j>:<e>   "<entered at>|<until>|<a active, x exited>|<k>"  one live entry
                      l:<j>       "<entered at>|<e>"   the last entry into the journey
                      k:<j>:<k>   "<entered at>|<e>"   the last entry with entry key <k>
  KEYS[2]  live     <ns>:jr:{<contact hash>}:live  zset, member "<j>:<e>", score = until (ms);
                    an entry stops counting (and its e: field goes) at entered + maximum duration
  (<j>, <e>, <k>: keyed digests of the journey name, the entry id and the entry key)

  ARGV[1]  the caller's deadline, epoch ms (0 = none): past it on the server's clock, nothing is written
  ARGV[2]  time offset in ms added to the server clock (0 in production; tests move time),
           or "@<epoch ms>": a frozen test clock used instead of TIME
  ARGV[3]  remember ms (l: and k: live this long after the latest entry)
  ARGV[4]  <j>
  ARGV[5]  <e>
  ARGV[6]  <k>, '' for no entry key
  ARGV[7]  re-entry rule: oncePerContact | oncePerKey | afterPeriod | anyTime
  ARGV[8]  afterPeriod: ms since the last entry
  ARGV[9]  while already in the journey: refuse | allow
  ARGV[10] maximum duration ms

  Returns  { entered 1|0, reason, entered at, retry at (-1 none), last entered at (-1 none) }
           reason: entered | same_entry | already_in_journey | entered_before | key_entered_before | too_soon
]]
local t = redis.call('TIME')
local serverNow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = tonumber(ARGV[1])
if deadline > 0 and serverNow > deadline then
  return redis.error_reply('JOURNEYS_DEADLINE server time ' .. serverNow .. ' ms is past the deadline ' .. deadline .. ' ms; nothing was written')
end
local now
if string.sub(ARGV[2], 1, 1) == '@' then
  now = tonumber(string.sub(ARGV[2], 2))
else
  now = serverNow + tonumber(ARGV[2])
end
local remember = tonumber(ARGV[3])
local j, e, k = ARGV[4], ARGV[5], ARGV[6]
local rule = ARGV[7]
local maxDuration = tonumber(ARGV[10])

-- entries past their maximum duration are over
local over = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, member in ipairs(over) do redis.call('HDEL', KEYS[1], 'e:' .. member) end
if #over > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end

local function stamp(field)
  local value = redis.call('HGET', KEYS[1], field)
  if not value then return nil end
  return tonumber(string.match(value, '^([^|]*)|'))
end
local last = stamp('l:' .. j)
local lastOut = last or -1

local same = redis.call('HGET', KEYS[1], 'e:' .. j .. ':' .. e)
if same then
  local enteredAt, ends = string.match(same, '^([^|]*)|([^|]*)|')
  if tonumber(ends) > now then return { 1, 'same_entry', tonumber(enteredAt), -1, lastOut } end
end

if ARGV[9] == 'refuse' then
  local soonest = nil
  local prefix = j .. ':'
  local members = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf', 'WITHSCORES')
  for i = 1, #members, 2 do
    if string.sub(members[i], 1, #prefix) == prefix then
      local entry = redis.call('HGET', KEYS[1], 'e:' .. members[i])
      if entry and string.match(entry, '^[^|]*|[^|]*|(.)') == 'a' then
        local ends = tonumber(members[i + 1])
        if not soonest or ends < soonest then soonest = ends end
      end
    end
  end
  if soonest then return { 0, 'already_in_journey', now, soonest, lastOut } end
end

if rule == 'oncePerContact' and last then
  return { 0, 'entered_before', now, -1, lastOut }
elseif rule == 'oncePerKey' and stamp('k:' .. j .. ':' .. k) then
  return { 0, 'key_entered_before', now, -1, lastOut }
elseif rule == 'afterPeriod' and last and now < last + tonumber(ARGV[8]) then
  return { 0, 'too_soon', now, last + tonumber(ARGV[8]), lastOut }
end

local ends = now + maxDuration
redis.call('HSET', KEYS[1], 'e:' .. j .. ':' .. e, now .. '|' .. ends .. '|a|' .. k, 'l:' .. j, now .. '|' .. e)
if k ~= '' then redis.call('HSET', KEYS[1], 'k:' .. j .. ':' .. k, now .. '|' .. e) end
redis.call('ZADD', KEYS[2], ends, j .. ':' .. e)

-- each key lives as long as the longest-lived thing in it
local ttls = { math.max(remember, maxDuration), maxDuration }
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < ttls[i] then redis.call('PEXPIRE', KEYS[i], ttls[i]) end
end
return { 1, 'entered', now, -1, lastOut }
