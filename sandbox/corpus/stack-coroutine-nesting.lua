-- expect: runtime
-- why: nested resumes hit the C-stack limit cleanly
local function nest(n) return coroutine.wrap(function() return nest(n + 1)() end) end
return nest(1)()
