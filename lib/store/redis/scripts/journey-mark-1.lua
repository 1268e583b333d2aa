--[[
  Sets the variant (Journey Split) or the last send step (Channel Send) of ONE entry that has a
  conversion goal; an entry without one is left alone (nothing would read it).

  KEYS[1]  goals  <ns>:jr:{<contact hash>}:goals  (see journey-goal-2.lua)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  what: v (variant) | s (last send step)
  ARGV[2]  <r> = "<j>:<e>"
  ARGV[3]  sealed value

  Returns  1 set, 0 no goal for this entry
]]
if redis.call('HEXISTS', KEYS[1], 'g:' .. ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], ARGV[3])
return 1
