--[[
  Converts ONE entry at most once: the first claim marks it and gets 1, every later claim (the
  same event delivered twice, another matching event, another process) gets 0.

  KEYS[1]  goals  <ns>:jr:{<contact hash>}:goals  (see journey-goal-2.lua)

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  <r> = "<j>:<e>"
  ARGV[2]  when it converted (epoch ms, host clock; kept as the mark)

  Returns  { 1 converted now | 0 converted before or no such goal, goal value or '', sealed variant or '', sealed step or '' }
]]
local r = ARGV[1]
local goal = redis.call('HGET', KEYS[1], 'g:' .. r)
if not goal then return { 0, '', '', '' } end
local variant = redis.call('HGET', KEYS[1], 'v:' .. r) or ''
local step = redis.call('HGET', KEYS[1], 's:' .. r) or ''
if redis.call('HSETNX', KEYS[1], 'c:' .. r, ARGV[2]) == 0 then return { 0, goal, variant, step } end
return { 1, goal, variant, step }
