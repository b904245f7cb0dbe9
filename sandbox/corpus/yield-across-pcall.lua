-- expect: ok
-- why: the sandbox's pcall keeps coroutines able to yield through it
local co = coroutine.wrap(function() local ok, v = pcall(coroutine.yield, 1) return v end)
return co() == 1 and co(2) == 2
