--[[
  Holds ONE webhook delivery id while its events are processed (replay protection): the first
  holder wins, later deliveries of the id see it held.

  KEYS[1]  mark   <ns>:whid:{<digest of scope and id>}:seen  string, value = holder

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  holder (random per delivery attempt, so only this attempt can release the hold)
  ARGV[2]  ttl ms

  Returns  1 held by this caller, 0 already held or remembered
]]
if redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]), 'NX') then return 1 end
return 0
