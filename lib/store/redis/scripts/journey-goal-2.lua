--[[
  Keeps the conversion goal of ONE entry just entered (sent right after journey-enter-2.lua in
  the same pipeline): only a new entry gets a goal, a retry of the same entry keeps its own.
  Goals whose window is over are dropped here. (Same semantics as lib/store/memory/entries.ts.)

  KEYS[1]  entries  <ns>:jr:{<contact hash>}:entries  (journey-enter-2.lua; read only)
  KEYS[2]  goals    <ns>:jr:{<contact hash>}:goals  hash, per entry <r> = "<j>:<e>":
                      g:<r>  "<entered at>|<until>|<event digest>|<sealed journey>|<sealed conditions>"
                      v:<r>  sealed variant        (journey-mark-1.lua)
                      s:<r>  sealed last send step (journey-mark-1.lua)
                      c:<r>  converted at (ms)     (journey-convert-1.lua)
  (<j>, <e>: keyed digests of the journey name and entry id; sealed: AES-GCM, see RedisKeys.seal)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  time offset in ms added to the server clock, or "@<epoch ms>" (a frozen test clock)
  ARGV[2]  <j>
  ARGV[3]  <e>
  ARGV[4]  event digest
  ARGV[5]  window ms
  ARGV[6]  sealed journey name
  ARGV[7]  sealed conditions ('' for none)
  ARGV[8]  sealed variant ('' for none)

  Returns  1 goal kept, 0 no new entry (refused, or a retry of an entry that has its goal)
]]
local now
if string.sub(ARGV[1], 1, 1) == '@' then
  now = tonumber(string.sub(ARGV[1], 2))
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
end
local r = ARGV[2] .. ':' .. ARGV[3]
local entry = redis.call('HGET', KEYS[1], 'e:' .. r)
if not entry or redis.call('HEXISTS', KEYS[2], 'g:' .. r) == 1 then return 0 end
local enteredAt = tonumber(string.match(entry, '^([^|]*)|'))

-- goals past their window are over
local fields = redis.call('HKEYS', KEYS[2])
for _, field in ipairs(fields) do
  if string.sub(field, 1, 2) == 'g:' then
    local goal = redis.call('HGET', KEYS[2], field)
    local untilMs = tonumber(string.match(goal, '^[^|]*|([^|]*)|'))
    if untilMs < now then
      local ref = string.sub(field, 3)
      redis.call('HDEL', KEYS[2], field, 'v:' .. ref, 's:' .. ref, 'c:' .. ref)
    end
  end
end

local untilMs = enteredAt + tonumber(ARGV[5])
redis.call('HSET', KEYS[2], 'g:' .. r, enteredAt .. '|' .. untilMs .. '|' .. ARGV[4] .. '|' .. ARGV[6] .. '|' .. ARGV[7])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[2], 'v:' .. r, ARGV[8]) end
local ttl = untilMs - now
if ttl > 0 and redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
