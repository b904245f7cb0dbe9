-- expect: runtime
-- limits: memory=128
-- why: Lua's stack limit is a clean error
local function f(n) return 1 + f(n + 1) end
return f(1)
