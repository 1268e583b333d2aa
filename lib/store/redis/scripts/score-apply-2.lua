--[[
  One lead-score step for ONE contact, atomically: apply the rules that fired (repeat limits,
  group caps, total cap), decay from the stored awards and their times, threshold state (a
  threshold fires once per upward crossing), an idempotency key and a bounded audit log; or
  read the score; or reset groups. Follows lib/store/scores.ts (applyScoreUpdate, readScore,
  resetScoreGroups) step by step, so both stores give the same answers.

  KEYS[1]  state  <ns>:score:{<contact hash>}:state  hash:
                    g:<group>     awards "<at>:<points>;…" oldest first (%.17g numbers)
                    r:<rule>      "<times given>|<last given at ms>"
                    t:<threshold> "1" while the threshold is reached
                    k             JSON list of (key digest, crossed names) pairs, the newest 256 update keys
  KEYS[2]  log    <ns>:score:{<contact hash>}:log    list of JSON entries, newest first

  (the caller's deadline comes first and is taken off ARGV by the prelude in scripts.ts;
   reads pass 0, so a late read still answers)
  ARGV[1]  time: ms added to Redis TIME, or "@<epoch ms>" to use exactly that time (tests)
  ARGV[2]  mode: "apply" | "read" | "reset"
  ARGV[3]  ttl ms of both keys after a change
  ARGV[4]  audit-log entries kept
  ARGV[5]  settings JSON: { "groups": [{ "n": name, "c": cap?, "k": "none"|"linear"|"halfLife"|"expiry",
             "f": fraction?, "ms": step or half-life or expiry ms? }], "tc": total cap?,
             "th": list of (name, score, group or "total") }
  ARGV[6]  payload JSON: apply { "key": digest?, "awards": [{ "r", "g", "p", "k": "every"|"atMost"|"oncePer", "n"?, "ms"? }] }
                         reset { "groups": [names] }

  Returns  JSON { at, total, groups {name: value}, delta, crossed [], above [], applied [{rule, group, points}],
           duplicate } (values to 2 decimals)
]]
local t = redis.call('TIME')
local real = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now
if string.sub(ARGV[1], 1, 1) == '@' then now = tonumber(string.sub(ARGV[1], 2)) else now = real + tonumber(ARGV[1]) end
local mode = ARGV[2]

local settings = cjson.decode(ARGV[5])
local payload = cjson.decode(ARGV[6])
local state = KEYS[1]

-- the whole hash is read once and written once at the end: one call each instead of one per field
local h = {}
local flat = redis.call('HGETALL', state)
for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
local sets, dels = {}, {}
local function set(field, value) h[field] = value; sets[field] = value; dels[field] = nil end
local function del(field)
  if h[field] ~= nil then h[field] = nil; dels[field] = true; sets[field] = nil end
