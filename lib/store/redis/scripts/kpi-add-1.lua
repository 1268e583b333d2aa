--[[
  Adds ONE journey's counts of ONE day (Journey KPIs): HINCRBY per field, then the key's TTL.
  Counting is commutative, so concurrent executions add exactly; the TTL is set on every call,
  so a day's counters live the retention time after its last change.

  KEYS[1]  counts  <ns>:kpi:{<journey digest>}:<YYYY-MM-DD>  hash, field = JSON [step, variant, outcome], value = count

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts; callers pass 0:
  a count that reaches Redis late is still a true count)
  ARGV[1]  ttl ms
  ARGV[2], ARGV[3], …  field, increment pairs

  Returns  the number of fields changed
]]
local n = 0
for i = 2, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], tonumber(ARGV[i + 1]))
  n = n + 1
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return n
