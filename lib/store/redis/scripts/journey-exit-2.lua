--[[
  Exit Journey for ONE contact and journey: ends its active entries (all, or those with one
  entry key). The entries stay known until their maximum duration, so a retried Journey Entry
  of the same entry still passes, and the re-entry rules still remember them.
  (Same semantics as lib/store/memory/entries.ts.)

  KEYS[1]  entries  <ns>:jr:{<contact hash>}:entries  hash (see journey-enter-2.lua)
  KEYS[2]  live     <ns>:jr:{<contact hash>}:live     zset (see journey-enter-2.lua)

  ARGV[1]  the caller's deadline, epoch ms (0 = none): past it on the server's clock, nothing is written
  ARGV[2]  time offset in ms added to the server clock (0 in production; tests move time),
           or "@<epoch ms>": a frozen test clock used instead of TIME
  ARGV[3]  <j> journey digest
  ARGV[4]  <k> entry key digest, '' for every active entry of the journey

  Returns  how many active entries ended
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
local prefix = ARGV[3] .. ':'
local exited = 0
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
for _, member in ipairs(members) do
  if string.sub(member, 1, #prefix) == prefix then
    local field = 'e:' .. member
    local entry = redis.call('HGET', KEYS[1], field)
    if entry then
      local enteredAt, ends, state, k = string.match(entry, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
      if state == 'a' and (ARGV[4] == '' or k == ARGV[4]) then
        redis.call('HSET', KEYS[1], field, enteredAt .. '|' .. ends .. '|x|' .. k)
        exited = exited + 1
      end
    end
  end
end
return exited
