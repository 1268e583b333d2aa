--[[
  Removes ONE wait of one contact and its index entries.

  KEYS[1]  regs   <ns>:wait:{<contact hash>}:regs  (see wait-register-2.lua)
  KEYS[2]  index  <ns>:wait:{<contact hash>}:idx

  (before ARGV[1]: the caller's deadline, taken off by the prelude in scripts.ts)
  ARGV[1]  wait digest <w>
  ARGV[2]  token, or '' for any registration of this wait

  Returns  1 removed, 0 none (or another token)
]]
local w = ARGV[1]
local meta = redis.call('HGET', KEYS[1], 'm:' .. w)
if not meta then return 0 end
local token = string.match(meta, '^([^|]*)|')
if ARGV[2] ~= '' and token ~= ARGV[2] then return 0 end
local names = string.match(meta, '^[^|]*|[^|]*|(.*)$') or ''
for nd in string.gmatch(names, '[^,]+') do redis.call('ZREM', KEYS[2], nd .. ':' .. w) end
redis.call('HDEL', KEYS[1], 'r:' .. w, 'm:' .. w, 'c:' .. w)
return 1