end
local function flush()
  local args = {}
  for field, value in pairs(sets) do args[#args + 1] = field; args[#args + 1] = value end
  if #args > 0 then redis.call('HSET', state, unpack(args)) end
  local gone = {}
  for field in pairs(dels) do gone[#gone + 1] = field end
  if #gone > 0 then redis.call('HDEL', state, unpack(gone)) end
end

local function round2(x) return math.floor(x * 100 + 0.5) / 100 end
local function fmt(x) return string.format('%.17g', x) end

-- what `points` given at `at` are worth now (rules/scoring/spec.ts decayedPoints)
local function worth(g, points, at)
  local age = now - at
  if age < 0 then age = 0 end
  if g.k == 'halfLife' then return points * (0.5 ^ (age / g.ms)) end
  if g.k == 'linear' then
    local left = 1 - g.f * math.floor(age / g.ms)
    if left > 0 then return points * left end
    return 0
  end
  if g.k == 'expiry' then
    if age < g.ms then return points end
    return 0
  end
  return points
end

local awards = {}
local function loadAwards(name)
  local list = {}
  local raw = h['g:' .. name]
  if raw then
    for at, points in string.gmatch(raw, '([^:;]+):([^;]+)') do list[#list + 1] = { tonumber(at), tonumber(points) } end
  end
  awards[name] = list
end
for _, g in ipairs(settings.groups) do loadAwards(g.n) end

local function groupWorth(g)
  local sum = 0
  for _, a in ipairs(awards[g.n]) do sum = sum + worth(g, a[2], a[1]) end
  return sum
end

local function worths()
  local values, total = {}, 0
  for _, g in ipairs(settings.groups) do
    values[g.n] = groupWorth(g)
    total = total + values[g.n]
  end
  return values, total
end

local function thresholdValue(values, total, group)
  if group == 'total' then return round2(total) end
  return round2(values[group] or 0)
end

local function result(values, total)
  local groups, above = {}, {}
  for _, g in ipairs(settings.groups) do groups[g.n] = round2(values[g.n]) end
  for _, th in ipairs(settings.th) do
    if thresholdValue(values, total, th[3]) >= th[2] then above[#above + 1] = th[1] end
  end
  return { at = now, total = round2(total), groups = groups, delta = 0, crossed = {}, above = above, applied = {}, duplicate = false }
end

local function unmarkBelow(values, total)
  for _, th in ipairs(settings.th) do
    if thresholdValue(values, total, th[3]) < th[2] then del('t:' .. th[1]) end
  end
end

local function logAndExpire(entry)
  flush()
  redis.call('LPUSH', KEYS[2], cjson.encode(entry))
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
  if redis.call('EXISTS', state) == 1 then redis.call('PEXPIRE', state, tonumber(ARGV[3])) end
end

if mode == 'read' then
  local values, total = worths()
  return cjson.encode(result(values, total))
end

if mode == 'reset' then
  local values, total = worths()
  local before = round2(total)
  for _, name in ipairs(payload.groups) do
    del('g:' .. name)
    awards[name] = {}
  end
  values, total = worths()
  unmarkBelow(values, total)
  local out = result(values, total)
  out.delta = round2(out.total - before)
  logAndExpire({ at = now, delta = out.delta, total = out.total, rules = {}, crossed = {}, reset = payload.groups })
  return cjson.encode(out)
end

-- apply
local keys = cjson.decode(h['k'] or '[]')
if payload.key then
  for _, entry in ipairs(keys) do
    if entry[1] == payload.key then
      local values, total = worths()
      local out = result(values, total)
      out.crossed = entry[2]
      out.duplicate = true
      return cjson.encode(out)
    end
  end
end

local before, beforeTotal = worths()
unmarkBelow(before, beforeTotal)
local byName = {}
for _, g in ipairs(settings.groups) do byName[g.n] = g end
local running, total = {}, beforeTotal
for name, v in pairs(before) do running[name] = v end
local applied = {}
for _, award in ipairs(payload.awards) do
  local g = byName[award.g]
  if g then
    local history = h['r:' .. award.r]
    local count, last = 0, nil
    if history then
      local c, l = string.match(history, '^([^|]+)|(.+)$')
      count, last = tonumber(c), tonumber(l)
    end
    local allowed = true
    if history and award.k == 'atMost' and count >= award.n then allowed = false end
    if history and award.k == 'oncePer' and now - last < award.ms then allowed = false end
    if allowed then
      local points = award.p
      if points > 0 then
        local room = math.huge
        if g.c then room = math.min(room, g.c - running[award.g]) end
        if settings.tc then room = math.min(room, settings.tc - total) end
        points = math.min(points, math.max(0, room))
      end
      set('r:' .. award.r, (count + 1) .. '|' .. fmt(now))
      if points ~= 0 then
        local list = awards[award.g]
        list[#list + 1] = { now, points }
        running[award.g] = running[award.g] + points
        total = total + points
      end
      applied[#applied + 1] = { rule = award.r, group = award.g, points = round2(points) }
    end
  end
end

-- compact: one award at `now` where the decay allows it, else without the worthless ones, bounded
for _, g in ipairs(settings.groups) do
  local list = awards[g.n]
  if #list > 0 then
    local kept = {}
    if g.k == 'none' or g.k == 'halfLife' then
      local w = groupWorth(g)
      if w ~= 0 then kept[1] = { now, w } end
    else
      for _, a in ipairs(list) do
        if worth(g, a[2], a[1]) ~= 0 then kept[#kept + 1] = a end
      end
      while #kept > 256 do
        local a = table.remove(kept, 1)
        kept[1] = { kept[1][1], a[2] + kept[1][2] }
      end
    end
    awards[g.n] = kept
    if #kept == 0 then
      del('g:' .. g.n)
    else
      local parts = {}
      for i, a in ipairs(kept) do parts[i] = fmt(a[1]) .. ':' .. fmt(a[2]) end
      set('g:' .. g.n, table.concat(parts, ';'))
    end
  end
end

local after, afterTotal = worths()
local crossed = {}
for _, th in ipairs(settings.th) do
  local reached = thresholdValue(after, afterTotal, th[3]) >= th[2]
  local field = 't:' .. th[1]
  if reached and h[field] == nil then
    set(field, '1')
    crossed[#crossed + 1] = th[1]
  elseif not reached then
    del(field)
  end
end
local out = result(after, afterTotal)
out.delta = round2(out.total - round2(beforeTotal))
out.crossed = crossed
out.applied = applied
if payload.key then
  keys[#keys + 1] = { payload.key, crossed }
  if #keys > 256 then table.remove(keys, 1) end
  set('k', cjson.encode(keys))
end
set('u', fmt(now))
logAndExpire({ at = now, delta = out.delta, total = out.total, rules = applied, crossed = crossed })
return cjson.encode(out)
