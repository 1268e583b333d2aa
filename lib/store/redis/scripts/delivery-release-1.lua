--[[
  Releases ONE webhook delivery id held by delivery-hold-1.lua, but only for the holder that
  took it, so a late release cannot free a hold a later retry has taken.

  KEYS[1]  mark   <ns>:whid:{<digest of scope and id>}:seen

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts; a release
  is sent without one, since running late still clears the way for the sender's retry)
  ARGV[1]  holder

  Returns  1 released, 0 held by another holder or not held
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
