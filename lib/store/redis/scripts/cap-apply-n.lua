--[[
  Frequency caps: check-and-reserve / check / record / release for a batch of requests.
  ("-n": the number of keys varies; the caller passes it. Same algorithm as
  lib/store/memory/caps.ts.)

  Each contact has one send log, a string of entries "<ts>|<message key>|,<dim>,<dim>,...,"
  joined by ";" and ordered by ts (a new send is appended without re-encoding the log). A
  dimension is 'a' (all channels) or a keyed hash of a channel (c…), campaign (p…) or tag (t…).
  Rules count the entries of one dimension in a window; a gap rule looks at the newest one.

  KEYS[1..n]  the send logs (<ns>:cap:{<contact hash>}:log) of the contacts in this call (up to
              CAP_CALL_SIZE requests' worth): on one server, any contacts; on Redis Cluster, all
              in one hash slot (the caller groups requests by slot, as Cluster requires).

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  "<clock>,<retention ms>,<max entries>" (one argument for what every call of a
           batch shares):
             clock          time offset in ms added to the server clock (0 in production;
                            tests move time), or "@<epoch ms>": a frozen test clock used
                            instead of TIME
             retention ms   entries older than this are dropped, and the PX of every log
                            written
             max entries    per log (oldest dropped beyond it)
  ARGV[2]  the request shapes of this call (requests of one shape share everything but the
           contact and message key), "#"-separated, each "mode/dims/from/until/answer":
             mode   R reserve | C check | W record | X release
             dims   ",<dim>,<dim>,...,": the dimensions a message is logged under
             from, until, answer: the reply for a contact with no send log while now is in
                    [from, until) (the caller computed it: allowed on an empty log), written
                    with one SET NX; empty answer = none. Otherwise, and when the contact has a
                    log, the full evaluation below decides.
  ARGV[3]  the shapes' rules and send windows, in the same order, "#"-separated, each
           "rules/open" (parsed only when a request needs the full evaluation):
             rules  " "-separated, each "kind:dim:limit:ms" or, for a calendar window,
                    "L:dim:limit:0:<bound>:<bound>...": L + ms > 0: at most limit in a rolling
                    window of ms; L + bounds: calendar periods (consecutive period starts; the
                    one holding now is used); G: minimum gap of ms (empty = no rules)
             open   the send window's [open, close) intervals, "<open>:<close>:...", empty =
                    no quiet hours
  ARGV[4]  every request of the call, in order, each "keyIndex,shape,mk;": keyIndex into
           KEYS, shape (1-based) into ARGV[2], mk the message key digest (base64url or "~" +
           base64url; empty = none, never matches; never contains "," or ";")
  (a call is a handful of arguments however many rules it carries)

  Returns one string: now, then per request code, ruleRef, count, limit, retryAt, all joined
  by "," (integers; one bulk string instead of an array of 1 + 5 × requests integers)
    code     1 allowed, 2 already reserved, 3 limit reached, 4 minimum gap, 5 quiet hours,
             6 recorded, 7 already recorded, 8 released, 9 not reserved, 10 clock skew
    ruleRef  1-based index into the request's rules, -1 the send window, 0 none
    count, limit, retryAt (epoch ms): -1 when not applicable
  Time comes from the Redis server (TIME, as the prelude read it), never from the caller.
]]
local tonumber, gmatch = tonumber, string.gmatch
local clock, retentionArg, maxEntriesArg = string.match(ARGV[1], '^([^,]+),(%d+),(%d+)$')
local now
if string.sub(clock, 1, 1) == '@' then
  now = tonumber(string.sub(clock, 2))
else
  local serverMs = preludeTimeMs
  if serverMs == nil then
    local t = redis.call('TIME')
    serverMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  now = serverMs + tonumber(clock)
end
local nowStr = string.format('%d', now)

-- the shapes; their rules and send windows are parsed only when a request needs them
local shapes = {}
for mode, dims, from, till, answer in gmatch(ARGV[2], '(%u)/([^/]*)/(%d+)/(%d+)/([^#]*)') do
  if answer == '' or now < tonumber(from) or now >= tonumber(till) then answer = nil end
  shapes[#shapes + 1] = { mode = mode, dims = dims, answer = answer }
end

-- send logs, loaded once per call (a one-entry log the lean path wrote stays its string until needed)
local logs = {}

-- the full evaluation: read the log, evaluate every rule, write back; built on first use, so a
-- call the lean path answers entirely pays for none of it
local function fullEvaluation()
  local retention = tonumber(retentionArg)
  local maxEntries = tonumber(maxEntriesArg)
  local find = string.find

  -- the shapes' rules and send windows (nil = no quiet hours)
  local s = 0
  for rs, os in gmatch(ARGV[3], '([^/#]*)/([^#]*)') do
    s = s + 1
    local rules = {}
    for kind, dim, limit, ms, bs in gmatch(rs, '(%u):([^:]+):(%d+):(%d+)([%d:]*)') do
      local bounds = nil
      if bs ~= '' then
        bounds = {}
        for b in gmatch(bs, '%d+') do bounds[#bounds + 1] = tonumber(b) end
      end
      rules[#rules + 1] = { gap = kind == 'G', needle = ',' .. dim .. ',', limit = tonumber(limit), ms = tonumber(ms), bounds = bounds }
    end
    shapes[s].rules = rules
    if os ~= '' then
      local open = {}
      for v in gmatch(os, '%d+') do open[#open + 1] = tonumber(v) end
      shapes[s].open = open
    end
  end

  local function load(k)
    local log = logs[k]
    if log then
      if type(log) == 'string' then
        local m, d = string.match(log, '^[^|]*|([^|;]*)|(.*)$')
        log = { ts = { now }, mk = { m }, dims = { d }, n = 1, blob = log, dirty = false, rebuild = false }
        logs[k] = log
      end
      return log
    end
    local blob = redis.call('GET', KEYS[k])
    log = { ts = {}, mk = {}, dims = {}, n = 0, blob = '', dirty = false, rebuild = false }
    if blob then
      local n = 0
      for t, m, d in string.gmatch(blob, '(%d+)|([^|;]*)|([^;]*)') do
        n = n + 1; log.ts[n] = tonumber(t); log.mk[n] = m; log.dims[n] = d
      end
      log.n = n; log.blob = blob
    end
    logs[k] = log
    return log
  end

  local function findKey(log, mk)
    if mk == '' then return nil end
    for i = log.n, 1, -1 do
      if log.mk[i] == mk then return i end
    end
    return nil
  end

  local function append(log, mk, dims)
    local n = log.n
    if n > 0 and log.ts[n] > now then
      -- the clock went back: insert in order and re-encode at the end
      local i = n
      while i >= 1 and log.ts[i] > now do i = i - 1 end
      table.insert(log.ts, i + 1, now); table.insert(log.mk, i + 1, mk); table.insert(log.dims, i + 1, dims)
      log.rebuild = true
    else
      log.ts[n + 1] = now; log.mk[n + 1] = mk; log.dims[n + 1] = dims
      if not log.rebuild then
        if n == 0 then log.blob = nowStr .. '|' .. mk .. '|' .. dims
        else log.blob = log.blob .. ';' .. nowStr .. '|' .. mk .. '|' .. dims end
      end
    end
    log.n = n + 1
    log.dirty = true
  end

  local function remove(log, i)
    table.remove(log.ts, i); table.remove(log.mk, i); table.remove(log.dims, i)
    log.n = log.n - 1
    log.dirty = true; log.rebuild = true
  end

  -- quiet hours, then every rule; the failing check that opens last wins (-1 = never)
  local wCode, wRef, wCount, wLimit, wRetry
  local function consider(code, ref, cnt, lim, retry)
    if wCode == nil or (wRetry ~= -1 and (retry == -1 or retry > wRetry)) then
      wCode, wRef, wCount, wLimit, wRetry = code, ref, cnt, lim, retry
    end
  end

  local function evaluate(log, rules, open)
    wCode = nil
    if open then
      local inside, nextOpen = false, -1
      for i = 1, #open, 2 do
        if open[i] <= now and now < open[i + 1] then inside = true end
        if open[i] > now and nextOpen == -1 then nextOpen = open[i] end
      end
      if not inside then
        if nextOpen == -1 then return 10, 0, -1, -1, -1 end
        consider(5, -1, -1, -1, nextOpen)
      end
    end
    local tRef, tCount, tLimit = 0, -1, -1
    local n, ts, dims = log.n, log.ts, log.dims
    for r = 1, #rules do
      local rule = rules[r]
      local needle, ms = rule.needle, rule.ms
      if rule.gap then
        for i = n, 1, -1 do
          if find(dims[i], needle, 1, true) then
            if now - ts[i] < ms then consider(4, r, -1, -1, ts[i] + ms) end
            break
          end
        end
      else
        local lim = rule.limit
        local start, periodEnd = now - ms + 1, -1
        local bounds = rule.bounds
        if bounds then
          local found = nil
          for b = 1, #bounds - 1 do
            if bounds[b] <= now and now < bounds[b + 1] then found = b end
          end
          if found == nil then return 10, 0, -1, -1, -1 end
          start = bounds[found]; periodEnd = bounds[found + 1]
        end
        local cnt, nth = 0, -1
        local i = n
        while i >= 1 and ts[i] >= start do
          if find(dims[i], needle, 1, true) then
            cnt = cnt + 1
            if cnt == lim then nth = ts[i] end
          end
          i = i - 1
        end
        if cnt >= lim then
          local retry = -1
          if lim > 0 then
            if periodEnd >= 0 then retry = periodEnd else retry = nth + ms end
          end
          consider(3, r, cnt, lim, retry)
        elseif tRef == 0 or lim - cnt < tLimit - tCount then
          tRef, tCount, tLimit = r, cnt, lim
        end
      end
    end
    if wCode then return wCode, wRef, wCount, wLimit, wRetry end
    return 1, tRef, tCount, tLimit, -1
  end

  -- one request: "code,ruleRef,count,limit,retryAt"
  local function apply(k, shape, mk)
    local mode, dims, rules, open = shape.mode, shape.dims, shape.rules, shape.open
    local code, ruleRef, count, limit, retryAt = 0, 0, -1, -1, -1
    local log = load(k)
    local at = findKey(log, mk)
    if mode == 'X' then
      if at then remove(log, at); code = 8 else code = 9 end
    elseif mode == 'W' then
      if at then code = 7 else append(log, mk, dims); code = 6 end
    elseif at then
      code = 2
    else
      code, ruleRef, count, limit, retryAt = evaluate(log, rules, open)
      if code == 1 and mode == 'R' then
        append(log, mk, dims)
        if ruleRef > 0 then count = count + 1 end
      end
    end
    return code .. ',' .. ruleRef .. ',' .. count .. ',' .. limit .. ',' .. retryAt
  end

  -- write back what changed: trim by age and size, keep a TTL on every log
  local function writeBack()
    local cutoff = now - retention
    for k, log in pairs(logs) do
      if type(log) == 'table' and log.dirty then
        local drop = 0
        while drop < log.n and log.ts[drop + 1] <= cutoff do drop = drop + 1 end
        if log.n - drop > maxEntries then drop = log.n - maxEntries end
        if log.n - drop == 0 then
          redis.call('DEL', KEYS[k])
        else
          if drop > 0 or log.rebuild then
            local parts = {}
            for i = drop + 1, log.n do
              parts[#parts + 1] = string.format('%d', log.ts[i]) .. '|' .. log.mk[i] .. '|' .. log.dims[i]
            end
            log.blob = table.concat(parts, ';')
          end
          redis.call('SET', KEYS[k], log.blob, 'PX', retention)
        end
      end
    end
  end

  return apply, writeBack
end

-- one string per request, "code,ruleRef,count,limit,retryAt"
local results = { nowStr }
local ri = 1
local call = redis.call
local apply, writeBack
for k, s, mk in gmatch(ARGV[4], '(%d+),(%d+),([^;]*);') do
  k = tonumber(k)
  local shape = shapes[tonumber(s)]
  ri = ri + 1
  local answer = shape.answer
  -- lean path, for a contact this call has not read yet whose send the caller found allowed on
  -- an empty log at this time: SET NX writes the one-entry log in one call, and fails only if
  -- the contact has a log (then the full evaluation decides)
  local entry = answer and logs[k] == nil and nowStr .. '|' .. mk .. '|' .. shape.dims
  if entry and call('SET', KEYS[k], entry, 'NX', 'PX', retentionArg) then
    logs[k] = entry
    results[ri] = answer
  else
    if apply == nil then apply, writeBack = fullEvaluation() end
    results[ri] = apply(k, shape, mk)
  end
end
if writeBack then writeBack() end

return table.concat(results, ',')
