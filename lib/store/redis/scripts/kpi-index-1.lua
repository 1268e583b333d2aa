--[[
  Remembers which journeys have counters and their latest day (Journey KPIs), so a report of
  "every journey" finds them without SCAN; journeys whose latest day is past the retention go.

  KEYS[1]  index  <ns>:kpi:journeys  zset, member = journey name, score = latest day (days since 1970-01-01)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts; callers pass 0)
  ARGV[1]  ttl ms
  ARGV[2]  oldest day number still kept
  ARGV[3], ARGV[4], …  journey name, day number pairs

  Returns  the number of journeys in the index
]]
for i = 3, #ARGV, 2 do
  local day = tonumber(ARGV[i + 1])
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if not score or tonumber(score) < day then redis.call('ZADD', KEYS[1], day, ARGV[i]) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return redis.call('ZCARD', KEYS[1])
